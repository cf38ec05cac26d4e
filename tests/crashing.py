"""Kill `firsthand serve` with SIGKILL while statements pour in, restart it, and check nothing
was lost. Used small by tests/test_crash.py and at full size by bench/crash.py.

What is checked after the last restart (issue 8, "nothing lost"):
- every statement acknowledged with an index is in the log at that index;
- every checkpoint the server ever served verifies and is consistent with the final tree;
- the tiles, the entries and the statements table agree: the root rebuilt from every
  entry is the final checkpoint's, and every row's index holds that row's head;
- and none of it needed a manual step: the server was only started again.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from firsthand.log import merkle
from firsthand.log.checkpoint import open_checkpoint
from firsthand.log.datadir import DATABASE_NAME, open_log
from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from tests.serving import ROOT, database_for, free_port


@dataclass
class CrashRun:
    data: Path
    database: str | None = None  # a PostgreSQL URL, or None for the data directory's SQLite
    acknowledged: dict[int, bytes] = field(default_factory=dict)  # index -> head
    checkpoints: list[bytes] = field(default_factory=list)  # every note the server served
    kills: int = 0
    sequencer_kills: int = 0  # the sequencer child alone (serve --workers N)
    rounds_recovered: int = 0  # rounds where the sequencer started again acknowledged some
    refused: int = 0  # requests cut off by a kill (never acknowledged)
    errors: list[str] = field(default_factory=list)  # answers that are neither success nor 503
    lock: threading.Lock = field(default_factory=threading.Lock)


def _start(
    data: Path, port: int, database: str | None = None, options: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FIRSTHAND_POST_RATE_PER_MINUTE": "1000000",
    }
    if database is not None:
        env["FIRSTHAND_DATABASE_URL"] = database
    command = [sys.executable, "-m", "firsthand.cli", "serve", "--data", str(data)]
    with open(data.parent / f"{data.name}-server.log", "ab") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--period", "0.02", *options],
            stdout=log,
            stderr=log,
            env=env,
        )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/checkpoint", timeout=1).read()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"firsthand serve exited with {process.returncode}") from None
            time.sleep(0.05)
    raise RuntimeError("firsthand serve did not come back within 15 seconds")


def _statements(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    authors = [Signer.from_seed(f"crash{i}.example", rng.randbytes(32)) for i in range(8)]
    return [
        sign_statement(
            authors[i % len(authors)], f"Crash-test statement {seed}-{i}: the gathering of 2019.\n"
        ).file_bytes()
        for i in range(count)
    ]


def _submitter(run: CrashRun, port: int, files: list[bytes], stop: threading.Event) -> None:
    connection: http.client.HTTPConnection | None = None
    for data in files:
        if stop.is_set():
            return
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request(
                "POST", "/api/v1/statements", data, {"Content-Type": "text/plain; charset=utf-8"}
            )
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            with run.lock:
                run.refused += 1
            return  # the server is gone: this round is over for this thread
        if response.status in (200, 201):
            answer = json.loads(body)
            with run.lock:
                run.acknowledged[answer["index"]] = answer["leaf_hash"].encode()
        elif response.status != 503:
            with run.lock:
                run.errors.append(f"the server answered {response.status}: {body[:300]!r}")


def _watch_checkpoints(run: CrashRun, port: int, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            note = urllib.request.urlopen(f"http://127.0.0.1:{port}/checkpoint", timeout=2).read()
        except (OSError, http.client.HTTPException):  # the server was killed, maybe mid-answer
            return
        with run.lock:
            run.checkpoints.append(note)
        time.sleep(0.05)


def crash_repeatedly(
    data: Path,
    *,
    kills: int,
    per_round: int,
    threads: int = 2,
    seed: int = 1,
    database: str | None = None,
    options: tuple[str, ...] = (),
    kill_sequencer_first: bool = False,
    progress: Callable[[int], None] = lambda _: None,
) -> CrashRun:
    """Start, load, SIGKILL at a random moment; ``kills`` times. Returns what was acknowledged.

    ``options`` go to `firsthand serve`. With ``kill_sequencer_first`` (for --workers N),
    each round first kills the sequencer child alone, which the server starts again
    while statements keep coming, and then the server with everything in it.
    """
    run = CrashRun(data, database or database_for(data))
    rng = random.Random(seed)
    port = free_port()
    for round_number in range(kills):
        files = _statements(per_round * threads, seed * 100_000 + round_number)
        process = _start(data, port, run.database, options)
        stop = threading.Event()
        workers = [
            threading.Thread(
                target=_submitter, args=(run, port, files[i::threads], stop), daemon=True
            )
            for i in range(threads)
        ]
        workers.append(
            threading.Thread(target=_watch_checkpoints, args=(run, port, stop), daemon=True)
        )
        for worker in workers:
            worker.start()
        time.sleep(rng.uniform(0.05, 0.6))
        if kill_sequencer_first:
            try:
                sequencer = sequencer_child(process.pid)
            except BaseException:
                process.kill()  # no server of ours may outlive a failed test
                raise
            os.kill(sequencer, signal.SIGKILL)
            run.sequencer_kills += 1
            with run.lock:
                before = len(run.acknowledged)
            # Until the sequencer the server starts again has acknowledged something (the
            # workers' requests wait for it), then a moment more before the server goes too.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with run.lock:
                    if len(run.acknowledged) > before:
                        run.rounds_recovered += 1
                        break
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.5))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        run.kills += 1
        stop.set()
        for worker in workers:
            worker.join(15)
        progress(round_number + 1)
    return run


def sequencer_child(server: int) -> int:
    """The pid of the `firsthand sequencer` that `firsthand serve --workers N` started."""
    for _ in range(200):
        # Any thread's children: the server starts its sequencer from a thread of its own.
        for task in Path(f"/proc/{server}/task").iterdir():
            for child in (task / "children").read_text().split():
                command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                if b"sequencer" in command:
                    return int(child)
        time.sleep(0.05)
    tasks = {t.name: (t / "children").read_text() for t in Path(f"/proc/{server}/task").iterdir()}
    raise RuntimeError(f"firsthand serve (process {server}) has no sequencer child: {tasks}")


def _rows(run: CrashRun) -> list[tuple[str, int | None]]:
    """(leaf hash, index) of every row of the statements table."""
    query = 'SELECT leaf_hash, "index" FROM api_publishedstatement'
    if run.database is None:
        with sqlite3.connect(run.data / DATABASE_NAME) as db:
            return list(db.execute(query))
    import psycopg

    with psycopg.connect(run.database) as db:
        return [(leaf, index) for leaf, index in db.execute(query)]


def check_nothing_lost(run: CrashRun) -> int:
    """Restart once more, then check everything the module docstring lists; returns the size."""
    port = free_port()
    process = _start(run.data, port, run.database)
    try:
        note = urllib.request.urlopen(f"http://127.0.0.1:{port}/checkpoint", timeout=5).read()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    log = open_log(run.data, database=run.database)
    try:
        final, _ = open_checkpoint(note, log.verifier)
        entries = log.storage.read_entries(0, final.size)
        leaves = [merkle.leaf_hash(e) for e in entries]
        assert merkle.root_from_leaf_hashes(leaves) == final.root_hash, (
            "the entries do not hash to the final checkpoint's root"
        )
        assert log.reader.tree_hash(final.size) == final.root_hash, "the tiles disagree"
        for index, leaf_hex in run.acknowledged.items():
            assert index < final.size, f"acknowledged index {index} is past the final tree"
            assert leaves[index].hex() == leaf_hex.decode(), f"entry {index} is not what we sent"
        for served in run.checkpoints:
            old, _ = open_checkpoint(served, log.verifier)
            if old.size:
                proof = log.reader.consistency_proof(old.size, final.size)
                merkle.verify_consistency(
                    old.size, final.size, old.root_hash, final.root_hash, proof
                )
        for leaf_hex, index in _rows(run):
            assert index is not None, "a stored statement was left without its log index"
            assert leaves[index].hex() == leaf_hex, f"row for index {index} is not that entry"
        return final.size
    finally:
        log.storage.close()
