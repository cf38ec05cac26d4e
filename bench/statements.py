"""Statements benchmark: accepted/s, bundle verifications/s, beside raw Ed25519 verifies/s.

    .venv/bin/python bench/statements.py [--count 20000] [--threads 2] [--workers 2] [--runs 3]

The full path is what the API does per statement: split and parse the file,
verify the author's Ed25519 signature and the body hash, pool the head, and
integrate it durably (SQLite, synchronous=FULL) in batches; a statement counts
once its ticket says it is durably logged. Each path runs ``--runs`` times, on a
fresh log each time; the table gives the median run, then the best:

- request threads: ``--threads`` threads in this process, each reading its
  share of the files one by one (read_statement, then sequencer.submit), as a
  server's request threads do. Parsing holds the GIL; verification does not.
- worker processes: statements/accept.py's AcceptPool reads chunks of files in
  ``--workers`` processes and pools their heads with this process's sequencer.

Ed25519 verification is the honest limit, so raw `cryptography` verifies per
second on the same machine, with one thread and with ``--threads`` threads,
are printed beside them, with each path's share of that limit. The machine is
shared, so CPU microseconds per statement (all threads, and the workers) are
printed too: they move less with other load than rates do (though a busy
machine slows every instruction a little). Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cpu import process_cpu_seconds  # bench/cpu.py
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firsthand.log.datadir import open_log
from firsthand.log.note import Signer
from firsthand.log.sequencer import Ticket
from firsthand.statements.accept import AcceptPool
from firsthand.statements.bundle import make_bundle, verify_bundle
from firsthand.statements.format import read_statement, sign_statement


def cpu_seconds() -> float:
    """CPU time of this process's threads and of its live child processes (the workers).

    Wall-clock rates move with whatever else the shared machine runs; CPU time
    per statement barely does, so it is printed beside them.
    """
    total = time.process_time()
    for child in multiprocessing.active_children():
        try:
            total += process_cpu_seconds(child.pid)
        except OSError:
            continue  # not Linux, or gone: its time is not counted
    return total


def raw_verifies_per_second(count: int) -> tuple[float, float]:
    """Verifies per second and CPU microseconds per verify, one thread."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"x" * 300
    signature = key.sign(message)
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        public.verify(signature, message)
    return count / (time.perf_counter() - began), (time.process_time() - cpu) / count * 1e6


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


def accept_in_threads(files: list[bytes], threads: int) -> tuple[float, float]:
    """Accepted/s and CPU us each: request threads reading files into a fresh log."""
    with tempfile.TemporaryDirectory(prefix="firsthand-bench-") as tmp:
        log = open_log(Path(tmp), "bench.example/log")
        sequencer = log.sequencer(max_batch=4096)
        sequencer.start()
        tickets: list[Ticket] = []

        def accept(share: list[bytes]) -> None:
            # One request thread: read a file, pool its head, take the next. (Threads
            # are given their shares up front; a ThreadPoolExecutor task per statement
            # would add about 20 us of its own bookkeeping, under the GIL, to each.)
            for data in share:
                tickets.append(sequencer.submit(read_statement(data).head_bytes))

        workers = [
            threading.Thread(target=accept, args=(files[i::threads],)) for i in range(threads)
        ]
        began, cpu = time.perf_counter(), cpu_seconds()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        sequencer.wake()  # every file is in: commit the last heads now, not at the next period
        for ticket in tickets:
            ticket.wait()
        rate = len(files) / (time.perf_counter() - began)
        cpu_each = (cpu_seconds() - cpu) / len(files) * 1e6
        sequencer.stop()
        assert log.reader.latest().size == len(files)
        return rate, cpu_each


def accept_in_workers(files: list[bytes], pool: AcceptPool) -> tuple[float, float]:
    """Accepted/s and CPU us each (this process and the workers): AcceptPool into a fresh log."""
    with tempfile.TemporaryDirectory(prefix="firsthand-bench-") as tmp:
        log = open_log(Path(tmp), "bench.example/log")
        sequencer = log.sequencer(max_batch=4096)
        sequencer.start()
        began, cpu = time.perf_counter(), cpu_seconds()
        outcomes = pool.submit(files, sequencer)  # wakes the sequencer after the last chunk
        for outcome in outcomes:
            assert isinstance(outcome, Ticket), outcome
            outcome.wait()
        rate = len(files) / (time.perf_counter() - began)
        cpu_each = (cpu_seconds() - cpu) / len(files) * 1e6
        sequencer.stop()
        assert log.reader.latest().size == len(files)
        return rate, cpu_each


