"""The statement subcommands of `firsthand`: keygen, sign, publish, bundle, verify, import.

Only publish, bundle and import talk to a server (plain HTTP(S) with the
standard library); verify needs no network at all.

Wherever an author is printed, their fingerprint (SHA-256 of the public key,
statements/identity.py) stands beside the name: the name is theirs to choose and
the 8-hex key ID can be matched by anyone in minutes, so neither says who signed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tqdm import tqdm

from firsthand.cli.patience import DEFAULT_SECONDS, ServerBusy, patiently, retry_after
from firsthand.cli.resume import LEDGER_NAME, ImportLedger
from firsthand.log.cosignature import CosignatureVerifier
from firsthand.log.errors import LogError
from firsthand.log.note import Signer, Verifier
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.errors import BundleError, KeyFileError, MalformedStatement
from firsthand.statements.format import (
    KINDS,
    Reference,
    Statement,
    read_statement,
    sign_statement,
)
from firsthand.statements.identity import fingerprint, grouped_fingerprint
from firsthand.statements.keys import read_key_file, recovery_public_key_path
from firsthand.statements.offline import STOLEN_KEY, status_of, verdict_lines


class ServerError(Exception):
    """The server refused or could not be reached; the message is the server's reason."""


def _request(url: str, data: bytes | None = None) -> tuple[int, Any]:
    """A JSON request, sent again after the wait the server asks for (cli_patience.py)."""
    try:
        return patiently(lambda: _request_once(url, data))
    except ServerBusy as busy:
        raise ServerError(str(busy)) from None


