"""Fuzz every parser of outside input for a fixed time: inputs per second and failures (must be 0).

    .venv/bin/python bench/fuzz.py [--seconds 20]

Targets and the mutator are in tests/fuzzing.py: notes, checkpoints, statements, bundles,
tlog-witness requests (the parser and the whole witness), split-view evidence. A failure is
any exception other than our own LogError; the first input of each kind is saved.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzing import mutate, run_one, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per target")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="firsthand-fuzz-crashes-"))
    print(f"{'target':<18}{'inputs':>12}{'inputs/s':>12}{'failures':>10}")
    total_failures = 0
    for target in targets():
        rng = random.Random(args.seed)
        runs = failures = 0
        seen: set[str] = set()
        deadline = time.perf_counter() + args.seconds
        began = time.perf_counter()
        while time.perf_counter() < deadline:
            data = (
                mutate(rng.choice(target.seeds), rng)
                if rng.random() < 0.9
                else rng.randbytes(rng.randrange(256))
            )
            runs += 1
            try:
                run_one(target, data)
            except Exception as error:  # the contract is broken: keep the input
                failures += 1
                kind = f"{type(error).__name__}"
                if kind not in seen:
                    seen.add(kind)
                    (out / f"{target.name}-{kind}.bin").write_bytes(data)
                    traceback.print_exc()
        rate = runs / (time.perf_counter() - began)
        total_failures += failures
        print(f"{target.name:<18}{runs:>12,}{rate:>12,.0f}{failures:>10,}")
    print(f"failures: {total_failures}" + (f" (inputs kept in {out})" if total_failures else ""))


if __name__ == "__main__":
    main()
