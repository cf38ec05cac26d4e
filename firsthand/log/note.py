"""C2SP signed-note v1.0.0 (https://c2sp.org/signed-note@v1.0.0), Ed25519 keys (type 0x01).

A note is UTF-8 text ending in a newline, a blank line, then one line per
signature: ``— <key name> <base64(key ID || signature)>`` (em dash U+2014). The
key ID is SHA-256(name || "\\n" || type || public key)[:4] (spec, "Signatures").

Verifier keys are ``<name>+<hex key ID>+<base64(0x01 || public key)>`` and
private keys ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``: the
forms Go's golang.org/x/mod/sumdb/note reads and writes.

Opening a note follows the spec's rules: no ASCII control character but
newline; the *last* blank line separates text from signatures, so the text may
hold blank lines; signatures by unknown (name, key ID) pairs are ignored; a
known key whose signature fails rejects the whole note; at least one known key
must verify. Like Go we refuse more than 100 signature lines (the spec asks
for at least 16).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as _BadEd25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from firsthand.log.errors import AmbiguousKey, InvalidSignature, MalformedNote, UnverifiedNote

ED25519 = 0x01
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "  # em dash, space

# The spec bans ASCII control characters other than newline, and only those (DEL
# and C1 controls pass, as in Go's note.Open). A str may also hold lone surrogates,
# which UTF-8 cannot encode.
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")
# The same control characters as UTF-8 bytes: each is one byte there, and no byte of a
# multi-byte sequence is below 0x80, so a note's bytes hold one exactly when its text does.
_CONTROL_BYTES = bytes(range(0x0A)) + bytes(range(0x0B, 0x20))


def key_id(name: str, key_type_and_public: bytes) -> bytes:
    """SHA-256(name || "\\n" || type || public key)[:4], for any signature type."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + key_type_and_public).digest()[:KEY_ID_SIZE]


_PLAIN_NAME = re.compile(r"[!-*,-~]+")


def check_key_name(name: str) -> None:
    """Key names are non-empty, with no Unicode space and no '+' (spec, "Format")."""
    if not name:
        raise MalformedNote("a key name cannot be empty")
    if _PLAIN_NAME.fullmatch(name):
        return  # printable ASCII without space or '+': the common case, checked in C
    for ch in name:
        if ch == "+":
            raise MalformedNote(f"the key name {name!r} contains '+', which separates key fields")
        # Python's isspace covers Go's unicode.IsSpace; the Z* test guards against drift.
        if ch.isspace() or unicodedata.category(ch).startswith("Z"):
            raise MalformedNote(f"the key name {name!r} contains the space U+{ord(ch):04X}")
        # Not a space, but a name must fit on a signature line, where these are banned.
        if _FORBIDDEN.match(ch):
            raise MalformedNote(f"the key name {name!r} contains the character U+{ord(ch):04X}")


def check_text(text: str) -> None:
    """A note's text: non-empty, ends in a newline, no control character but newline."""
    if not text:
        raise MalformedNote("a note's text cannot be empty")
    if not text.endswith("\n"):
        raise MalformedNote("a note's text must end with a newline")
    _check_characters(text, "the note's text")


def _check_characters(text: str, what: str) -> None:
    bad = _FORBIDDEN.search(text)
    if bad:
        raise MalformedNote(
            f"{what} holds U+{ord(bad.group()):04X} at character {bad.start()}; "
            "a signed note allows no control character but newline"
        )


def _b64decode(text: str, what: str) -> bytes:
    raw = _b64decode_or_none(text)
    if raw is None:
        raise MalformedNote(f"{what} is not valid base64")
    return raw


def _b64decode_or_none(text: str) -> bytes | None:
    # Standard alphabet with padding (RFC 4648 section 4), nothing else accepted. Python
    # takes stray padding after a whole block ("TWFu="), which Go refuses: so must we.
    if len(text) % 4:
        return None
    try:
        # What base64.b64decode(validate=True) calls, without its wrapper's cost.
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


