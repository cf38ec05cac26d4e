"""Crash test at full size: SIGKILL `firsthand serve` many times under a continuous load of
signed statements, restart it each time, and check that nothing acknowledged was lost.

    .venv/bin/python bench/crash.py [--kills 60] [--per-round 400] [--workers 2]

The checks are those of tests/crashing.py (acknowledged indices, every served checkpoint
consistent with the final tree, tiles = entries = statements table, no manual repair).
`--postgresql` runs the server over a throw-away PostgreSQL cluster (tests/postgres/cluster.py)
through FIRSTHAND_DATABASE_URL instead of the data directory's SQLite file. `--workers N`
runs `firsthand serve --workers N`, and each round first kills its sequencer child alone
(which the server starts again while statements keep coming), then the whole server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.crashing import check_nothing_lost, crash_repeatedly
from tests.postgres.cluster import ThrowawayCluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--per-round", type=int, default=400, help="statements per thread")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--postgresql", action="store_true", help="a throw-away PostgreSQL")
    parser.add_argument(
        "--workers", type=int, default=1, help="serve --workers N; kills the sequencer child too"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firsthand-crash-") as tmp, ExitStack() as stack:
        database = None
        if args.postgresql:
            cluster = stack.enter_context(ThrowawayCluster())
            database = cluster.create_database("firsthand_crash")
        began = time.perf_counter()
        with tqdm(total=args.kills, desc="SIGKILLs", unit="kill") as bar:
            run = crash_repeatedly(
                Path(tmp) / "data",
                kills=args.kills,
                per_round=args.per_round,
                threads=args.threads,
                database=database,
                options=("--workers", str(args.workers)) if args.workers > 1 else (),
                kill_sequencer_first=args.workers > 1,
                progress=lambda n: bar.update(1),
            )
        size = check_nothing_lost(run)
        elapsed = time.perf_counter() - began
    backend = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"\ncrash benchmark ({backend}), {args.threads} submitting threads")
    print(f"{'SIGKILLs of firsthand serve':<56}{run.kills:>10,}")
    if args.workers > 1:
        alone = run.sequencer_kills
        print(f"{'SIGKILLs of its sequencer alone (serve --workers)':<56}{alone:>10,}")
        recovered = run.rounds_recovered
        print(f"{'  rounds where the sequencer started again took more':<56}{recovered:>10,}")
    print(f"{'statements acknowledged with an index':<56}{len(run.acknowledged):>10,}")
    print(f"{'requests cut off by a kill (never acknowledged)':<56}{run.refused:>10,}")
    print(f"{'checkpoints served and checked for consistency':<56}{len(run.checkpoints):>10,}")
    print(f"{'entries in the final log':<56}{size:>10,}")
    print(f"{'answers other than success (must be 0)':<56}{len(run.errors):>10,}")
    print(f"{'wall time (s)':<56}{elapsed:>10.1f}")
    print("result: nothing acknowledged was lost" if not run.errors else run.errors[:3])


if __name__ == "__main__":
    main()
