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
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from firsthand.log.cosignature import CosignatureVerifier
from firsthand.log.errors import LogError
from firsthand.log.note import Signer, Verifier
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.errors import KeyFileError, MalformedStatement
from firsthand.statements.format import (
    KINDS,
    Reference,
    Statement,
    read_statement,
    sign_statement,
)
from firsthand.statements.identity import check_label, fingerprint, grouped_fingerprint
from firsthand.statements.keys import passphrase_for, read_key_file, write_key_file


class ServerError(Exception):
    """The server refused or could not be reached; the message is the server's reason."""


def _request(url: str, data: bytes | None = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
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
        raise ServerError(f"the server answered {error.code}: {reason}") from None
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


def cmd_keygen(args: argparse.Namespace) -> int:
    try:
        check_label(args.name, "the key name")
    except MalformedStatement as error:
        raise KeyFileError(
            f"{error}. Type the --name again by hand (a copied name can carry such characters); "
            "no key was made"
        ) from None
    signer = Signer.generate(args.name)
    passphrase = passphrase_for(Path(args.out), None) if args.seal else None
    write_key_file(args.out, signer, passphrase=passphrase)
    print(signer.verifier().text())
    print(f"fingerprint: {grouped_fingerprint(fingerprint(signer.verifier()))}", file=sys.stderr)
    return 0


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
    if args.new_key and args.kind != "key-rotation":
        raise MalformedStatement("--new-key is for --kind key-rotation only")
    if args.kind == "key-rotation" and not args.new_key:
        raise MalformedStatement(
            "a key rotation names the new key and is signed by it too: give --new-key NEW.key "
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
        cosigners=cosigners,
    )


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
        _, bundle = _request(server.rstrip("/") + reply["bundle_url"])
        path = bundle_dir / f"statement-{reply['index']}.bundle.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    return statement, int(reply["index"])


def _published(name: str, statement: Statement, index: int) -> str:
    # The index last: scripts read it as the line's last word.
    return f"{name}: a {statement.head.kind} by {who(statement.head.author)}, index {index}"


def cmd_publish(args: argparse.Namespace) -> int:
    bundle_dir = Path(args.bundle_dir) if args.bundle_dir else None
    if bundle_dir is not None:
        bundle_dir.mkdir(parents=True, exist_ok=True)
    files = [Path(f) for f in args.statements]
    for path in tqdm(files, desc="publishing", unit="statement", disable=len(files) < 2):
        statement, index = _publish_one(args.server, path.read_bytes(), bundle_dir)
        tqdm.write(_published(str(path), statement, index))
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    _, bundle = _request(f"{args.server.rstrip('/')}/api/v1/statements/{args.index}/bundle")
    print(json.dumps(bundle, ensure_ascii=False, indent=1))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    data = Path(args.bundlefile).read_bytes()
    try:
        operator = verifier_arg(args.operator_key) if args.operator_key else None
        witnesses = [_cosigner_arg(text) for text in args.witness or []]
        quorum = len(witnesses) if args.quorum is None else args.quorum
        if not 0 <= quorum <= len(witnesses):
            raise LogError(
                f"--quorum {quorum} needs at least {quorum} --witness keys ({len(witnesses)} given)"
            )
        verdict = verify_bundle(
            data,
            verifier_arg(args.log_key),
            operator_key=operator,
            witnesses=witnesses,
            quorum=quorum,
        )
    except LogError as error:
        if args.json:
            print(json.dumps({"valid": False, "error": str(error)}, ensure_ascii=False))
            return 1
        raise
    if args.json:
        print(json.dumps(verdict.as_json(), ensure_ascii=False))
    else:
        when = verdict.time.strftime("%Y-%m-%d %H:%M UTC")
        print(f"valid: a {verdict.kind} by {who(verdict.author)},")
        print(
            f"signed {when}, entry {verdict.index} of {verdict.log_origin} "
            f"(checkpoint of {verdict.tree_size} entries)."
        )
        print(f"Author key: {verdict.author.text()}")
        if verdict.rotation is not None:
            print(f"Rotation to the new key {who(verdict.rotation.new_key)}:")
            print(f"{verdict.rotation.message()}.")
        for cosignature in verdict.cosigned_by:
            when = datetime.fromtimestamp(cosignature.timestamp, UTC).strftime("%Y-%m-%d %H:%M")
            print(f"Cosigned by the witness {cosignature.name} at {when} UTC.")
        if verdict.withheld is not None:
            print(f"The body is {verdict.withheld.message()}")
            print(
                f"(notice at entry {verdict.withheld.notice_index}, signed by "
                f"{verdict.withheld.operator.text()})"
            )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    files = sorted(p for p in Path(args.directory).iterdir() if p.suffix in (".txt", ".md"))
    if not files:
        raise LogError(f"{args.directory} holds no .txt or .md files to import")
    signer, cosigners = _signers(args)
    for path in tqdm(files, desc="importing", unit="statement"):
        signed = _sign(args, signer, _read_text(path, lf=args.lf), cosigners)
        statement, index = _publish_one(args.server, signed.file_bytes(), None)
        tqdm.write(_published(path.name, statement, index))
    return 0


def _add_signing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key", required=True, help="your key file (from firsthand keygen)")
    p.add_argument("--kind", default="declaration", choices=KINDS)
    p.add_argument("--lang", default="en", help="BCP 47 language tag, e.g. en or fa")
    p.add_argument("--refers", action="append", type=_reference, metavar="leaf:HEX|text:HEX")
    p.add_argument("--subject", help="vouch: the verifier key (or its file) you vouch for")
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
        "--lf",
        action="store_true",
        help="turn the file's carriage returns (CRLF, CR) into line feeds before signing; "
        "without it a file holding them is refused, since the body signed is the file",
    )


def add_commands(commands: Any) -> None:
    """Register the statement subcommands on the main parser's subparsers."""
    p = commands.add_parser("keygen", help="make an author key file")
    p.add_argument("--name", required=True, help="your key's name (no spaces or '+')")
    p.add_argument("--out", required=True, help="the key file to create (never overwritten)")
    p.add_argument(
        "--seal",
        action="store_true",
        help="seal the file with a passphrase (asked for, or $FIRSTHAND_PASSPHRASE)",
    )
    p.set_defaults(func=cmd_keygen)

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

    p = commands.add_parser("verify", help="check an offline bundle, with no network")
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
