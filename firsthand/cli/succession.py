"""Trusted contacts and devices, from the command line (docs/recovery.md).

    firsthand contacts --key me.key --contact A.pub --contact B.pub --threshold 2 FILE
    firsthand social-recovery --key NEW.key --subject LOST.pub --contact A.pub ... [--from N] FILE
    firsthand device add --key me.key --device PHONE.key|PHONE.pub FILE
    firsthand device revoke --key me.key|PHONE.key --device PHONE.pub [--from N] FILE
    firsthand cosign --key KEY.key STATEMENTFILE

Each prints a statement file for `firsthand publish`. A social recovery and a device
statement need more than one signature: the first signer prints the file with their line
alone, and each contact (or the device) adds theirs with `firsthand cosign` on their own
machine; no key file changes hands (statements/cosigning.py). stderr says whose lines are
still missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from firsthand.log.note import Verifier
from firsthand.statements import cosigning
from firsthand.statements.errors import MalformedStatement
from firsthand.statements.format import MAX_CONTACTS, sign_statement
from firsthand.statements.keys import read_key_file


def _statements() -> Any:
    from firsthand.cli import statements  # the shared key and text readers

    return statements


def _body(path: str) -> str:
    return str(_statements()._read_text(Path(path)))


def _key(text: str) -> Verifier:
    return _statements().verifier_arg(text)  # type: ignore[no-any-return]


def _write(data: bytes) -> int:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    missing = cosigning.missing(data)
    who = _statements().who
    if missing:
        names = "; ".join(who(k) for k in missing)
        print(
            f"still needs the signature lines of: {names}. Each adds theirs with "
            "`firsthand cosign --key THEIR.key STATEMENTFILE`; then `firsthand publish`",
            file=sys.stderr,
        )
    else:
        print("signed by every key it needs: ready for `firsthand publish`", file=sys.stderr)
    return 0


def _contacts(args: argparse.Namespace) -> list[Verifier]:
    if not args.contact:
        raise MalformedStatement("name the contacts with --contact KEY (a verifier key or file)")
    if len(args.contact) > MAX_CONTACTS:
        raise MalformedStatement(f"at most {MAX_CONTACTS} contacts")
    return [_key(c) for c in args.contact]


def cmd_contacts(args: argparse.Namespace) -> int:
    contacts = _contacts(args)
    if not 1 <= args.threshold <= len(contacts):
        raise MalformedStatement(
            f"--threshold is how many contacts must sign: 1 to {len(contacts)}"
        )
    statement = sign_statement(
        read_key_file(args.key),
        _body(args.textfile),
        kind="contacts",
        lang=args.lang,
        contacts=contacts,
        threshold=args.threshold,
    )
    return _write(statement.file_bytes())


def cmd_social_recovery(args: argparse.Namespace) -> int:
    data = cosigning.start(
        read_key_file(args.key),
        _body(args.textfile),
        kind="social-recovery",
        subject=_key(args.subject),
        contacts=_contacts(args),
        revoked_from=args.revoked_from,
        lang=args.lang,
    )
    return _write(data)


def cmd_device_add(args: argparse.Namespace) -> int:
    # A key file co-signs now; a verifier key (the device is elsewhere) co-signs later.
    given = Path(args.device)
    text = given.read_text(encoding="utf-8", errors="replace") if given.is_file() else ""
    is_key_file = bool(text) and not _statements()._only_a_verifier_key(text)
    device_signer = read_key_file(given) if is_key_file else None
    subject = device_signer.verifier() if device_signer is not None else _key(args.device)
    data = cosigning.start(
        read_key_file(args.key),
        _body(args.textfile),
        kind="device",
        subject=subject,
        lang=args.lang,
    )
    if device_signer is not None:
        data = cosigning.cosign(data, device_signer)
    return _write(data)


def cmd_device_revoke(args: argparse.Namespace) -> int:
    signer = read_key_file(args.key)
    device = _key(args.device)
    if signer.public_key == device.public_key and args.revoked_from is not None:
        raise MalformedStatement(
            "a device revoking itself does so from now on; the identity key may say --from"
        )
    statement = sign_statement(
        signer,
        _body(args.textfile),
        kind="device-revocation",
        lang=args.lang,
        subject=device,
        revoked_from=args.revoked_from,
    )
    return _write(statement.file_bytes())


def cmd_cosign(args: argparse.Namespace) -> int:
    return _write(cosigning.cosign(Path(args.statement).read_bytes(), read_key_file(args.key)))


def add_commands(commands: Any) -> None:
    """Register contacts, social-recovery, device and cosign on the main parser."""
    p = commands.add_parser(
        "contacts", help="name trusted contacts and how many of them can recover your key"
    )
    p.add_argument("--key", required=True, help="your key file")
    p.add_argument("--contact", action="append", metavar="KEY", help="a contact's verifier key "
                   "or its file; repeat for each (at most 16)")  # fmt: skip
    p.add_argument("--threshold", type=int, required=True, help="how many must sign")
    p.add_argument("--lang", default="en")
    p.add_argument("textfile")
    p.set_defaults(func=cmd_contacts)

    p = commands.add_parser(
        "social-recovery",
        help="move a lost key's identity to a new key, co-signed by trusted contacts",
        epilog="Signed by the NEW key (--key), then by each --contact with `firsthand cosign`. "
        "Set --from to before the first statement you did not sign. docs/recovery.md",
    )
    p.add_argument("--key", required=True, help="the new key's file (a fresh key)")
    p.add_argument("--subject", required=True, help="the lost key (verifier key or file)")
    p.add_argument("--contact", action="append", metavar="KEY", help="a contact who will co-sign")
    p.add_argument("--from", dest="revoked_from", type=int, metavar="INDEX")
    p.add_argument("--lang", default="en")
    p.add_argument("textfile")
    p.set_defaults(func=cmd_social_recovery)

    device = commands.add_parser("device", help="add or revoke a device key")
    sub = device.add_subparsers(dest="device_command", required=True)
    p = sub.add_parser("add", help="certify a device key (which co-signs)")
    p.add_argument("--key", required=True, help="your identity key file")
    p.add_argument("--device", required=True, help="the device's key file (it co-signs now), "
                   "or its verifier key (it co-signs later with `firsthand cosign`)")  # fmt: skip
    p.add_argument("--lang", default="en")
    p.add_argument("textfile")
    p.set_defaults(func=cmd_device_add)
    p = sub.add_parser("revoke", help="revoke a device key")
    p.add_argument("--key", required=True, help="your identity key file, or the device's own")
    p.add_argument("--device", required=True, help="the device's verifier key or file")
    p.add_argument("--from", dest="revoked_from", type=int, metavar="INDEX")
    p.add_argument("--lang", default="en")
    p.add_argument("textfile")
    p.set_defaults(func=cmd_device_revoke)

    p = commands.add_parser(
        "cosign", help="add your signature line to a social recovery or device statement"
    )
    p.add_argument("--key", required=True, help="your key file")
    p.add_argument("statement", metavar="STATEMENTFILE")
    p.set_defaults(func=cmd_cosign)
