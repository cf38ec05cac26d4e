"""The log on PostgreSQL beside the log on SQLite: appends and proofs, same entries, same code.

    .venv/bin/python bench/log_pg.py [--size 100000] [--entry-bytes 400] [--proofs 20000]

Both run the real sequencer path (pool, batch, one transaction with entries,
tiles and a signed checkpoint) and the real reader. PostgreSQL is a
throw-away cluster of Debian's server (tests/postgres/cluster.py) on a Unix
socket, kept durable as PostgreSQL ships (fsync, synchronous_commit on), as
SQLite runs with synchronous=FULL. The roots are compared as a cross-check.
Figures are printed, never asserted: read the ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from firsthand.log.note import Signer  # noqa: E402
from firsthand.log.reader import LogReader  # noqa: E402
from firsthand.log.sequencer import Sequencer  # noqa: E402
from firsthand.log.storage import LogStorage, SQLiteStorage  # noqa: E402
from firsthand.log.storage_pg import PostgresStorage  # noqa: E402
from tests.postgres.cluster import ThrowawayCluster  # noqa: E402

# bench/log.py's measures, so both benchmarks measure the same way.
_spec = importlib.util.spec_from_file_location("bench_log", ROOT / "bench" / "log.py")
assert _spec is not None and _spec.loader is not None
bench_log = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_log)


class OnStorage(bench_log.Ours):  # type: ignore[misc, name-defined]
    """bench/log.py's firsthand log, over any storage."""

    def __init__(self, name: str, storage: LogStorage, signer: Signer, cached_tiles: int) -> None:
        self.name = name
        self.storage = storage
        self.sequencer = Sequencer(storage, signer, max_batch=4096)
        self.reader = LogReader(storage, cached_tiles=cached_tiles)


def measure(log: OnStorage, size: int, entry_bytes: int, proofs: int) -> dict[str, float]:
    r: dict[str, float] = {}
    r[f"build to {size:,} (appends/s, batch 4096)"] = bench_log.build(log, size, entry_bytes)
    figures = bench_log.proof_rates(log, proofs, entry_bytes)
    for batch, total in ((1, 200), (256, 256 * 20), (4096, 4096 * 5)):
        r[f"appends/s at batch {batch}"] = bench_log.append_rate(log, batch, total, entry_bytes)
    r.update(figures)
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--entry-bytes", type=int, default=400)
    parser.add_argument("--proofs", type=int, default=20_000)
    parser.add_argument("--cached-tiles", type=int, default=4096)
    args = parser.parse_args()

    signer = Signer.generate("bench.example/log")
    results: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="firsthand-bench-") as tmp,
        ThrowawayCluster(durable=True) as cluster,
    ):
        logs = [
            OnStorage(
                "PostgreSQL",
                PostgresStorage(cluster.create_database("bench")),
                signer,
                args.cached_tiles,
            ),
            OnStorage(
                "SQLite", SQLiteStorage(Path(tmp) / "log.sqlite3"), signer, args.cached_tiles
            ),
        ]
        for log in logs:
            results[log.name] = measure(log, args.size, args.entry_bytes, args.proofs)
            print(f"{log.name}: done", file=sys.stderr)
        postgres, sqlite = logs
        same = postgres.root() == sqlite.root() and postgres.size() == sqlite.size()
        print(f"cross-check: roots at size {postgres.size():,} {'agree' if same else 'DIFFER'}")
        for log in logs:
            log.storage.close()

    names = list(results)
    print(
        f"\nlog storage benchmark, {args.size:,} entries of {args.entry_bytes} bytes, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'measure':44}" + "".join(f"{n:>14}" for n in names) + f"{'ratio':>10}")
    for key in results[names[0]]:
        a, b = results[names[0]][key], results[names[1]][key]
        ratio = b / a if "µs" in key else a / b
        print(
            f"{key:44}" + "".join(f"{results[n][key]:>14,.1f}" for n in names) + f"{ratio:>9,.2f}×"
        )
    print("ratio: PostgreSQL against SQLite (above 1: PostgreSQL is faster)")


if __name__ == "__main__":
    main()
