"""C2SP tlog-checkpoint v1.0.0: a log's signed statement of its size and root.

The body is the origin, the tree size in decimal and the base64 root hash,
each on its own line, then optional extension lines. It travels as a signed
note whose log key is named after the origin.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from firsthand.log.errors import MalformedCheckpoint
from firsthand.log.merkle import HASH_SIZE
from firsthand.log.note import Note, Signer, Verifier, open_note, sign_note

MAX_SIZE = 2**64 - 1


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise MalformedCheckpoint("a checkpoint body ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpoint(
                "a checkpoint has an origin, a size and a root hash, one per line"
            )
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise MalformedCheckpoint("the checkpoint's origin line is empty")
        if (
            not size_text.isascii()
            or not size_text.isdigit()
            or (len(size_text) > 1 and size_text[0] == "0")
        ):
            raise MalformedCheckpoint(f"the checkpoint size {size_text!r} is not a decimal number")
        size = int(size_text)
        if size > MAX_SIZE:
            raise MalformedCheckpoint("the checkpoint size does not fit in 64 bits")
        try:
            root = base64.b64decode(root_text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise MalformedCheckpoint("the checkpoint root hash is not valid base64") from None
        if len(root) != HASH_SIZE:
            raise MalformedCheckpoint(f"the checkpoint root hash is {len(root)} bytes, not 32")
        if any(not line for line in extensions):
            raise MalformedCheckpoint("a checkpoint's extension lines cannot be empty")
        return cls(origin, size, root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> bytes:
    """The checkpoint as a note signed by the log key, whose name must be the origin."""
    if signer.name != checkpoint.origin:
        raise MalformedCheckpoint(
            f"the log key is named {signer.name!r} but the origin is {checkpoint.origin!r}"
        )
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(data: bytes, log_key: Verifier) -> tuple[Checkpoint, Note]:
    """Verify a checkpoint note by the log key and parse it. Other signatures are kept, unjudged."""
    note = open_note(data, [log_key])
    checkpoint = Checkpoint.from_body(note.text)
    if checkpoint.origin != log_key.name:
        raise MalformedCheckpoint(
            f"the checkpoint's origin {checkpoint.origin!r} is not "
            f"the log key's name {log_key.name!r}"
        )
    return checkpoint, note