def _request_once(url: str, data: bytes | None = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if token := os.environ.get("FIRSTHAND_CLIENT_TOKEN"):  # a budget the operator granted
        headers["Authorization"] = f"Bearer {token}"
    if data is not None:
        headers["Content-Type"] = "text/plain; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        try:
            reason = json.loads(error.read().decode("utf-8")).get("error", error.reason)
        except ValueError:
            reason = error.reason
        message = f"the server answered {error.code}: {reason}"
        seconds = retry_after(error.headers.get("Retry-After"))
        if error.code == 429 or (error.code == 503 and seconds is not None):
            raise ServerBusy(message, DEFAULT_SECONDS if seconds is None else seconds) from None
        raise ServerError(message) from None
    except (urllib.error.URLError, TimeoutError) as error:
        raise ServerError(f"cannot reach {url}: {getattr(error, 'reason', error)}") from None


def _key_text(text: str) -> str:
    """A key given inline, or read from the file whose path was given."""
    path = Path(text)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else text


def verifier_arg(text: str) -> Verifier:
    """A verifier key given inline, or the path of a file holding one."""
    return Verifier.from_text(_key_text(text))


def _cosigner_arg(text: str) -> CosignatureVerifier:
    """A witness's cosigner key given inline, or the path of a file holding one."""
    return CosignatureVerifier.from_text(_key_text(text))


def who(key: Verifier) -> str:
    """An author as the CLI prints one: the name they chose, then who they are."""
    return f"{key.name} (fingerprint {grouped_fingerprint(fingerprint(key))})"


def _reference(text: str) -> Reference:
    kind, _, value = text.partition(":")
    if kind not in ("leaf", "text") or len(value) != 64:
        raise argparse.ArgumentTypeError("a reference is leaf:<64 hex> or text:<64 hex>")
    return Reference(kind, value.lower())


def _only_a_verifier_key(text: str) -> bool:
    """Whether ``text`` (a file's or an argument's) holds one verifier key and nothing else."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if len(lines) != 1:
        return False
    try:
        Verifier.from_text(lines[0])
    except LogError:
        return False
    return True


def new_key_signer(text: str) -> Signer:
    """The new key of a key rotation, from its key file (plain or sealed), to co-sign with.

    A rotation must be signed by the new key too (docs/statement-format.md), so its
    verifier key alone is not enough: say so, rather than fail on the file's form.
    """
    path = Path(text)
    try:
        given = path.read_text(encoding="utf-8") if path.is_file() else text
    except (OSError, UnicodeDecodeError):
        given = ""  # not a verifier key; read_key_file says what is wrong with the file
    if _only_a_verifier_key(given):
        what = f"{text} holds" if path.is_file() else "--new-key gives"
        raise KeyFileError(
            f"{what} a verifier key, but a key rotation needs the new key's key file (from "
            "`firsthand keygen`) so that the new key co-signs it: a rotation signed by the old "
            "key alone is not followed, since anyone can name any key as their new one"
        )
    if not path.is_file():
        raise KeyFileError(
            f"no key file at {text}; --new-key takes the new key's key file (from "
            "`firsthand keygen`), which co-signs the rotation"
        )
    return read_key_file(path)


def _signers(args: argparse.Namespace) -> tuple[Signer, list[Signer]]:
    """The author's key, and the keys that co-sign: a rotation's new key."""
    if args.new_key and args.kind not in ("key-rotation", "recovery"):
        raise MalformedStatement("--new-key is for --kind key-rotation or recovery only")
    if args.kind in ("key-rotation", "recovery") and not args.new_key:
        raise MalformedStatement(
            f"a {args.kind} names the new key and is signed by it too: give --new-key NEW.key "
            "(the new key's file from `firsthand keygen`)"
        )
    signer = read_key_file(args.key)
    cosigners = [new_key_signer(args.new_key)] if args.new_key else []
    if any(c.public_key == signer.public_key for c in cosigners):
        raise MalformedStatement(
            "--new-key is the key you sign with; a rotation hands over to another key "
            "(make one with `firsthand keygen`)"
        )
    return signer, cosigners


def _sign(
    args: argparse.Namespace, signer: Signer, body: str, cosigners: list[Signer]
) -> Statement:
    return sign_statement(
        signer,
        body,
        kind=args.kind,
        lang=args.lang,
        refers=args.refers or (),
        subject=verifier_arg(args.subject) if args.subject else None,
        new_key=cosigners[0].verifier() if cosigners else None,
        seen_at=args.seen_at,
        name=args.display_name,
        revoked_from=args.revoked_from,
        recovery=_recovery_line(args),
        cosigners=cosigners,
    )


# Kinds that cannot name a recovery key (docs/statement-format.md, "Kinds").
_NO_RECOVERY_LINE = frozenset(
    {"withholding", "revocation", "recovery", "device", "device-revocation"}
)


def _recovery_line(args: argparse.Namespace) -> Verifier | None:
    """The recovery key to name: --recovery, or the ``.recovery.pub`` keygen wrote beside the
    key. Named in every statement the key signs (the server accepts the same recovery key
    again, never another), so whichever is logged first commits to it (docs/recovery.md)."""
    if args.recovery:
        return verifier_arg(args.recovery)
    beside = recovery_public_key_path(args.key)
    if args.kind in _NO_RECOVERY_LINE or args.no_recovery or not beside.is_file():
        return None
    return verifier_arg(str(beside))


def _signed_by(statement: Statement) -> str:
    line = f"signed by {who(statement.head.author)}"
    if statement.head.new_key is not None:
        line += f", co-signed by the new key {who(statement.head.new_key)}"
    return line


def _read_text(path: Path, *, lf: bool = False) -> str:
    """The file's text, byte for byte: the body signed is the file, so its SHA-256 is the
    file's. A carriage return (Windows or old Mac line endings) cannot be in a body
    (docs/statement-format.md, "Body"): refused, or with ``lf`` (--lf) turned into line
    feeds by the one stated rule, CRLF then lone CR to LF, and said so."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise LogError(f"{path} is not UTF-8 text (byte {error.start} is not)") from None
    if "\r" not in text:
        return text
    if not lf:
        raise LogError(
            f"{path} has Windows or old Mac line endings (carriage returns), which a statement's "
            "body cannot hold; sign it with --lf to turn them into line feeds (the signed body "
            "then differs from the file), or save the file with Unix line endings"
        )
    print(
        f"{path}: carriage returns turned into line feeds (--lf); the signed body differs "
        "from the file",
        file=sys.stderr,
    )
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cmd_sign(args: argparse.Namespace) -> int:
    signer, cosigners = _signers(args)
    statement = _sign(args, signer, _read_text(Path(args.textfile), lf=args.lf), cosigners)
    sys.stdout.buffer.write(statement.file_bytes())
    sys.stdout.buffer.flush()
    print(_signed_by(statement), file=sys.stderr)  # stdout is the statement file alone
    return 0


def server_request(url: str, data: bytes | None = None) -> tuple[int, Any]:
    """A JSON request to a firsthand server; ServerError carries its reason."""
    return _request(url, data)


def _publish_one(server: str, data: bytes, bundle_dir: Path | None) -> tuple[Statement, int]:
    """Publish a statement file; the statement and its log index."""
    statement = read_statement(data)  # refuse locally what the server would refuse
    _, reply = _request(server.rstrip("/") + "/api/v1/statements", data)
    if bundle_dir is not None:
        _write_bundle(server.rstrip("/") + reply["bundle_url"], bundle_dir, int(reply["index"]))
    return statement, int(reply["index"])


# How long, in all, `publish --bundle-dir` waits for witnesses to cosign (one budget per run:
# a witness that never answers costs it once, not once per statement).
COSIGNATURE_WAIT = 10.0
_cosignature_wait = {"left": COSIGNATURE_WAIT}


def _bundle_request(url: str) -> tuple[Any, bool]:
    """The bundle at ``url``, and whether the server says witnesses have yet to cosign a
    checkpoint that holds it (``Firsthand-Cosigned: pending``, docs/bundle-format.md)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            pending = response.headers.get("Firsthand-Cosigned") == "pending"
            return json.loads(response.read().decode("utf-8")), pending
    except (urllib.error.URLError, TimeoutError, ValueError):
        return _request(url)[1], False  # failures reported (and retried) as every request's


def _write_bundle(url: str, directory: Path, index: int) -> None:
    """Write entry ``index``'s bundle, proved against a cosigned checkpoint if the log has
    witnesses: sequencing does not wait for them, so ask again until they have cosigned one
    that holds the entry, within the run's COSIGNATURE_WAIT."""
    bundle, pending = _bundle_request(url)
    while pending and _cosignature_wait["left"] > 0:
        began = time.monotonic()
        time.sleep(0.1)
        bundle, pending = _bundle_request(url)
        _cosignature_wait["left"] -= time.monotonic() - began
    path = directory / f"statement-{index}.bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    if pending:
        tqdm.write(
            f"{path}: no witness has cosigned a checkpoint holding entry {index} yet, so it is "
            f"proved against the log's own checkpoint; `firsthand bundle --server URL {index}` "
            "fetches the cosigned proof once they have",
            file=sys.stderr,
        )


def _published(name: str, statement: Statement, index: int) -> str:
    # The index last: scripts read it as the line's last word.
    return f"{name}: a {statement.head.kind} by {who(statement.head.author)}, index {index}"


def cmd_publish(args: argparse.Namespace) -> int:
    bundle_dir = Path(args.bundle_dir) if args.bundle_dir else None
    if bundle_dir is not None:
        bundle_dir.mkdir(parents=True, exist_ok=True)
    files = [Path(f) for f in args.statements]
    bar = len(files) > 1 and sys.stderr.isatty()  # a bar on a terminal only, never in logs
    for path in tqdm(files, desc="publishing", unit="statement", disable=not bar):
        statement, index = _publish_one(args.server, path.read_bytes(), bundle_dir)
        tqdm.write(_published(str(path), statement, index))
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    _, bundle = _request(f"{args.server.rstrip('/')}/api/v1/statements/{args.index}/bundle")
    print(json.dumps(bundle, ensure_ascii=False, indent=1))
    return 0


# The exit status of `firsthand verify` (docs/bundle-format.md, "Exit status"): a script
# can tell a bundle that proves nothing from a verification that could not be made.
VERIFY_VALID = 0
VERIFY_INVALID = 1  # the bundle fails a check: the message (and failed_check) says which
VERIFY_CANNOT_CHECK = 2  # unreadable file, a key that is not one, an impossible --quorum
VERIFY_STOLEN_KEY = STOLEN_KEY  # valid, but signed by a key its author reported stolen or lost


def _verify_inputs(
    args: argparse.Namespace,
) -> tuple[bytes, Verifier, Verifier | None, list[CosignatureVerifier], int]:
    """The bundle's bytes and what verify checks it with; LogError or OSError says what is off."""

    def key(parse: Any, text: str, option: str) -> Any:
        try:
            return parse(text)
        except LogError as error:
            raise LogError(f"{option}: {error}") from None

    log_key = key(verifier_arg, args.log_key, "--log-key")
    operator = key(verifier_arg, args.operator_key, "--operator-key") if args.operator_key else None
    witnesses = [key(_cosigner_arg, text, "--witness") for text in args.witness or []]
    quorum = len(witnesses) if args.quorum is None else args.quorum
    if not 0 <= quorum <= len(witnesses):
        raise LogError(
            f"--quorum {quorum} needs at least {quorum} --witness keys ({len(witnesses)} given)"
        )
    try:
        data = Path(args.bundlefile).read_bytes()
    except OSError as error:
        raise LogError(f"cannot read {args.bundlefile}: {error.strerror or error}") from None
    return data, log_key, operator, witnesses, quorum


def _verify_failed(args: argparse.Namespace, message: str, check: str | None, status: int) -> int:
    """A verdict of failure: JSON on stdout with --json, else one line on stderr."""
    if args.json:
        verdict = {"valid": False, "error": message, "failed_check": check}
        print(json.dumps(verdict, ensure_ascii=False))
    else:
        print(f"firsthand verify: {message}", file=sys.stderr)
    return status


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        data, log_key, operator, witnesses, quorum = _verify_inputs(args)
    except LogError as error:
        return _verify_failed(args, str(error), None, VERIFY_CANNOT_CHECK)
    try:
        verdict = verify_bundle(
            data, log_key, operator_key=operator, witnesses=witnesses, quorum=quorum
        )
    except BundleError as error:
        return _verify_failed(args, str(error), error.check, VERIFY_INVALID)
    if args.json:
        print(json.dumps(verdict.as_json(), ensure_ascii=False))
    else:
        print("\n".join(verdict_lines(verdict)))
    return status_of(verdict)


def cmd_import(args: argparse.Namespace) -> int:
    files = sorted(p for p in Path(args.directory).iterdir() if p.suffix in (".txt", ".md"))
    if not files:
        raise LogError(f"{args.directory} holds no .txt or .md files to import")
    signer, cosigners = _signers(args)
    ledger = ImportLedger(Path(args.directory) / LEDGER_NAME)  # where a cut-short run stopped
    for path in tqdm(files, desc="importing", unit="statement", disable=not sys.stderr.isatty()):
        text = _read_text(path, lf=args.lf)
        done = ledger.entry(path.name, text)
        if done is not None and done.index is not None:
            tqdm.write(f"{path.name}: published before, index {done.index}")
            continue
        if done is None:  # signed once only: a resumed run sends the same statement again
            data = _sign(args, signer, text, cosigners).file_bytes()
            ledger.signed(path.name, text, data)
        else:
            data = done.statement
        statement, index = _publish_one(args.server, data, None)
        ledger.published(path.name, index)
        tqdm.write(_published(path.name, statement, index))
    return 0


def _add_signing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", required=True, help="your key file (from firsthand keygen)")
    p.add_argument("--kind", default="declaration", choices=KINDS)
    p.add_argument("--lang", default="en", help="BCP 47 language tag, e.g. en or fa")
    p.add_argument("--refers", action="append", type=_reference, metavar="leaf:HEX|text:HEX")
    p.add_argument(
        "--subject",
        help="vouch: the verifier key (or its file) you vouch for; revocation or recovery: "
        "the key that is lost or stolen",
    )
    p.add_argument(
        "--new-key",
        metavar="NEW.key",
        help="key-rotation: your new key's file (from firsthand keygen; sealed ones ask for "
        "their passphrase); the new key co-signs the rotation, accepting it",
    )
    p.add_argument("--seen-at", help="denial: where the denied text appeared")
    p.add_argument(
        "--display-name", help="profile: the name readers see (the file's text is your bio)"
    )
    p.add_argument(
        "--recovery",
        metavar="RECOVERY",
        help="your recovery key's verifier key (or its file), named in your key's first "
        "statement; by default the .recovery.pub keygen wrote beside --key (docs/recovery.md)",
    )
    p.add_argument(
        "--no-recovery",
        action="store_true",
        help="do not name the .recovery.pub beside --key (a key that published without one "
        "cannot name one later)",
    )
    p.add_argument(
        "--from",
        dest="revoked_from",
        type=int,
        metavar="INDEX",
        help="revocation or recovery, signed with the recovery key: the log index from which "
        "the lost key's statements are not yours (default: from this one on)",
    )
    p.add_argument(
        "--lf",
        action="store_true",
        help="turn the file's carriage returns (CRLF, CR) into line feeds before signing; "
        "without it a file holding them is refused, since the body signed is the file",
    )


def add_commands(commands: Any) -> None:
    """Register the statement subcommands on the main parser's subparsers."""
    # keygen is in recovery.py: a key is made with its recovery key.
    p = commands.add_parser("sign", help="sign a text file as a statement (printed)")
    _add_signing_options(p)
    p.add_argument("textfile")
    p.set_defaults(func=cmd_sign)

    p = commands.add_parser("publish", help="submit signed statements to a server")
    p.add_argument("--server", required=True)
    p.add_argument("--bundle-dir", help="write each statement's offline bundle here")
    p.add_argument("statements", nargs="+", metavar="STATEMENTFILE")
    p.set_defaults(func=cmd_publish)

    p = commands.add_parser("bundle", help="print the offline bundle of a log entry")
    p.add_argument("--server", required=True)
    p.add_argument("index", type=int)
    p.set_defaults(func=cmd_bundle)

    p = commands.add_parser(
        "verify",
        help="check an offline bundle, with no network",
        epilog="exit status: 0 the bundle is valid, 1 it is not (a check failed), 2 it could not "
        "be checked (unreadable file, a key that is not one, an impossible --quorum), 3 it is "
        "valid but signed by a key its author reported stolen or lost (a revocation the bundle "
        "carries; a bundle cannot show one it leaves out); docs/bundle-format.md",
    )
    p.add_argument("--log-key", required=True, help="the log's verifier key, or a file holding it")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument(
        "--operator-key", help="demand that a withholding notice is signed by this key (or file)"
    )
    p.add_argument(
        "--witness",
        action="append",
        metavar="KEY",
        help="a witness's cosigner verifier key (or a file holding it); repeat for each witness",
    )
    p.add_argument(
        "--quorum",
        type=int,
        metavar="K",
        help="how many of the --witness keys must have cosigned the checkpoint (default: all)",
    )
    p.add_argument("bundlefile")
    p.set_defaults(func=cmd_verify)

    p = commands.add_parser("import", help="sign and publish every .txt/.md file in a folder")
    _add_signing_options(p)
    p.add_argument("--server", required=True)
    p.add_argument("directory")
    p.set_defaults(func=cmd_import)
