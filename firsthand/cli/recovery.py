"""Keys that survive loss and seizure, from the command line (docs/recovery.md).

    firsthand keygen --name NAME --out me.key      a key, sealed with a passphrase, and its
                                                   recovery key (me.recovery.key, 24 words)
    firsthand recovery sheet --recovery-key me.recovery.key --key me.key --out sheet.pdf
    firsthand revoke --key me.key|--recovery-key R --subject LOST.pub --from INDEX|now FILE
    firsthand recover --recovery-key R --subject LOST.pub --new-key NEW.key FILE

Each prints a statement file, as `firsthand sign` does, for `firsthand publish`. They are
`firsthand sign --kind revocation|recovery` with the right keys and checks: the recovery
key signs a revocation or recovery, the new key co-signs a recovery.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from firsthand.log.note import Signer
from firsthand.statements.errors import KeyFileError, MalformedStatement
from firsthand.statements.format import sign_statement
from firsthand.statements.identity import check_label, fingerprint, grouped_fingerprint
from firsthand.statements.keys import (
    read_key_file,
    recovery_key_path,
    recovery_public_key_path,
    write_key_file,
)
from firsthand.statements.recovery_words import (
    RECOVERY_KEY_NAME,
    recovery_signer,
    seed_from_words,
    words_from_seed,
)

UNSEALED_WARNING = (
    "the key file is NOT sealed (--no-passphrase): anyone who copies it can sign as you"
)


def _passphrase(args: argparse.Namespace, target: Path) -> str | None:
    """The passphrase to seal new key files with, or None with --no-passphrase."""
    if args.no_passphrase:
        return None
    if args.passphrase_file:
        try:
            text = Path(args.passphrase_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise KeyFileError(f"cannot read --passphrase-file: {error}") from None
        passphrase = text.splitlines()[0] if text else ""
    elif (given := os.environ.get("FIRSTHAND_PASSPHRASE")) is not None:
        passphrase = given
    elif sys.stdin.isatty():
        import getpass

        passphrase = getpass.getpass(f"passphrase to seal {target.name}: ")
        if getpass.getpass("the same passphrase again: ") != passphrase:
            raise KeyFileError("the two passphrases differ; no key was made, try again")
    else:
        raise KeyFileError(
            "keygen seals the key file with a passphrase: type one at a terminal, or give "
            "--passphrase-file FILE or set FIRSTHAND_PASSPHRASE (for scripts); --no-passphrase "
            "writes an unsealed file instead. No key was made"
        )
    if not passphrase:
        raise KeyFileError("the passphrase is empty; choose one, or give --no-passphrase")
    return passphrase


def cmd_keygen(args: argparse.Namespace) -> int:
    try:
        check_label(args.name, "the key name")
    except MalformedStatement as error:
        raise KeyFileError(
            f"{error}. Type the --name again by hand (a copied name can carry such characters); "
            "no key was made"
        ) from None
    out = Path(args.out)
    recovery_out = recovery_key_path(out)
    recovery_pub = recovery_public_key_path(out)
    if not args.no_recovery:
        for path in (recovery_out, recovery_pub):
            if path.exists():
                raise KeyFileError(f"{path} already exists; choose another --out; no key was made")
    passphrase = _passphrase(args, out)
    signer = Signer.generate(args.name)
    write_key_file(out, signer, passphrase=passphrase)
    print(signer.verifier().text())
    say = sys.stderr
    print(f"fingerprint: {grouped_fingerprint(fingerprint(signer.verifier()))}", file=say)
    if passphrase is None:
        print(f"warning: {UNSEALED_WARNING}", file=say)
    if args.no_recovery:
        print(
            "no recovery key (--no-recovery): if this key is lost or seized, you cannot revoke "
            "it from before the seizure nor keep your identity with a new key",
            file=say,
        )
        return 0
    seed = os.urandom(32)
    recovery = recovery_signer(seed)
    write_key_file(recovery_out, recovery, passphrase=passphrase)
    # The public half alone, one line, as --recovery takes it: sign names it.
    recovery_pub.write_text(recovery.verifier().text() + "\n", encoding="utf-8")
    words = words_from_seed(seed)
    print(
        f"\nA recovery key was made with it: {recovery_out} (sealed like the key), and its "
        f"public half {recovery_pub}, which your first statement names.\n"
        "Your recovery words, shown this once; write them down or print the sheet\n"
        f"(`firsthand recovery sheet --recovery-key {recovery_out} --key {out} --out "
        "sheet.pdf`):\n",
        file=say,
    )
    for row in range(0, len(words), 6):
        print(
            "  "
            + "  ".join(f"{n + 1:>2}. {w:<8}" for n, w in enumerate(words) if row <= n < row + 6),
            file=say,
        )
    print(
        f"\nMove {recovery_out} (or the sheet) off this machine, somewhere a person who takes "
        "this machine will not find it: with it you can revoke a stolen key and keep your "
        "identity. `--no-recovery` makes no recovery key.",
        file=say,
    )
    return 0


def _recovery_key(args: argparse.Namespace) -> Signer:
    """The recovery key, from its key file or from the sheet's words."""
    if args.recovery_key and args.words:
        raise KeyFileError("give --recovery-key FILE or --words, not both")
    if args.words:
        text = sys.stdin.read() if args.words == "-" else Path(args.words).read_text("utf-8")
        return recovery_signer(seed_from_words(text))
    if args.recovery_key:
        return read_key_file(args.recovery_key)
    raise KeyFileError(
        "the recovery key signs this: give --recovery-key FILE (from keygen) or --words FILE "
        "(the 24 words of the sheet, or - to type them)"
    )


