"""Fuzz targets for every parser that reads outside input, and a mutator seeded with valid input.

Each target takes bytes and must either return or raise our own LogError (whose
message a person can act on). Anything else is a bug. tests/test_fuzz_parsers.py
runs them briefly under Hypothesis; bench/fuzz.py runs them for a fixed time, with this
mutator or coverage-guided under atheris (--engine atheris; tests/test_fuzz_atheris.py).

Valid seeds matter: random bytes rarely get past the first line of a note, so
most inputs are small mutations of real notes, checkpoints, statements, bundles,
witness requests and evidence files (bit flips, byte and line edits, splices).
"""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from firsthand.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from firsthand.log.cosignature import CosignatureSigner
from firsthand.log.datadir import open_log
from firsthand.log.errors import LogError
from firsthand.log.evidence import make_evidence, verify_evidence
from firsthand.log.note import Signer, open_note, sign_note
from firsthand.log.witness import AddCheckpointRequest, TrustedLog, Witness, parse_request
from firsthand.statements.bundle import make_bundle, verify_bundle
from firsthand.statements.format import Reference, Statement, read_statement, sign_statement

LOG = Signer.from_seed("fuzz.example/log", bytes(range(32)))
AUTHOR = Signer.from_seed("author.example", bytes(range(1, 33)))
WITNESS = CosignatureSigner.from_seed("witness.example/w", bytes(range(2, 34)))


@dataclass(frozen=True)
class Target:
    name: str
    seeds: tuple[bytes, ...]
    run: Callable[[bytes], object]


def _checkpoint(size: int, root: bytes) -> bytes:
    return sign_checkpoint(Checkpoint(LOG.name, size, root), LOG)


@cache
def targets() -> tuple[Target, ...]:
    statement = sign_statement(
        AUTHOR,
        "من از حلقه جدا شدم.\nI left the circle in 2019.\n",
        lang="fa",
        kind="denial",
        refers=[Reference("text", "ab" * 32)],
        seen_at="a fictional site",
    )
    directory = Path(tempfile.mkdtemp(prefix="firsthand-fuzz-"))
    log = open_log(directory / "log", LOG.name)
    log.signer = LOG  # the same key as the seeds' checkpoints
    sequencer = log.sequencer()
    for i in range(20):
        sequencer.submit(b"fuzz entry %d" % i)
    ticket = sequencer.submit(statement.head_bytes)
    sequencer.run_until_empty()
    bundle = make_bundle(
        log.reader, index=ticket.wait().index, head=statement.head_bytes, body=statement.body
    )
    bundle_bytes = json.dumps(bundle, ensure_ascii=False).encode()
    cp_a, cp_b = _checkpoint(30, b"\x01" * 32), _checkpoint(30, b"\x02" * 32)
    evidence = make_evidence(cp_a, cp_b, LOG.verifier())
    request = AddCheckpointRequest(0, (), _checkpoint(7, b"\x03" * 32)).encode()
    witness = Witness(
        directory / "witness.sqlite3", [WITNESS], [TrustedLog(LOG.name, (LOG.verifier(),))]
    )
    note = sign_note("a note\nwith two lines\n", LOG)
    new_key = Signer.from_seed("author.2027", bytes(range(3, 35)))
    rotation = sign_statement(
        AUTHOR,
        "My new key.\n",
        kind="key-rotation",
        new_key=new_key.verifier(),
        cosigners=[new_key],
    )
    return (
        Target("note", (note,), lambda d: open_note(d, [LOG.verifier()])),
        Target("checkpoint", (cp_a,), lambda d: open_checkpoint(d, LOG.verifier())),
        Target("statement", (statement.file_bytes(),), read_statement),
        Target(
            "one-statement-one-entry",
            (statement.file_bytes(), rotation.file_bytes()),
            lambda d: _same_entry_or_refused(d, (statement, rotation)),
        ),
        Target("bundle", (bundle_bytes,), lambda d: verify_bundle(d, log.verifier)),
        Target("witness-request", (request,), parse_request),
        Target("witness", (request,), witness.add_checkpoint),
        Target("evidence", (evidence,), lambda d: verify_evidence(d, LOG.verifier())),
    )


def _same_entry_or_refused(data: bytes, seeds: tuple[Statement, ...]) -> None:
    """Any file that reads as a statement with a seed's head text is that seed's entry.

    A re-encoding that still verifies (padding bits of a signature's base64, an extra
    signature line) would be a second log entry for the same statement: it must be
    refused instead (format.check_canonical_entry).
    """
    read = read_statement(data)  # LogError: refused, which the contract allows
    for seed in seeds:
        if read.note.text == seed.note.text and read.head_bytes != seed.head_bytes:
            raise AssertionError(f"one statement, two entries: {read.head_bytes!r}")


_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """One to four small edits of the kinds that find parser bugs."""
    data = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        at = rng.randrange(len(data) + 1)
        if choice < 0.3 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif choice < 0.5:
            data[at:at] = rng.choice(
                [b"\n", b" ", b"+", b"\x00", b"\xff", b"\xe2\x80\x94 ", b"=", b"\r", b"9" * 20]
            )
        elif choice < 0.6 and data:
            # Another base64 character: where it lands in a signature, only a canonical
            # spelling may verify (padding bits, one statement one entry).
            data[min(at, len(data) - 1)] = rng.choice(_BASE64)
        elif choice < 0.7 and data:
            del data[at : at + rng.randint(1, 16)]
        elif choice < 0.85 and data:
            lines = bytes(data).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i] = lines[j]
            data = bytearray(b"\n".join(lines))
        elif data:
            end = rng.randrange(len(data) + 1)
            data = data[:at] + data[end:] + data[at:end]  # move a span
    return bytes(data)


def run_one(target: Target, data: bytes) -> None:
    """The contract: return, or raise our own error. Anything else propagates as a failure."""
    with contextlib.suppress(LogError):
        target.run(data)
