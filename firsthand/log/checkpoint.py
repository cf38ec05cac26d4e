"""C2SP tlog-checkpoint v1.0.0 (https://c2sp.org/tlog-checkpoint@v1.0.0).

A checkpoint is a log's signed statement of its size and root hash. Its body
(the text of a signed note, see ``note.py``) is::

    <origin>
    <tree size, ASCII decimal, no leading zeros>
    <base64 of the 32-byte RFC 6962 root hash>
    [extension lines, each non-empty]

The spec says the log key's name SHOULD be the origin; firsthand makes it a
MUST on both sides, so a key cannot vouch for another log's tree.

Parsing is strict enough that ``Checkpoint.from_body(text).body() == text``:
witnesses cosign the body byte for byte, so a checkpoint we re-encode must be
exactly the one that was signed.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass

from firsthand.log.errors import MalformedCheckpoint
from firsthand.log.merkle import HASH_SIZE
from firsthand.log.note import Note, Signer, Verifier, open_note, sign_note

MAX_SIZE = 2**64 - 1
# ASCII digits only (str.isdigit would take "١"), and no leading zero but "0" itself.
_SIZE = re.compile("0|[1-9][0-9]*")
# Newline ends a line; the other ASCII controls are banned by the signed-note spec.
_CONTROL = re.compile("[\x00-\x1f\ud800-\udfff]")


def _check_line(line: str, what: str) -> None:
    if not line:
        raise MalformedCheckpoint(f"the checkpoint's {what} is empty")
    bad = _CONTROL.search(line)
    if bad:
        raise MalformedCheckpoint(
            f"the checkpoint's {what} holds U+{ord(bad.group()):04X}, which a note cannot carry"
        )


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log (origin), how many leaves, and the root hash of those leaves."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Every Checkpoint is one the spec allows, so body() always encodes a valid note text.
        _check_line(self.origin, "origin")
        if type(self.size) is not int or not 0 <= self.size <= MAX_SIZE:
            raise MalformedCheckpoint(f"the checkpoint size {self.size!r} is not a uint64")
        if len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpoint(
                f"the checkpoint root hash has {len(self.root_hash)} bytes, not {HASH_SIZE}"
            )
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body (a note's text), refusing anything the spec does not allow."""
        if not text.endswith("\n"):
            raise MalformedCheckpoint("a checkpoint body ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpoint(
                f"a checkpoint has an origin, a size and a root hash, one per line; "
                f"this one has {len(lines)} line(s)"
            )
        origin, size_text, root_text, *extensions = lines
        _check_line(origin, "origin")
        if not _SIZE.fullmatch(size_text):
            raise MalformedCheckpoint(
                f"the checkpoint size {size_text!r} is not a decimal number without leading zeros"
            )
        size = int(size_text)
        if size > MAX_SIZE:
            raise MalformedCheckpoint(f"the checkpoint size {size_text} does not fit in 64 bits")
        try:
            root = base64.b64decode(root_text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise MalformedCheckpoint(
                f"the checkpoint root hash {root_text!r} is not valid base64"
            ) from None
        if len(root) != HASH_SIZE:
            raise MalformedCheckpoint(
                f"the checkpoint root hash has {len(root)} bytes, not {HASH_SIZE}"
            )
        if base64.b64encode(root).decode("ascii") != root_text:
            # Unused low bits set: the same hash, another text. Refused so body() round-trips.
            raise MalformedCheckpoint(f"the checkpoint root hash {root_text!r} is not canonical")
        for number, line in enumerate(extensions, 4):
            _check_line(line, f"extension line (line {number})")
        return cls(origin, size, root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> bytes:
    """The checkpoint as a note signed by the log key, whose name must be the origin."""
    if signer.name != checkpoint.origin:
        raise MalformedCheckpoint(
            f"the log key is named {signer.name!r} but the checkpoint's origin is "
            f"{checkpoint.origin!r}; a log signs only its own checkpoints"
        )
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(data: bytes, log_key: Verifier) -> tuple[Checkpoint, Note]:
    """Verify a checkpoint note by the log key, then parse its body.

    Other signatures (witness cosignatures, keys we do not know) are ignored, as
    the spec requires, and kept in the returned Note for whoever knows them.

    The answer for the same bytes and key is always the same, and a server
    checks the same checkpoint for every page and bundle it serves until the
    log grows: the newest few answers are kept (a refusal is not, it raises).
    """
    return _open_checkpoint(bytes(data), log_key)  # bytes: a cache key must be immutable


@functools.lru_cache(maxsize=64)
def _open_checkpoint(data: bytes, log_key: Verifier) -> tuple[Checkpoint, Note]:
    note = open_note(data, [log_key])
    checkpoint = Checkpoint.from_body(note.text)
    if checkpoint.origin != log_key.name:
        raise MalformedCheckpoint(
            f"the checkpoint's origin {checkpoint.origin!r} is not "
            f"the log key's name {log_key.name!r}"
        )
    return checkpoint, note