def _parse_key_text(name: str, hex_id: str, encoded: str, what: str) -> tuple[bytes, bytes]:
    """The claimed key ID and the 32 key bytes of a verifier or private key's text."""
    check_key_name(name)
    what = f"{what} {name}"
    # The spec's hex is fixed-length lowercase.
    if len(hex_id) != 2 * KEY_ID_SIZE or any(c not in "0123456789abcdef" for c in hex_id):
        raise MalformedNote(f"the key ID of {what} must be 8 lowercase hex digits")
    raw = _b64decode(encoded, what)
    if not raw:
        raise MalformedNote(f"{what} holds no key")
    if raw[0] != ED25519:
        raise MalformedNote(f"{what} has signature type 0x{raw[0]:02x}, not Ed25519 (0x01)")
    if len(raw) != 1 + ED25519_KEY_SIZE:
        raise MalformedNote(f"{what} holds {len(raw) - 1} bytes; an Ed25519 key has 32")
    return bytes.fromhex(hex_id), raw[1:]


def _check_claimed_id(key: _NamedKey, claimed: bytes, what: str) -> None:
    if key.key_id != claimed:
        raise MalformedNote(
            f"{what} {key.name} claims key ID {claimed.hex()}, "
            f"but its public key has {key.key_id.hex()}"
        )


class _NamedKey:
    """What a signer and its verifier share: a name, a public key, and their key ID."""

    __slots__ = ("_key_id", "_name", "_public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        check_key_name(name)
        self._name = name
        self._public_key = bytes(public_key)
        self._key_id = key_id(name, bytes([ED25519]) + self._public_key)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key


class Verifier(_NamedKey):
    """A trusted Ed25519 key: ``name+hhhhhhhh+base64(0x01 || public key)``."""

    __slots__ = ("_key", "_text")

    def __init__(self, name: str, public_key: bytes) -> None:
        if len(public_key) != ED25519_KEY_SIZE:
            raise MalformedNote(f"an Ed25519 public key has 32 bytes, not {len(public_key)}")
        super().__init__(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self._public_key)
        self._text: str | None = None

    @classmethod
    def from_text(cls, vkey: str) -> Verifier:
        """Parse ``name+hhhhhhhh+base64``; the same text gives the same (immutable) verifier."""
        if cls is Verifier:
            return _cached_verifier(vkey)
        return cls._parse(vkey)

    @classmethod
    def _parse(cls, vkey: str) -> Verifier:
        # A name holds no '+' but base64 can: split at the first two only.
        fields = vkey.split("+", 2)
        if len(fields) != 3:
            raise MalformedNote("a verifier key has the form <name>+<key ID>+<base64 key>")
        claimed, public = _parse_key_text(fields[0], fields[1], fields[2], "the verifier key")
        verifier = cls(fields[0], public)
        _check_claimed_id(verifier, claimed, "the verifier key")
        return verifier

    def text(self) -> str:
        # Kept once made: a statement's head is rendered again on every read.
        if self._text is None:
            encoded = base64.b64encode(bytes([ED25519]) + self._public_key).decode("ascii")
            self._text = f"{self._name}+{self._key_id.hex()}+{encoded}"
        return self._text

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self._key.verify(signature, message)
        except _BadEd25519:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verifier):
            return NotImplemented
        return (self._name, self._public_key) == (other._name, other._public_key)

    def __hash__(self) -> int:
        return hash((self._name, self._public_key))

    def __repr__(self) -> str:
        return f"Verifier({self.text()!r})"

    def __reduce__(self) -> tuple[Callable[[str], Verifier], tuple[str]]:
        # Pickled as its text (the OpenSSL key object cannot be), so a verified statement
        # can come back from a worker process (statements/accept.py).
        return (type(self).from_text, (self.text(),))


@functools.lru_cache(maxsize=4096)
def _cached_verifier(vkey: str) -> Verifier:
    # Authors sign many statements: parsing a key (base64, key ID hash, the curve point)
    # once per author instead of once per statement is a fifth of a statement's parse cost.
    # Errors are not cached, so a bad key text costs its parse every time, as it should.
    return Verifier._parse(vkey)


