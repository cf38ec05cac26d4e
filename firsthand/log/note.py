"""C2SP signed-note v1.0.0 with Ed25519 keys (signature type 0x01).

A note is UTF-8 text ending in a newline, a blank line, then one signature
line per signer: ``— <name> <base64(key ID || signature)>`` (U+2014). The key
ID is the first four bytes of SHA-256(name || "\\n" || type || public key).

Verifier keys are ``<name>+<hex key ID>+<base64(type || public key)>`` and
private keys ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>``, the
forms Go's golang.org/x/mod/sumdb/note reads and writes.

Opening a note follows the spec: the *last* blank line separates text from
signatures (the text may hold blank lines); signatures by unknown keys are
ignored; a known key whose signature fails rejects the whole note; at least
one known key must verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from firsthand.log.errors import InvalidSignature, MalformedNote, UnverifiedNote

ED25519 = 0x01
EM_DASH = "\u2014"
MAX_SIGNATURES = 100  # Go's limit; the spec asks verifiers to accept at least 16.
KEY_ID_SIZE = 4


def key_id(name: str, key_type_and_public: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name || "\\n" || type || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + key_type_and_public).digest()[:KEY_ID_SIZE]


def check_key_name(name: str) -> None:
    """Key names are non-empty and hold no Unicode spaces and no '+'."""
    if not name:
        raise MalformedNote("a key name cannot be empty")
    for ch in name:
        if ch == "+":
            raise MalformedNote(f"the key name {name!r} contains '+', which separates key fields")
        # As Go's note.isValidName: Unicode spaces are out. Control characters are out too;
        # format characters such as the ZWNJ of Persian names stay allowed.
        if ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Cc"):
            raise MalformedNote(f"the key name {name!r} contains a space or control character")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedNote(f"{what} is not valid base64") from None


def _split_key(text: str, fields: int, what: str) -> list[str]:
    # Names hold no '+', but base64 can: split only as often as there are separators.
    parts = text.split("+", fields - 1)
    if len(parts) != fields:
        raise MalformedNote(f"{what} must have {fields} '+'-separated fields, not {len(parts)}")
    return parts


def _parse_key_id(hex_text: str, what: str) -> bytes:
    if len(hex_text) != 8 or any(c not in "0123456789abcdef" for c in hex_text):
        raise MalformedNote(f"the key ID of {what} must be 8 lowercase hex digits")
    return bytes.fromhex(hex_text)


class Verifier:
    """An Ed25519 verifier key, ``name+hhhhhhhh+base64(0x01 || public key)``."""

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        if len(public_key) != 32:
            raise MalformedNote("an Ed25519 public key is 32 bytes long")
        self.name = name
        self.public_key = public_key
        self.key_id = key_id(name, bytes([ED25519]) + public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def from_text(cls, vkey: str) -> Verifier:
        name, hex_id, encoded = _split_key(vkey.strip(), 3, "a verifier key")
        claimed = _parse_key_id(hex_id, "the verifier key")
        raw = _b64decode(encoded, "the verifier key")
        if not raw or raw[0] != ED25519:
            raise MalformedNote("the verifier key is not an Ed25519 key (type 0x01)")
        verifier = cls(name, raw[1:])
        if verifier.key_id != claimed:
            raise MalformedNote(f"the verifier key for {name!r} has the wrong key ID {hex_id}")
        return verifier

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except _CryptoInvalidSignature:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verifier) and other.text() == self.text()

    def __hash__(self) -> int:
        return hash(self.text())

    def __repr__(self) -> str:
        return f"Verifier({self.text()!r})"


class Signer:
    """An Ed25519 signing key with its name. Its private form is a secret: never log it."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        check_key_name(name)
        self.name = name
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, bytes([ED25519]) + self.public_key)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        if len(seed) != 32:
            raise MalformedNote("an Ed25519 private key seed is 32 bytes long")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_private_key(cls, text: str) -> Signer:
        private, key, name, hex_id, encoded = _split_key(text.strip(), 5, "a private key")
        if (private, key) != ("PRIVATE", "KEY"):
            raise MalformedNote("a private key starts with PRIVATE+KEY+")
        claimed = _parse_key_id(hex_id, "the private key")
        raw = _b64decode(encoded, "the private key")
        if not raw or raw[0] != ED25519:
            raise MalformedNote("the private key is not an Ed25519 key (type 0x01)")
        signer = cls.from_seed(name, raw[1:])
        if signer.key_id != claimed:
            raise MalformedNote(f"the private key for {name!r} has the wrong key ID {hex_id}")
        return signer

    def seed(self) -> bytes:
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def private_key_text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed()).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{encoded}"

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Signer({self.name!r}, key ID {self.key_id.hex()})"


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode()
        return f"{EM_DASH} {self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]
    verified_by: tuple[Verifier, ...] = field(default=())

    def encode(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")


def check_text(text: str) -> None:
    """A note's text: non-empty, ends in a newline, no control characters but newlines."""
    if not text:
        raise MalformedNote("the note's text is empty")
    if not text.endswith("\n"):
        raise MalformedNote("the note's text must end with a newline")
    for ch in text:
        if ch != "\n" and unicodedata.category(ch) == "Cc":
            raise MalformedNote(f"the note holds the control character U+{ord(ch):04X}")


def sign_note(text: str, *signers: Signer) -> bytes:
    """Sign ``text`` with each signer; returns the whole note."""
    check_text(text)
    if not signers:
        raise MalformedNote("a note needs at least one signature")
    message = text.encode("utf-8")
    signatures = tuple(NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers)
    return Note(text, signatures).encode()


def _parse_signature_line(line: str) -> NoteSignature:
    prefix = EM_DASH + " "
    if not line.startswith(prefix):
        raise MalformedNote("a signature line must start with an em dash and a space")
    parts = line[len(prefix) :].split(" ")
    if len(parts) != 2:
        raise MalformedNote("a signature line is '— <name> <base64 signature>'")
    name, encoded = parts
    check_key_name(name)
    raw = _b64decode(encoded, f"the signature by {name}")
    if len(raw) < KEY_ID_SIZE + 1:
        raise MalformedNote(f"the signature by {name} is too short to hold a key ID")
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def parse_note(data: bytes) -> Note:
    """Split a note into its text and signatures without checking them."""
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNote("the note is not valid UTF-8") from None
    split = decoded.rfind("\n\n")
    if split < 0:
        raise MalformedNote("the note has no blank line before its signatures")
    text, block = decoded[: split + 1], decoded[split + 2 :]
    check_text(text)
    if not block.endswith("\n"):
        raise MalformedNote("the note's last signature line must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"the note has {len(lines)} signatures; at most {MAX_SIGNATURES}")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def open_note(data: bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse a note and check it against trusted keys; see the module docstring for the rules."""
    note = parse_note(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    message = note.text.encode("utf-8")
    verified: list[Verifier] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue  # someone else's signature (a witness, another log): not ours to judge
        if not verifier.verify(message, sig.signature):
            raise InvalidSignature(
                f"the signature by {verifier.name}+{verifier.key_id.hex()} does not verify; "
                "the note was altered or the key is wrong"
            )
        if verifier not in verified:
            verified.append(verifier)
    if not verified:
        names = ", ".join(sorted({name for name, _ in known})) or "no keys"
        raise UnverifiedNote(f"the note carries no signature by a trusted key ({names})")
    return Note(note.text, note.signatures, tuple(verified))
