"""The witness subcommands of `firsthand`: run a witness, show its key, make and check evidence.

firsthand witness serve --data DIR --port P --log ORIGIN=VKEY [--log ...]
firsthand witness key --data DIR
firsthand evidence make CHECKPOINT_A CHECKPOINT_B --log-key KEY [--proof FILE] --out FILE
firsthand evidence verify FILE --log-key KEY
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import os
from pathlib import Path
from typing import Any

from firsthand.cli.statements import verifier_arg
from firsthand.log.cosignature import CosignatureSigner
from firsthand.log.datadir import ensure_data_dir, load_or_create_key
from firsthand.log.evidence import make_evidence, verify_evidence
from firsthand.log.note import Verifier
from firsthand.log.witness import TrustedLog, Witness

WITNESS_KEY_NAME = "witness.key"
WITNESS_DATABASE_NAME = "witness.sqlite3"
DEFAULT_WITNESS_NAME = "witness.localhost"


class WitnessCommandError(Exception):
    """A witness or evidence command cannot go on; the message says why, in one line."""


def load_or_create_witness_key(directory: Path, name: str | None = None) -> CosignatureSigner:
    """The witness's cosigning key in ``directory``, created (mode 0600) on first use."""
    try:
        return load_or_create_key(
            directory / WITNESS_KEY_NAME,
            name,
            default_name=DEFAULT_WITNESS_NAME,
            parse=CosignatureSigner.from_private_key,
            generate=CosignatureSigner.generate,
            what="witness key",
        )
    except ValueError as error:
        raise WitnessCommandError(str(error)) from None


def parse_trusted_logs(specs: list[str]) -> list[TrustedLog]:
    """``ORIGIN=VKEY`` options into trusted logs; one origin may be given several keys."""
    keys: dict[str, list[Verifier]] = {}
    for spec in specs:
        origin, equals, vkey = spec.partition("=")
        if not equals or not origin or not vkey:
            raise WitnessCommandError(f"--log takes ORIGIN=VERIFIER_KEY, not {spec!r}")
        keys.setdefault(origin, []).append(verifier_arg(vkey))
    return [TrustedLog(origin, tuple(vs)) for origin, vs in keys.items()]


def cmd_witness_serve(args: argparse.Namespace) -> int:
    from firsthand.log.witness_serve import free_port, serve_witness

    if not args.log:
        raise WitnessCommandError("name at least one log to witness with --log ORIGIN=VKEY")
    directory = ensure_data_dir(args.data)
    signer = load_or_create_witness_key(directory, args.name)
    logs = parse_trusted_logs(args.log)
    port = args.port or free_port(args.host)

    def open_witness() -> Witness:
        return Witness(directory / WITNESS_DATABASE_NAME, [signer], logs)

    def ready() -> None:
        print(signer.verifier().text(), flush=True)
        print(
            f"witnessing {len(logs)} log(s) at http://{args.host}:{port}/add-checkpoint", flush=True
        )

    with contextlib.suppress(KeyboardInterrupt):
        serve_witness(open_witness, args.host, port, args.threads, ready)
    return 0


def cmd_witness_key(args: argparse.Namespace) -> int:
    directory = ensure_data_dir(args.data)
    print(load_or_create_witness_key(directory, args.name).verifier().text())
    return 0


def _read_proof(path: str) -> tuple[bytes, ...]:
    """A proof file: one base64 hash per line, as in a tlog-witness request."""
    hashes = []
    for number, line in enumerate(Path(path).read_text(encoding="ascii").splitlines(), 1):
        if not line.strip():
            continue
        try:
            hashes.append(base64.b64decode(line.strip(), validate=True))
        except binascii.Error:
            raise WitnessCommandError(f"{path} line {number} is not a base64 hash") from None
    return tuple(hashes)


def cmd_evidence_make(args: argparse.Namespace) -> int:
    log_key = verifier_arg(args.log_key)
    proof = _read_proof(args.proof) if args.proof else ()
    prefix = None
    if args.prefix_root:
        try:
            prefix = base64.b64decode(args.prefix_root, validate=True)
        except binascii.Error:
            raise WitnessCommandError("--prefix-root is not base64") from None
    data = make_evidence(
        Path(args.checkpoint_a).read_bytes(),
        Path(args.checkpoint_b).read_bytes(),
        log_key,
        proof,
        prefix,
    )
    out = Path(args.out)
    # Never overwrite: evidence is worth keeping.
    with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as f:
        f.write(data)
    view = verify_evidence(data, log_key)
    print(f"evidence written to {out}: {view.explain()}")
    return 0


def cmd_evidence_verify(args: argparse.Namespace) -> int:
    view = verify_evidence(Path(args.file).read_bytes(), verifier_arg(args.log_key))
    print(f"VALID evidence of a split view ({view.kind}): {view.explain()}")
    return 0


def add_commands(commands: Any) -> None:
    """Register `witness` and `evidence` on the main parser's subparsers."""
    witness = commands.add_parser("witness", help="run a tlog-witness witness")
    sub = witness.add_subparsers(dest="witness_command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve POST /add-checkpoint (prints the witness key)")
    p.add_argument("--data", required=True, help="the witness's directory (key and state)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7380)
    p.add_argument("--threads", type=int, default=4, help="request threads (default 4)")
    p.add_argument("--name", help=f"the witness key's name on first use ({DEFAULT_WITNESS_NAME})")
    p.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="ORIGIN=VKEY",
        help="a log to witness: its origin and verifier key (or a file holding it); repeatable",
    )
    p.set_defaults(func=cmd_witness_serve)

    p = sub.add_parser("key", help="print the witness's verifier key (made on first use)")
    p.add_argument("--data", required=True)
    p.add_argument("--name", help=f"the witness key's name on first use ({DEFAULT_WITNESS_NAME})")
    p.set_defaults(func=cmd_witness_key)

    evidence = commands.add_parser("evidence", help="make or check split-view evidence")
    sub = evidence.add_subparsers(dest="evidence_command", required=True, metavar="COMMAND")

    p = sub.add_parser("make", help="write evidence from two contradicting checkpoints")
    p.add_argument("checkpoint_a", metavar="CHECKPOINT_A")
    p.add_argument("checkpoint_b", metavar="CHECKPOINT_B")
    p.add_argument("--log-key", required=True, help="the log's verifier key, or a file holding it")
    p.add_argument("--proof", help="consistency proof file (one base64 hash per line)")
    p.add_argument("--prefix-root", help="base64 root of B's first size(A) entries, if needed")
    p.add_argument("--out", required=True, help="the evidence file to create")
    p.set_defaults(func=cmd_evidence_make)

    p = sub.add_parser("verify", help="check an evidence file with the log's key")
    p.add_argument("file")
    p.add_argument("--log-key", required=True, help="the log's verifier key, or a file holding it")
    p.set_defaults(func=cmd_evidence_verify)