def _subject(args: argparse.Namespace) -> Any:
    from firsthand.cli.statements import verifier_arg

    return verifier_arg(args.subject)


def _body(path: str) -> str:
    from firsthand.cli.statements import _read_text

    return _read_text(Path(path))


def _write(statement: Any) -> int:
    from firsthand.cli.statements import _signed_by

    sys.stdout.buffer.write(statement.file_bytes())
    sys.stdout.buffer.flush()
    print(_signed_by(statement), file=sys.stderr)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    start = None if args.revoked_from == "now" else _index(args.revoked_from)
    if args.key:
        if start is not None:
            raise MalformedStatement(
                "a key revoking itself does so from now on (--from now): a thief holding it must "
                "not disown your earlier words; to revoke from an earlier index, sign with "
                "--recovery-key or --words"
            )
        signer = read_key_file(args.key)
        subject = signer.verifier() if not args.subject else _subject(args)
        if subject.public_key != signer.public_key:
            raise MalformedStatement(
                "--key revokes itself only; another key is revoked by its recovery key"
            )
    else:
        signer = _recovery_key(args)
        if not args.subject:
            raise MalformedStatement("--subject: the lost or stolen key (its verifier key or file)")
        subject = _subject(args)
    statement = sign_statement(
        signer,
        _body(args.textfile),
        kind="revocation",
        lang=args.lang,
        subject=subject,
        revoked_from=start,
    )
    return _write(statement)


def _index(text: str) -> int:
    if not text.isdigit() or (len(text) > 1 and text.startswith("0")) or int(text) >= 2**63:
        raise MalformedStatement(
            f"--from takes a log index (a whole number, no leading zeros) or now, not {text!r}"
        )
    return int(text)


def cmd_recover(args: argparse.Namespace) -> int:
    from firsthand.cli.statements import new_key_signer

    recovery = _recovery_key(args)
    new = new_key_signer(args.new_key)
    subject = _subject(args)
    if new.public_key in (subject.public_key, recovery.public_key):
        raise MalformedStatement(
            "--new-key must be a fresh key (make one with `firsthand keygen`), not the lost key "
            "nor the recovery key"
        )
    start = None if args.revoked_from in (None, "now") else _index(args.revoked_from)
    statement = sign_statement(
        recovery,
        _body(args.textfile),
        kind="recovery",
        lang=args.lang,
        subject=subject,
        new_key=new.verifier(),
        revoked_from=start,
        cosigners=[new],
    )
    return _write(statement)


