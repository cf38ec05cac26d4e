"""What `firsthand verify` prints, and the single-file verifier a site hands journalists.

A reader who wants to check a bundle should not have to install the whole site
(Django, ICU, a database driver) to do it. Verifying needs only ``firsthand.log``,
``firsthand.statements`` and the ``cryptography`` package, so the site serves those
two packages as one Python zip application (web/pages/verifier_download.py):

    python3 firsthand-verify.pyz verify --log-key KEY [--witness KEY --quorum K] BUNDLE

It takes the arguments of `firsthand verify`, prints the same lines and exits with
the same status (0 valid, 1 a check failed, 2 it could not be checked, 3 valid but
signed by a key its author reported stolen or lost).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from firsthand.log.cosignature import CosignatureVerifier
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.statements.bundle import Verdict, verify_bundle
from firsthand.statements.errors import BundleError
from firsthand.statements.identity import fingerprint, grouped_fingerprint

VALID = 0
INVALID = 1  # the bundle fails a check: the message (and failed_check) says which
CANNOT_CHECK = 2  # unreadable file, a key that is not one, an impossible --quorum
# Every check passed, but the bundle carries a revocation of the author's key from an index
# at or before this statement's: signed by a key its author reported stolen or lost.
STOLEN_KEY = 3


def status_of(verdict: Verdict) -> int:
    """The exit status of a verdict whose checks all passed."""
    return STOLEN_KEY if verdict.stolen_key else VALID


def who(key: Verifier) -> str:
    """An author as the CLI prints one: the name they chose, then who they are."""
    return f"{key.name} (fingerprint {grouped_fingerprint(fingerprint(key))})"


def verdict_lines(verdict: Verdict) -> list[str]:
    """The valid verdict as `firsthand verify` prints it, a line each."""
    when = verdict.time.strftime("%Y-%m-%d %H:%M UTC")
    stolen = None if verdict.revocations is None else verdict.revocations.stolen_key
    lines = [
        f"stolen key: {stolen.message()}." if stolen is not None else "",
        "The log holds it, but these may not be the author's words." if stolen is not None else "",
        f"valid: a {verdict.kind} by {who(verdict.author)},",
        f"signed {when}, entry {verdict.index} of {verdict.log_origin} "
        f"(checkpoint of {verdict.tree_size} entries).",
        f"Author key: {verdict.author.text()}",
    ]
    if verdict.device is not None:
        device = verdict.device
        lines.append(
            f"signed by device {who(device.device)} of identity {who(device.identity)} "
            f"(added at entry {device.certified_at})."
        )
    if verdict.rotation is not None:
        lines.append(f"Rotation to the new key {who(verdict.rotation.new_key)}:")
        lines.append(f"{verdict.rotation.message()}.")
    for media in verdict.media:
        # A copy of the photo is the one signed if `sha256sum FILE` prints this hash.
        lines.append(f"Covers the file sha256:{media.sha256} ({media.type}, {media.size} bytes).")
    for cosignature in verdict.cosigned_by:
        cosigned = datetime.fromtimestamp(cosignature.timestamp, UTC).strftime("%Y-%m-%d %H:%M")
        lines.append(f"Cosigned by the witness {cosignature.name} at {cosigned} UTC.")
    if verdict.withheld is not None:
        lines.append(f"The body is {verdict.withheld.message()}")
        lines.append(
            f"(notice at entry {verdict.withheld.notice_index}, signed by "
            f"{verdict.withheld.operator.text()})"
        )
    if verdict.revocations is not None:
        known = verdict.revocations.message()
        lines.append(f"{known[0].upper()}{known[1:]}.")
    return [line for line in lines if line]


def _key_text(text: str) -> str:
    """A key given inline, or read from the file whose path was given."""
    path = Path(text)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firsthand-verify.pyz",
        description="Check a firsthand proof bundle with no network.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("verify", help="check an offline bundle, with no network")
    p.add_argument("--log-key", required=True, help="the log's verifier key, or a file holding it")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--operator-key", help="demand that a withholding notice is signed by this key")
    p.add_argument("--witness", action="append", metavar="KEY", help="a witness's cosigner key")
    p.add_argument("--quorum", type=int, metavar="K", help="witnesses that must have cosigned")
    p.add_argument("bundlefile")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    def failed(message: str, check: str | None, status: int) -> int:
        if args.json:
            print(json.dumps({"valid": False, "error": message, "failed_check": check}))
        else:
            print(f"firsthand verify: {message}", file=sys.stderr)
        return status

    try:
        log_key = Verifier.from_text(_key_text(args.log_key))
        operator = Verifier.from_text(_key_text(args.operator_key)) if args.operator_key else None
        witnesses = [CosignatureVerifier.from_text(_key_text(k)) for k in args.witness or []]
        quorum = len(witnesses) if args.quorum is None else args.quorum
        if not 0 <= quorum <= len(witnesses):
            raise LogError(f"--quorum {quorum} needs at least {quorum} --witness keys")
        data = Path(args.bundlefile).read_bytes()
    except (LogError, OSError) as error:
        return failed(str(error), None, CANNOT_CHECK)
    try:
        verdict = verify_bundle(
            data, log_key, operator_key=operator, witnesses=witnesses, quorum=quorum
        )
    except BundleError as error:
        return failed(str(error), error.check, INVALID)
    if args.json:
        print(json.dumps(verdict.as_json(), ensure_ascii=False))
    else:
        print("\n".join(verdict_lines(verdict)))
    return status_of(verdict)
