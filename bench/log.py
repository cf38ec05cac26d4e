"""Log benchmark: appends, proofs and verification at a million entries, beside pymerkle.

    .venv/bin/python bench/log.py [--size 1000000] [--entry-bytes 400]

Both logs get the same entries (statement-head-sized, unique) and keep them
in a durable SQLite file: ours through the real sequencer path (pool, batch,
one transaction with tiles and a signed checkpoint, synchronous=FULL);
pymerkle through its SqliteTree. The roots are compared as a cross-check,
since both hash by RFC 6962. Figures are printed, never asserted: the
machines are shared and noisy, so read the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firsthand.log import merkle
from firsthand.log.note import Signer
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import Sequencer
from firsthand.log.storage import SQLiteStorage

_PAD = bytes(range(256)) * 256


def make_entries(start: int, count: int, size: int) -> list[bytes]:
    """Unique, deterministic entries: entry i is the same bytes every time it is made."""
    return [i.to_bytes(8, "big") + _PAD[: size - 8] for i in range(start, start + count)]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


class Ours:
    name = "firsthand"

    def __init__(self, directory: Path, cached_tiles: int) -> None:
        self.storage = SQLiteStorage(directory / "firsthand.sqlite3")
        self.sequencer = Sequencer(
            self.storage, Signer.generate("bench.example/log"), max_batch=4096
        )
        self.reader = LogReader(self.storage, cached_tiles=cached_tiles)

    def append_batch(self, entries: list[bytes]) -> None:
        self.sequencer.max_batch = len(entries)
        futures = [self.sequencer.submit(e) for e in entries]
        self.sequencer.integrate_once()
        futures[-1].wait()

    def root(self) -> bytes:
        return self.reader.tree_hash(self.sequencer.size)

    def size(self) -> int:
        return self.sequencer.size

    def prove_inclusion(self, index: int, size: int) -> object:
        return self.reader.inclusion_proof(index, size)

    def prove_consistency(self, old: int, new: int) -> object:
        return self.reader.consistency_proof(old, new)

    def verify_inclusion(
        self, index: int, size: int, entry: bytes, proof: object, root: bytes
    ) -> None:
        merkle.verify_inclusion(index, size, merkle.leaf_hash(entry), proof, root)  # type: ignore[arg-type]


class Peer:
    name = "pymerkle"

    def __init__(self, directory: Path) -> None:
        from pymerkle import SqliteTree

        self.tree = SqliteTree(str(directory / "pymerkle.sqlite3"))

    def append_batch(self, entries: list[bytes]) -> None:
        self.tree.append_entries(entries)  # one transaction per call

    def root(self) -> bytes:
        return bytes(self.tree.get_state())

    def size(self) -> int:
        return int(self.tree.get_size())

    def prove_inclusion(self, index: int, size: int) -> object:
        return self.tree.prove_inclusion(index + 1, size)  # pymerkle counts from 1

    def prove_consistency(self, old: int, new: int) -> object:
        return self.tree.prove_consistency(old, new)

    def verify_inclusion(
        self, index: int, size: int, entry: bytes, proof: object, root: bytes
    ) -> None:
        from pymerkle import verify_inclusion

        verify_inclusion(self.tree.hash_buff(entry), root, proof)


def build(log: Ours | Peer, size: int, entry_bytes: int) -> float:
    """Fill the log to ``size`` in batches of 4,096; return appends/s."""
    batch = 4096
    elapsed = 0.0
    with tqdm(total=size, desc=f"building {log.name}", unit="entry", leave=False) as bar:
        done = log.size()
        while done < size:
            n = min(batch, size - done)
            entries = make_entries(done, n, entry_bytes)
            elapsed += timed(lambda entries=entries: log.append_batch(entries))
            done += n
            bar.update(n)
    return rate(size, elapsed)


def append_rate(log: Ours | Peer, batch: int, total: int, entry_bytes: int) -> float:
    start = log.size()
    elapsed = 0.0
    for offset in range(0, total, batch):
        entries = make_entries(start + offset, batch, entry_bytes)
        elapsed += timed(lambda entries=entries: log.append_batch(entries))
    return rate(total, elapsed)


def proof_rates(log: Ours | Peer, count: int, entry_bytes: int) -> dict[str, float]:
    size = log.size()
    rng = random.Random(7)
    indexes = [rng.randrange(size) for _ in range(count)]
    olds = [rng.randrange(1, size) for _ in range(count)]
    inclusion = timed(lambda: [log.prove_inclusion(i, size) for i in indexes])
    # A serving process is warm: the same random indexes again, with tiles now cached.
    warm = timed(lambda: [log.prove_inclusion(i, size) for i in indexes])
    consistency = timed(lambda: [log.prove_consistency(m, size) for m in olds])
    root = log.root()
    sample = indexes[: min(count, 2000)]
    proofs = [(i, log.prove_inclusion(i, size)) for i in sample]
    pad_entry = {i: make_entries(i, 1, entry_bytes)[0] for i in sample}
    verify_times = []
    for i, proof in proofs:
        began = time.perf_counter()
        log.verify_inclusion(i, size, pad_entry[i], proof, root)
        verify_times.append(time.perf_counter() - began)
    return {
        "inclusion proofs/s (cold cache)": rate(count, inclusion),
        "inclusion proofs/s (warm cache)": rate(count, warm),
        "consistency proofs/s": rate(count, consistency),
        "verify one proof (µs)": statistics.median(verify_times) * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--entry-bytes", type=int, default=400)
    parser.add_argument("--proofs", type=int, default=20_000)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument(
        "--cached-tiles",
        type=int,
        default=4096,
        help="tiles the reader caches (4,096 by default, 64 MiB; 1M entries have 3,907 at level 0)",
    )
    args = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="firsthand-bench-") as tmp:
        logs: list[Ours | Peer] = [Ours(Path(tmp), args.cached_tiles)]
        if not args.skip_peer:
            logs.append(Peer(Path(tmp)))
        for log in logs:
            r: dict[str, float] = {}
            r[f"build to {args.size:,} (appends/s, batch 4096)"] = build(
                log, args.size, args.entry_bytes
            )
            figures = proof_rates(log, args.proofs, args.entry_bytes)
            for batch, total in ((1, 200), (256, 256 * 20), (4096, 4096 * 10)):
                r[f"appends/s at batch {batch}"] = append_rate(log, batch, total, args.entry_bytes)
            r.update(figures)
            results[log.name] = r
            print(f"{log.name}: done", file=sys.stderr)
        if len(logs) == 2:
            ours, peer = logs
            same = ours.root() == peer.root()
            print(f"cross-check: roots at size {ours.size():,} {'agree' if same else 'DIFFER'}")

    names = list(results)
    keys = list(results[names[0]])
    print(
        f"\nlog benchmark, {args.size:,} entries of {args.entry_bytes} bytes, "
        f"{os.cpu_count()} cores"
    )
    header = f"{'measure':44}" + "".join(f"{n:>14}" for n in names)
    if len(names) == 2:
        header += f"{'ratio':>10}"
    print(header)
    for key in keys:
        row = f"{key:44}" + "".join(f"{results[n][key]:>14,.1f}" for n in names)
        if len(names) == 2:
            a, b = results[names[0]][key], results[names[1]][key]
            better = b / a if "µs" in key else a / b
            row += f"{better:>9,.1f}×"
        print(row)
    print("ratio: how many times better firsthand is (higher rate, or lower time)")


if __name__ == "__main__":
    main()