def cmd_sheet(args: argparse.Namespace) -> int:
    from firsthand.cli.recovery_sheet import write_sheet

    recovery = _recovery_key(args)
    if recovery.name != RECOVERY_KEY_NAME:
        print(
            f"note: the recovery key is named {recovery.name!r}; the words rebuild it named "
            f"{RECOVERY_KEY_NAME!r}, which is the same key (names play no part)",
            file=sys.stderr,
        )
    author = read_key_file(args.key).verifier() if args.key else None
    write_sheet(Path(args.out), recovery.seed(), author)
    print(
        f"{args.out}: the recovery sheet; print it, keep it away from your phone and computer",
        file=sys.stderr,
    )
    return 0


def _recovery_source(p: argparse.ArgumentParser) -> None:
    p.add_argument("--recovery-key", metavar="FILE", help="the recovery key file (from keygen)")
    p.add_argument("--words", metavar="FILE", help="a file holding the sheet's 24 words, or -")


def add_commands(commands: Any) -> None:
    """Register keygen, recovery, revoke and recover on the main parser's subparsers."""
    p = commands.add_parser(
        "keygen",
        help="make an author key file (sealed) and its recovery key",
        epilog="By default the key file is sealed with a passphrase and a recovery key is made "
        "beside it (OUT's stem + .recovery.key, sealed alike, and .recovery.pub, which `firsthand "
        "sign` names in the key's first statement); its 24 words are printed once. Opt out with "
        "--no-passphrase and --no-recovery. docs/recovery.md",
    )
    p.add_argument("--name", required=True, help="your key's name (no spaces or '+')")
    p.add_argument("--out", required=True, help="the key file to create (never overwritten)")
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the passphrase from FILE (its first line), for scripts",
    )
    p.add_argument(
        "--no-passphrase",
        action="store_true",
        help="write the key file unsealed: anyone who copies it can sign as you",
    )
    p.add_argument("--no-recovery", action="store_true", help="make no recovery key")
    p.add_argument("--seal", action="store_true", help=argparse.SUPPRESS)  # the default now
    p.set_defaults(func=cmd_keygen)

    p = commands.add_parser("recovery", help="the recovery sheet of your recovery key")
    sub = p.add_subparsers(dest="recovery_command", required=True, metavar="COMMAND")
    s = sub.add_parser("sheet", help="write the recovery sheet as a PDF to print (words, QR code)")
    _recovery_source(s)
    s.add_argument("--key", metavar="FILE", help="your key file: its fingerprint goes on the sheet")
    s.add_argument("--out", required=True, help="the PDF to write")
    s.set_defaults(func=cmd_sheet)

    p = commands.add_parser(
        "revoke",
        help="say a key is no longer yours (stolen or lost): prints the statement to publish",
        epilog="With --key, the key revokes itself from now on. With --recovery-key or --words "
        "(the recovery key), it revokes --subject from --from INDEX: the key's statements from "
        "that log index on are shown everywhere as signed by a key you reported stolen.",
    )
    p.add_argument("--key", metavar="FILE", help="the key itself, which revokes itself from now")
    _recovery_source(p)
    p.add_argument(
        "--subject", help="the lost or stolen key: its verifier key, or a file holding it"
    )
    p.add_argument(
        "--from",
        dest="revoked_from",
        default="now",
        metavar="INDEX|now",
        help="the first log index that is not yours (default: now)",
    )
    p.add_argument("--lang", default="en", help="the explanation's language, e.g. en or fa")
    p.add_argument("textfile", metavar="TEXTFILE", help="your explanation, for readers")
    p.set_defaults(func=cmd_revoke)

    p = commands.add_parser(
        "recover",
        help="continue your identity with a new key, signed by the recovery key and the new key",
    )
    _recovery_source(p)
    p.add_argument("--subject", required=True, help="the lost or stolen key (verifier key or file)")
    p.add_argument(
        "--new-key",
        required=True,
        metavar="NEW.key",
        help="the new key's file (from firsthand keygen); it co-signs",
    )
    p.add_argument(
        "--from",
        dest="revoked_from",
        metavar="INDEX|now",
        help="the lost key's statements from this index on are not yours (default: now)",
    )
    p.add_argument("--lang", default="en", help="the explanation's language, e.g. en or fa")
    p.add_argument("textfile", metavar="TEXTFILE", help="your explanation, for readers")
    p.set_defaults(func=cmd_recover)
