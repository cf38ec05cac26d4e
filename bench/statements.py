"""Statements benchmark: accepted/s, bundle verifications/s, beside raw Ed25519 verifies/s.

    .venv/bin/python bench/statements.py [--count 20000]

The full path is what the API does per statement: split and parse the file,
verify the author's Ed25519 signature and the body hash, pool the head, and
integrate it durably (SQLite, synchronous=FULL) in batches. Ed25519
verification is the honest limit, so raw `cryptography` verifies per second
on the same machine are printed beside it. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firsthand.log import merkle
from firsthand.log.datadir import open_log
from firsthand.log.note import Signer
from firsthand.log.sequencer import Ticket
from firsthand.statements.bundle import make_bundle, verify_bundle
from firsthand.statements.format import read_statement, sign_statement


def raw_verifies_per_second(count: int) -> float:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"x" * 300
    signature = key.sign(message)
    began = time.perf_counter()
    for _ in range(count):
        public.verify(signature, message)
    return count / (time.perf_counter() - began)


def raw_verifies_threaded(count: int, threads: int) -> float:
    """Verification releases the GIL, so threads scale it across cores."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"x" * 300
    signature = key.sign(message)

    def work(n: int) -> None:
        for _ in range(n):
            public.verify(signature, message)

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, [count // threads] * threads))
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--authors", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="request threads (default 2)")
    args = parser.parse_args()

    authors = [Signer.generate(f"author{i}.example") for i in range(args.authors)]
    files = [
        sign_statement(
            authors[i % len(authors)],
            f"Statement {i}: I was at the gathering of spring 2019 and saw what happened.\n" * 3,
            kind="testimony",
        ).file_bytes()
        for i in tqdm(range(args.count), desc="signing", unit="statement", leave=False)
    ]
    with tempfile.TemporaryDirectory(prefix="firsthand-bench-") as tmp:
        log = open_log(Path(tmp), "bench.example/log")
        sequencer = log.sequencer(max_batch=4096)
        heads: list[tuple[bytes, str]] = []
        began = time.perf_counter()
        # As the server does: request threads parse and verify (Ed25519 verification
        # releases the GIL), the sequencer integrates in the background.
        sequencer.start()

        def accept(data: bytes) -> Ticket:
            statement = read_statement(data)
            heads.append((statement.head_bytes, statement.body))
            return sequencer.submit(statement.head_bytes)

        with ThreadPoolExecutor(args.threads) as pool:
            tickets = list(pool.map(accept, files, chunksize=256))
        for ticket in tickets:
            ticket.wait()
        accepted = len(files) / (time.perf_counter() - began)
        sequencer.stop()
        heads.sort(key=lambda h: log.reader.index_of(merkle.leaf_hash(h[0])) or 0)

        sample = min(2000, len(heads))
        bundles = [
            json.dumps(
                make_bundle(log.reader, index=i, head=heads[i][0], body=heads[i][1])
            ).encode()
            for i in range(sample)
        ]
        began = time.perf_counter()
        for bundle in bundles:
            verify_bundle(bundle, log.verifier)
        bundle_rate = sample / (time.perf_counter() - began)

    raw = raw_verifies_per_second(args.count)
    raw_parallel = raw_verifies_threaded(args.count, args.threads)
    print(
        f"\nstatements benchmark, {args.count:,} statements by {args.authors} authors, "
        f"{args.threads} request threads"
    )
    print(
        f"{'accepted statements/s (parse, verify, pool, sequence, durable)':66}{accepted:>12,.0f}"
    )
    print(f"{'bundle verifications/s (two signatures and a proof)':66}{bundle_rate:>12,.0f}")
    print(f"{'raw cryptography Ed25519 verifies/s, one thread':66}{raw:>12,.0f}")
    print(
        f"{f'raw cryptography Ed25519 verifies/s, {args.threads} threads (the limit)':66}"
        f"{raw_parallel:>12,.0f}"
    )
    print(
        f"accepted statements reach {accepted / raw_parallel:.0%} of the {args.threads}-thread "
        f"verification limit; a bundle costs two verifications, so its ceiling is "
        f"{raw_parallel / 2:,.0f}/s"
    )


if __name__ == "__main__":
    main()
