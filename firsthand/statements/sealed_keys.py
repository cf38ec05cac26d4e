"""Key files sealed with a passphrase, readable by the CLI and by the website's keys.js.

A sealed key file keeps the plain key file's comment lines, then one line::

    FIRSTHAND-SEALED-KEY-V1+<iterations>+<base64(salt(16) || nonce(12) || ciphertext+tag)>

    key       = PBKDF2-HMAC-SHA256(UTF-8(NFC(passphrase)), salt, iterations, 32 bytes)
    sealed    = AES-256-GCM(key, nonce, plaintext = the PRIVATE+KEY text (ASCII, no newline),
                            associated data = "FIRSTHAND-SEALED-KEY-V1+<iterations>")

The browser has PBKDF2 and AES-GCM in WebCrypto but no memory-hard KDF, so both sides
use PBKDF2 at 600,000 iterations (OWASP's 2023 figure for HMAC-SHA256). A reader accepts
600,000 to 10,000,000: fewer makes a weak file, more would hang a page for minutes. Only
the ``insecure_test_iterations`` parameter, meant for tests, lowers either bound.
The passphrase is NFC-normalised, so the same words typed on another keyboard open it.
The count is bound into the AES-GCM associated data, so it cannot be changed unnoticed.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from firsthand.log.errors import LogError
from firsthand.log.note import Signer
from firsthand.statements.errors import KeyFileError

SEALED_PREFIX = "FIRSTHAND-SEALED-KEY-V1+"
ITERATIONS = 600_000
MAX_ITERATIONS = 10_000_000
SALT_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16
_COUNT = re.compile(r"[1-9][0-9]{0,8}")


def _key_lines(text: str) -> list[str]:
    # The same reading as keys.read_key_file: comments and blank lines are skipped.
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def is_sealed_key_text(text: str) -> bool:
    """True when a key file's text is sealed, so the reader must ask for its passphrase."""
    lines = _key_lines(text)
    return len(lines) == 1 and lines[0].startswith(SEALED_PREFIX)


def _derive(passphrase: str, salt: bytes, iterations: int) -> AESGCM:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    kdf = PBKDF2HMAC(algorithm=SHA256(), length=32, salt=salt, iterations=iterations)
    return AESGCM(kdf.derive(secret))


def _checked_iterations(value: int, floor: int, what: str) -> int:
    if not floor <= value <= MAX_ITERATIONS:
        raise KeyFileError(f"{what} must be {floor:,} to {MAX_ITERATIONS:,}")
    return value


def seal_key_file_text(
    signer: Signer, passphrase: str, *, insecure_test_iterations: int | None = None
) -> str:
    """The sealed key file for ``signer``; ``insecure_test_iterations`` is for tests only."""
    if not passphrase:
        raise KeyFileError("choose a passphrase to seal the key file with")
    iterations = (
        ITERATIONS
        if insecure_test_iterations is None
        else _checked_iterations(insecure_test_iterations, 1, "the test iteration count")
    )
    salt, nonce = os.urandom(SALT_SIZE), os.urandom(NONCE_SIZE)
    header = f"{SEALED_PREFIX}{iterations}"
    sealed = _derive(passphrase, salt, iterations).encrypt(
        nonce, signer.private_key_text().encode("ascii"), header.encode("ascii")
    )
    encoded = base64.b64encode(salt + nonce + sealed).decode("ascii")
    return (
        f"# firsthand author key for {signer.name}, sealed with a passphrase.\n"
        "# Keep it safe: whoever holds this file and its passphrase can sign statements as you.\n"
        f"# Your public verifier key: {signer.verifier().text()}\n"
        f"{header}+{encoded}\n"
    )


def open_sealed_key_text(
    text: str, passphrase: str, *, insecure_test_iterations: int | None = None
) -> Signer:
    """The signer in a sealed key file (its whole text, or only its sealed line).

    KeyFileError says what is wrong; a wrong passphrase and a damaged file cannot be
    told apart (that is what authenticated encryption promises), so one message covers both.
    """
    lines = _key_lines(text)
    if len(lines) != 1 or not lines[0].startswith(SEALED_PREFIX):
        raise KeyFileError(
            "this is not a sealed firsthand key file (one FIRSTHAND-SEALED-KEY-V1 line)"
        )
    count, plus, encoded = lines[0][len(SEALED_PREFIX) :].partition("+")
    if not plus or not _COUNT.fullmatch(count):
        raise KeyFileError("the sealed key file is damaged: its iteration count is unreadable")
    floor = ITERATIONS if insecure_test_iterations is None else insecure_test_iterations
    iterations = _checked_iterations(int(count), floor, "the sealed key file's iteration count")
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise KeyFileError("the sealed key file is damaged: it is not valid base64") from None
    if len(raw) < SALT_SIZE + NONCE_SIZE + TAG_SIZE:
        raise KeyFileError("the sealed key file is damaged: it is too short")
    if not passphrase:
        raise KeyFileError("enter the key file's passphrase")
    salt, nonce = raw[:SALT_SIZE], raw[SALT_SIZE : SALT_SIZE + NONCE_SIZE]
    try:
        plain = _derive(passphrase, salt, iterations).decrypt(
            nonce, raw[SALT_SIZE + NONCE_SIZE :], f"{SEALED_PREFIX}{count}".encode("ascii")
        )
    except InvalidTag:
        raise KeyFileError("wrong passphrase or damaged key file") from None
    try:
        return Signer.from_private_key(plain.decode("ascii"))
    except (UnicodeDecodeError, LogError):
        raise KeyFileError("the sealed key file opened but holds no usable key") from None
