"""C2SP tlog-cosignature v1.0.1 (https://c2sp.org/tlog-cosignature@v1.0.1), Ed25519 only.

A cosignature is a signed-note signature line on a checkpoint by a *cosigner*
(a witness). It states that, as of its timestamp, the cosigner has seen no tree
for that origin larger than this one that is inconsistent with it.

- key ID: SHA-256(name || "\\n" || 0x04 || 32-byte Ed25519 public key)[:4].
  The type byte 0x04 (not the 0x01 of plain note keys) keeps a cosignature from
  ever being taken for a log signature by the same key, and vice versa.
- signature bytes, after the key ID: timestamp (u64, big-endian, at most
  2^63 - 1) || Ed25519 signature (64 bytes): 72 bytes, so 76 with the key ID.
- signed message: ``cosignature/v1\\n`` ``time <timestamp>\\n`` followed by the
  whole checkpoint body, extension lines included (spec, "Signed message").
  FiloSottile/litetlog's torchwood signs only the first three lines; on a
  checkpoint with extension lines its cosignatures and ours differ.

Verifier keys are vkeys with type 0x04: ``name+hhhhhhhh+base64(0x04 || key)``.
The spec defines no private key text; we write ``PRIVATE+KEY+name+hhhhhhhh+
base64(0x04 || seed)``, which transparency-dev/formats' NewSignerForCosignatureV1
also reads, and we accept a plain note key (type 0x01) as a cosigner's seed too.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as _BadEd25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from firsthand.log.errors import InvalidSignature, MalformedNote
from firsthand.log.note import (
    ED25519,
    ED25519_KEY_SIZE,
    ED25519_SIGNATURE_SIZE,
    KEY_ID_SIZE,
    Note,
    NoteSignature,
    check_key_name,
    key_id,
)

COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1\n"
TIMESTAMP_SIZE = 8
SIGNATURE_SIZE = TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE  # the 72-byte timestamped_signature
MAX_TIMESTAMP = 2**63 - 1


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a cosigner signs: the header line, the time line, the checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedNote(f"a cosignature timestamp is between 0 and 2^63 - 1, not {timestamp}")
    return f"{HEADER}time {timestamp}\n{body}".encode()


def _decode_key(text: str, what: str) -> tuple[str, bytes, int, bytes]:
    """Split ``[PRIVATE+KEY+]name+hhhhhhhh+base64`` into name, claimed ID, type, key bytes."""
    fields = text.split("+", 2)
    if len(fields) != 3:
        raise MalformedNote(f"a {what} has the form <name>+<key ID>+<base64 key>")
    name, hex_id, encoded = fields
    check_key_name(name)
    if len(hex_id) != 2 * KEY_ID_SIZE or any(c not in "0123456789abcdef" for c in hex_id):
        raise MalformedNote(f"the key ID of the {what} {name} must be 8 lowercase hex digits")
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedNote(f"the {what} {name} is not valid base64") from None
    if len(raw) != 1 + ED25519_KEY_SIZE:
        raise MalformedNote(
            f"the {what} {name} holds {len(raw)} bytes; a type byte and 32 key bytes were expected"
        )
    return name, bytes.fromhex(hex_id), raw[0], raw[1:]


class CosignatureVerifier:
    """A cosigner's public key and name: checks cosignature/v1 signature lines."""

    __slots__ = ("_key", "_key_id", "_name", "_public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        if len(public_key) != ED25519_KEY_SIZE:
            raise MalformedNote(f"an Ed25519 public key has 32 bytes, not {len(public_key)}")
        self._name = name
        self._public_key = bytes(public_key)
        self._key_id = key_id(name, bytes([COSIGNATURE_V1]) + self._public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self._public_key)

    @classmethod
    def from_text(cls, vkey: str) -> CosignatureVerifier:
        name, claimed, kind, public = _decode_key(vkey, "cosigner key")
        if kind != COSIGNATURE_V1:
            hint = " (a log's note key, not a witness's)" if kind == ED25519 else ""
            raise MalformedNote(
                f"the cosigner key {name} has type 0x{kind:02x}{hint}; "
                "a tlog-cosignature/v1 key has type 0x04"
            )
        verifier = cls(name, public)
        if verifier.key_id != claimed:
            raise MalformedNote(
                f"the cosigner key {name} claims key ID {claimed.hex()}, "
                f"but its public key has {verifier.key_id.hex()}"
            )
        return verifier

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def text(self) -> str:
        encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + self._public_key).decode("ascii")
        return f"{self._name}+{self._key_id.hex()}+{encoded}"

    def matches(self, signature: NoteSignature) -> bool:
        """Whether a signature line claims to be by this key (name and key ID both)."""
        return signature.name == self._name and signature.key_id == self._key_id

    def verify(self, body: str, signature: NoteSignature) -> int:
        """The timestamp of a valid cosignature on ``body``; InvalidSignature otherwise."""
        if not self.matches(signature):
            raise InvalidSignature(
                f"the signature line is by {signature.name}+{signature.key_id.hex()}, "
                f"not the cosigner {self._name}+{self._key_id.hex()}"
            )
        raw = signature.signature
        if len(raw) != SIGNATURE_SIZE:
            raise InvalidSignature(
                f"the cosignature by {self._name} holds {len(raw)} bytes, not {SIGNATURE_SIZE} "
                "(an 8-byte timestamp and a 64-byte Ed25519 signature)"
            )
        timestamp = int.from_bytes(raw[:TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            raise InvalidSignature(f"the cosignature by {self._name} has a timestamp over 2^63 - 1")
        try:
            self._key.verify(raw[TIMESTAMP_SIZE:], cosignature_message(body, timestamp))
        except _BadEd25519:
            raise InvalidSignature(
                f"the cosignature by {self._name}+{self._key_id.hex()} does not verify; "
                "the checkpoint was altered or the key is wrong"
            ) from None
        return timestamp

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CosignatureVerifier):
            return NotImplemented
        return (self._name, self._public_key) == (other._name, other._public_key)

    def __hash__(self) -> int:
        return hash((self._name, self._public_key, COSIGNATURE_V1))

    def __repr__(self) -> str:
        return f"CosignatureVerifier({self.text()!r})"


class CosignatureSigner:
    """A witness's Ed25519 key and name. Its private text is a secret: never log it."""

    __slots__ = ("_private", "_seed", "_verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._verifier = CosignatureVerifier(name, public)
        self._private = private_key

    @classmethod
    def generate(cls, name: str) -> CosignatureSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> CosignatureSigner:
        if len(seed) != ED25519_KEY_SIZE:
            raise MalformedNote(f"an Ed25519 private key seed has 32 bytes, not {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_private_key(cls, text: str) -> CosignatureSigner:
        # Error messages never quote the text: it holds the secret seed.
        if not text.startswith("PRIVATE+KEY+"):
            raise MalformedNote("a private key has the form PRIVATE+KEY+<name>+<key ID>+<base64>")
        name, claimed, kind, seed = _decode_key(text[len("PRIVATE+KEY+") :], "private key")
        if kind not in (COSIGNATURE_V1, ED25519):
            raise MalformedNote(f"the private key {name} has type 0x{kind:02x}, not 0x04 or 0x01")
        signer = cls.from_seed(name, seed)
        expected = key_id(name, bytes([kind]) + signer.verifier().public_key)
        if expected != claimed:
            raise MalformedNote(f"the private key {name} does not match its key ID")
        return signer

    @property
    def name(self) -> str:
        return self._verifier.name

    @property
    def key_id(self) -> bytes:
        return self._verifier.key_id

    def verifier(self) -> CosignatureVerifier:
        return self._verifier

    def private_key_text(self) -> str:
        seed = self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{encoded}"

    def sign(self, body: str, timestamp: int | None = None) -> NoteSignature:
        """A cosignature line on a checkpoint body, timestamped now unless told otherwise."""
        when = int(time.time()) if timestamp is None else timestamp
        signature = self._private.sign(cosignature_message(body, when))
        stamped = when.to_bytes(TIMESTAMP_SIZE, "big") + signature
        return NoteSignature(self.name, self.key_id, stamped)

    def __repr__(self) -> str:
        return f"CosignatureSigner({self.name!r}, key ID {self.key_id.hex()})"


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: who, when, and the signature line itself."""

    cosigner: CosignatureVerifier
    timestamp: int
    signature: NoteSignature


def verify_cosignatures(note: Note, cosigners: Iterable[CosignatureVerifier]) -> list[Cosignature]:
    """The cosignatures on a (parsed) checkpoint note by any of the trusted cosigners.

    Lines by other keys (the log's own, unknown witnesses) are ignored. As in
    signed-note, a line by a trusted cosigner that fails rejects the note:
    InvalidSignature. A cosigner with several valid lines counts once, with the
    latest timestamp. Whether enough cosigners signed is the caller's policy.
    """
    trusted = list(cosigners)
    found: dict[CosignatureVerifier, Cosignature] = {}
    for line in note.signatures:
        for cosigner in trusted:
            if cosigner.matches(line):
                timestamp = cosigner.verify(note.text, line)
                best = found.get(cosigner)
                if best is None or timestamp > best.timestamp:
                    found[cosigner] = Cosignature(cosigner, timestamp, line)
    return [found[c] for c in trusted if c in found]
