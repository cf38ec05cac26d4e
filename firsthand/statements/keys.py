"""Author key files for the CLI: one private key per file, readable by its owner only.

The file holds Go's private key form (``PRIVATE+KEY+name+id+base64``) after
comment lines that say what it is, so a person who finds it knows to keep it
secret. Like ssh, we refuse a key file that others can read.
"""

from __future__ import annotations

import getpass
import os
import stat
import sys
from pathlib import Path

from firsthand.log.errors import LogError
from firsthand.log.note import Signer
from firsthand.statements.errors import KeyFileError
from firsthand.statements.sealed_keys import (
    is_sealed_key_text,
    open_sealed_key_text,
    seal_key_file_text,
)


def key_file_text(signer: Signer) -> str:
    return (
        f"# firsthand author key for {signer.name}.\n"
        "# Keep it secret: whoever holds this file can sign statements as you.\n"
        f"# Your public verifier key: {signer.verifier().text()}\n"
        f"{signer.private_key_text()}\n"
    )


def write_key_file(
    path: str | os.PathLike[str], signer: Signer, *, passphrase: str | None = None
) -> None:
    """Write a new key file with mode 0600, sealed when a passphrase is given; never overwrite."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{target} already exists; choose another file name") from None
    except OSError as error:
        raise KeyFileError(f"cannot create {target}: {error.strerror}") from None
    text = key_file_text(signer) if passphrase is None else seal_key_file_text(signer, passphrase)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def passphrase_for(source: Path, passphrase: str | None) -> str:
    """The passphrase of a sealed key file: given, from $FIRSTHAND_PASSPHRASE, or asked for."""
    if passphrase is not None:
        return passphrase
    from_environment = os.environ.get("FIRSTHAND_PASSPHRASE")
    if from_environment is not None:
        return from_environment
    if not sys.stdin.isatty():
        raise KeyFileError(
            f"{source} is sealed with a passphrase; type it at a terminal, "
            "or set FIRSTHAND_PASSPHRASE"
        )
    return getpass.getpass(f"passphrase for {source.name}: ")


def read_key_file(path: str | os.PathLike[str], passphrase: str | None = None) -> Signer:
    """The signer in a key file, plain or sealed; KeyFileError says what to fix."""
    source = Path(path)
    try:
        mode = source.stat().st_mode
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {source}; make one with `firsthand keygen`") from None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"cannot read the key file {source}: {error}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{source} can be read by other users; run `chmod 600 {source}` and try again"
        )
    if is_sealed_key_text(text):
        # Made by the website's "My key" page (or keygen --seal): the same key, sealed.
        return open_sealed_key_text(text, passphrase_for(source, passphrase))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if len(lines) != 1:
        raise KeyFileError(f"{source} is not a firsthand key file (one PRIVATE+KEY line)")
    try:
        return Signer.from_private_key(lines[0])
    except LogError as error:
        raise KeyFileError(f"{source} holds no usable key: {error}") from None


def _beside(key_path: str | os.PathLike[str], suffix: str) -> Path:
    path = Path(key_path)
    stem = path.with_suffix("") if path.suffix == ".key" else path
    return stem.with_name(stem.name + suffix)


def recovery_key_path(key_path: str | os.PathLike[str]) -> Path:
    """Where keygen writes a key's recovery key: ``me.key`` -> ``me.recovery.key``."""
    return _beside(key_path, ".recovery.key")


def recovery_public_key_path(key_path: str | os.PathLike[str]) -> Path:
    """The recovery key's public half beside the key (``me.recovery.pub``): `firsthand sign`
    names it in the key's statements, so the first one logged commits to it."""
    return _beside(key_path, ".recovery.pub")


OPERATOR_KEY_FILE = "operator.key"


def operator_key_name(origin: str) -> str:
    """Named after the log, so a notice says which log's operator signed it."""
    return f"{origin}/operator"


def load_or_create_operator_key(directory: str | os.PathLike[str], origin: str) -> Signer:
    """The operator's key in the data directory, made on first use.

    It signs withholding notices only. It is not the log key: a leaked
    operator key can withhold texts (loudly, in the log) but cannot sign a
    checkpoint, and the log key never signs anything a person wrote.
    """
    path = Path(directory) / OPERATOR_KEY_FILE
    if not path.exists():
        try:
            write_key_file(path, Signer.generate(operator_key_name(origin)))
        except KeyFileError:
            if not path.exists():  # another process made it first: use theirs
                raise
    return read_key_file(path)