def bundle_verifications(files: list[bytes]) -> float:
    """Bundles verified per second, for statements logged in a fresh log."""
    with tempfile.TemporaryDirectory(prefix="firsthand-bench-") as tmp:
        log = open_log(Path(tmp), "bench.example/log")
        sequencer = log.sequencer(max_batch=4096)
        statements = [read_statement(data) for data in files]
        tickets = sequencer.submit_many([s.head_bytes for s in statements])
        sequencer.run_until_empty()
        bundles = [
            json.dumps(
                make_bundle(log.reader, index=t.wait().index, head=s.head_bytes, body=s.body)
            ).encode()
            for s, t in zip(statements, tickets, strict=True)
        ]
        began = time.perf_counter()
        for bundle in bundles:
            verify_bundle(bundle, log.verifier)
        return len(bundles) / (time.perf_counter() - began)


def median_and_best(
    label: str, runs: list[tuple[float, float]]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The runs of median and of best rate, each (accepted/s, CPU us each), every run printed."""
    print(f"{label}: " + ", ".join(f"{rate:,.0f}/s ({cpu:.0f} us)" for rate, cpu in runs))
    ordered = sorted(runs)
    return ordered[len(ordered) // 2], ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--authors", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="request threads (default 2)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="worker processes (default: CPUs)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each path (median printed)")
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
    thread_runs = [accept_in_threads(files, args.threads) for _ in range(args.runs)]
    (accepted, accepted_cpu), threads_best = median_and_best("request threads", thread_runs)
    bundle_rate = bundle_verifications(files[:2000])

    with AcceptPool(args.workers) as pool:
        # Start the workers (spawned interpreters importing firsthand) before any clock.
        list(pool.read(files[: 4 * args.workers]))
        worker_runs = [accept_in_workers(files, pool) for _ in range(args.runs)]
    (accepted_by_workers, workers_cpu), workers_best = median_and_best(
        "worker processes", worker_runs
    )

    raw, raw_cpu = raw_verifies_per_second(args.count)
    raw_parallel = raw_verifies_threaded(args.count, args.threads)
    print(
        f"\nstatements benchmark, {args.count:,} statements by {args.authors} authors, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'':66}{'per second':>12}{'CPU us each':>13}")
    rows = [
        (f"accepted statements, {args.threads} request threads (full path, durable)", accepted),
        (
            f"accepted statements, {args.workers} worker processes (full path, durable)",
            accepted_by_workers,
        ),
        ("bundle verifications (two signatures and a proof)", bundle_rate),
        ("raw cryptography Ed25519 verifies, one thread", raw),
        (f"raw cryptography Ed25519 verifies, {args.threads} threads (the limit)", raw_parallel),
    ]
    cpu_each = [accepted_cpu, workers_cpu, None, raw_cpu, None]
    for (label, rate), cpu_us in zip(rows, cpu_each, strict=True):
        print(f"{label:66}{rate:>12,.0f}{'' if cpu_us is None else f'{cpu_us:13,.0f}'}")
    for label, (rate, cpu_us) in (
        (f"best of {args.runs} runs, request threads", threads_best),
        (f"best of {args.runs} runs, worker processes", workers_best),
    ):
        print(f"{label:66}{rate:>12,.0f}{cpu_us:13,.0f}")
    limit = f"{args.threads}-thread verification limit"
    print(
        f"request threads reach {accepted / raw_parallel:.0%} and worker processes "
        f"{accepted_by_workers / raw_parallel:.0%} of the {limit} (target: 10,000/s)"
    )
    cores = os.cpu_count() or 1
    print(
        f"CPU per accepted statement is {accepted_cpu / raw_cpu:.2f} (threads) and "
        f"{workers_cpu / raw_cpu:.2f} (workers) times one verification; at that cost "
        f"{cores} idle cores accept at most {cores * 1e6 / accepted_cpu:,.0f}/s and "
        f"{cores * 1e6 / workers_cpu:,.0f}/s"
    )
    print(
        f"a bundle costs two verifications, so its one-thread ceiling is {raw / 2:,.0f}/s "
        f"({bundle_rate / (raw / 2):.0%} reached)"
    )


if __name__ == "__main__":
    main()