class Signer(_NamedKey):
    """An Ed25519 signing key with its name. Its private text is a secret: never log it."""

    __slots__ = ("_private", "_verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        super().__init__(name, public)
        self._private = private_key
        self._verifier: Verifier | None = None

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        if len(seed) != ED25519_KEY_SIZE:
            raise MalformedNote(f"an Ed25519 private key seed has 32 bytes, not {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_private_key(cls, text: str) -> Signer:
        # Error messages never quote the text: it holds the secret seed.
        fields = text.split("+", 4)
        if len(fields) != 5 or fields[:2] != ["PRIVATE", "KEY"]:
            raise MalformedNote("a private key has the form PRIVATE+KEY+<name>+<key ID>+<base64>")
        claimed, seed = _parse_key_text(fields[2], fields[3], fields[4], "the private key")
        signer = cls.from_seed(fields[2], seed)
        _check_claimed_id(signer, claimed, "the private key")
        return signer

    def seed(self) -> bytes:
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def private_key_text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed()).decode("ascii")
        return f"PRIVATE+KEY+{self._name}+{self._key_id.hex()}+{encoded}"

    def verifier(self) -> Verifier:
        # Made once: every statement page shows the log's and the operator's keys, and
        # building a Verifier loads its public key into OpenSSL again.
        if self._verifier is None:
            self._verifier = Verifier(self._name, self._public_key)
        return self._verifier

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def __repr__(self) -> str:
        return f"Signer({self._name!r}, key ID {self._key_id.hex()})"


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: which key (name and key ID) and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    """A note's text, every signature line it carries, and which trusted keys verified it."""

    text: str
    signatures: tuple[NoteSignature, ...]
    verified_by: tuple[Verifier, ...] = ()

    def encode(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")


def sign_note(text: str, *signers: Signer) -> bytes:
    """The signed note: ``text``, a blank line, and one signature line per signer."""
    check_text(text)
    if not signers:
        raise MalformedNote("a note needs at least one signer")
    if len(signers) > MAX_SIGNATURES:
        # We would write a note that we (and Go) refuse to open.
        raise MalformedNote(f"a note carries at most {MAX_SIGNATURES} signatures")
    message = text.encode("utf-8")
    signatures = tuple(NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers)
    return Note(text, signatures).encode()


def _parse_signature_line(number: int, line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNote(f"signature line {number} does not start with an em dash and a space")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise MalformedNote(f"signature line {number} has no space before its signature")
    check_key_name(name)
    raw = _b64decode_or_none(encoded)  # the message is made only when needed
    if raw is None:
        raise MalformedNote(f"the signature by {name} is not valid base64")
    if len(raw) <= KEY_ID_SIZE:
        raise MalformedNote(f"the signature by {name} is too short for a key ID and signature")
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def parse_note(data: bytes) -> Note:
    """Split a note into its text and signature lines, checking the grammar but no signature."""
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedNote(f"the note is not valid UTF-8 (byte {e.start})") from None
    # Strict UTF-8 decoding never yields a lone surrogate, so only control characters
    # can be wrong here; deleting them from the bytes is a cheap test for any (the
    # regex, which also names the character, runs only when one is there).
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        _check_characters(decoded, "the note")
    # The last blank line is the separator, so the text may hold blank lines of its own.
    split = decoded.rfind("\n\n")
    if split < 0:
        raise MalformedNote("the note has no blank line before its signatures")
    text, block = decoded[: split + 1], decoded[split + 2 :]
    if not block:
        raise MalformedNote("the note has no signature line after its last blank line")
    if not block.endswith("\n"):
        raise MalformedNote("the note's last signature line does not end with a newline")
    count = block.count("\n")
    if count > MAX_SIGNATURES:
        raise MalformedNote(f"the note has {count} signature lines; we accept at most 100")
    lines = block[:-1].split("\n")
    return Note(text, tuple([_parse_signature_line(i, line) for i, line in enumerate(lines, 1)]))


def _label(name: str, kid: bytes) -> str:
    return f"{name}+{kid.hex()}"


def open_note(data: bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse a note and verify it against trusted keys; see the module docstring for the rules."""
    return verify_note(parse_note(data), verifiers)


def verify_note(note: Note, verifiers: Iterable[Verifier]) -> Note:
    """Verify an already parsed note against trusted keys (open_note without the parsing)."""
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        other = known.setdefault((v.name, v.key_id), v)
        if other is not v and other != v:
            # Two trusted keys that a signature line cannot tell apart (spec, "Signatures").
            raise AmbiguousKey(
                f"two trusted keys share the name and key ID {_label(v.name, v.key_id)}"
            )
    message = note.text.encode("utf-8")
    verified: list[Verifier] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue  # someone else's key (a witness, a rotated key): not ours to judge
        if not verifier.verify(message, sig.signature):
            raise InvalidSignature(
                f"signature by {_label(sig.name, sig.key_id)} does not verify; "
                "the note was altered or the key is wrong"
            )
        if verifier not in verified:
            verified.append(verifier)
    if not verified:
        trusted = ", ".join(sorted(_label(*k) for k in known)) or "none"
        raise UnverifiedNote(f"no signature on the note is by a trusted key (trusted: {trusted})")
    return Note(note.text, note.signatures, tuple(verified))
