"""Fuzz every parser of outside input for a fixed time: inputs per second and failures (must be 0).

    .venv/bin/python bench/fuzz.py [--seconds 20] [--engine mutations|atheris] [--jobs 1]

Targets and the mutator are in tests/fuzzing.py: notes, checkpoints, statements, bundles,
tlog-witness requests (the parser and the whole witness), split-view evidence. A failure is
any exception other than our own LogError; the first input of each kind is saved.

--engine mutations (the default): tests/fuzzing.py's mutations of valid seeds, in this process.
--engine atheris: coverage-guided (libFuzzer through atheris), each target in a process of its
own with firsthand.log and firsthand.statements instrumented as they are imported, the seeds
as its starting corpus. It prints executions, execs/s, the edges and features libFuzzer
counts, and failures; a failure stops that target and its input is saved (path printed).
Exit status 1 when any target failed.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from tests.fuzzing import Target

# What atheris instruments: every parser the targets reach is in these packages.
INSTRUMENTED = ["firsthand.log", "firsthand.statements"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per target")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", choices=("mutations", "atheris"), default="mutations")
    parser.add_argument("--jobs", type=int, default=1, help="atheris: targets fuzzed at once")
    parser.add_argument("--crashes", type=Path, help="where failing inputs are saved")
    parser.add_argument("--atheris-worker", metavar="TARGET", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.crashes or Path(tempfile.mkdtemp(prefix="firsthand-fuzz-crashes-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.atheris_worker:
        return atheris_worker(args.atheris_worker, args.seconds, out, args.seed)
    if args.engine == "atheris":
        return run_atheris(args.seconds, out, args.seed, args.jobs)
    return run_mutations(args.seconds, out, args.seed)


def run_mutations(seconds: float, out: Path, seed: int) -> int:
    from tests.fuzzing import mutate, run_one, targets

    print(f"{'target':<18}{'inputs':>12}{'inputs/s':>12}{'failures':>10}")
    total_failures = 0
    for target in targets():
        rng = random.Random(seed)
        runs = failures = 0
        seen: set[str] = set()
        deadline = time.perf_counter() + seconds
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
    return 1 if total_failures else 0


# ---- atheris: a process per target, libFuzzer's own report read back ----


@dataclass
class AtherisRun:
    name: str
    returncode: int
    executions: int
    seconds: float
    edges: int | None  # libFuzzer's "cov:", the instrumented edges reached
    features: int | None  # libFuzzer's "ft:"
    crash: Path | None  # the input that failed, as libFuzzer saved it
    report: str  # libFuzzer's output, for a failure's traceback

    @property
    def failed(self) -> bool:
        return self.returncode != 0

    def exception(self) -> str:
        """The uncaught exception's traceback (or the output's tail if the worker died)."""
        at = self.report.find("=== Uncaught Python exception: ===")
        if at >= 0:
            return self.report[at:].split("\n\n", 2)[0]
        return "\n".join(self.report.strip().splitlines()[-15:])


def fuzz_with_atheris(
    target: Target, seconds: float, crashes: Path, seed: int, work: Path | None = None
) -> None:
    """Run ``target`` under libFuzzer (atheris) for ``seconds``, starting from its seeds.

    The caller must already have imported the code under test inside
    ``atheris.instrument_imports``; libFuzzer exits the process when it is done.
    """
    import atheris  # type: ignore[import-untyped]

    from tests.fuzzing import run_one

    corpus = Path(tempfile.mkdtemp(prefix=f"firsthand-atheris-{target.name}-", dir=work))
    for i, data in enumerate(target.seeds):
        (corpus / f"seed-{i}").write_bytes(data)
    longest = max((len(s) for s in target.seeds), default=0)
    began: list[float] = []

    def one_input(data: bytes) -> None:
        if not began:
            began.append(time.monotonic())
        try:
            run_one(target, data)  # returns, or raises what is not our LogError
        except BaseException:
            # libFuzzer saves the input and ends the process; say how long it ran first.
            print(f"firsthand-fuzz: seconds {time.monotonic() - began[0]:.3f}", file=sys.stderr)
            raise

    libfuzzer = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={max(1, round(seconds))}",
        f"-seed={seed}",
        f"-max_len={max(4096, 2 * longest)}",  # room to grow: a parser's limits are past a seed
        "-timeout=20",  # one input that slow is a failure too (the parsers are linear)
        "-rss_limit_mb=2048",
        f"-artifact_prefix={crashes}/{target.name}-",
        "-print_final_stats=1",
    ]
    atheris.Setup(libfuzzer, one_input)
    atheris.Fuzz()


def atheris_worker(name: str, seconds: float, crashes: Path, seed: int) -> int:
    """The body of one atheris process: instrument the parsers, then fuzz one target."""
    import atheris

    if any(m == p or m.startswith(p + ".") for m in sys.modules for p in INSTRUMENTED):
        raise SystemExit("the parsers were imported before atheris could instrument them")
    with atheris.instrument_imports(include=INSTRUMENTED):
        from tests import fuzzing  # the first import of every parser the targets use
    by_name = {t.name: t for t in fuzzing.targets()}
    if name not in by_name:
        raise SystemExit(f"no fuzz target {name!r}; there are: {', '.join(by_name)}")
    fuzz_with_atheris(by_name[name], seconds, crashes, seed)
    return 0  # not reached: libFuzzer exits


def read_atheris_report(name: str, returncode: int, report: str, seconds: float) -> AtherisRun:
    """Read libFuzzer's report: the final stats, the last status line, any saved input."""
    executed = re.findall(r"stat::number_of_executed_units: *(\d+)", report)
    done = re.findall(r"Done (\d+) runs in (\d+) second", report)
    ran = re.findall(r"firsthand-fuzz: seconds ([0-9.]+)", report)
    coverage = re.findall(r"cov: (\d+) ft: (\d+)", report)
    written = re.findall(r"Test unit written to (\S+)", report)
    return AtherisRun(
        name=name,
        returncode=returncode,
        executions=int(executed[-1]) if executed else int(done[-1][0]) if done else 0,
        seconds=float(ran[-1]) if ran else float(done[-1][1]) if done else seconds,
        edges=int(coverage[-1][0]) if coverage else None,
        features=int(coverage[-1][1]) if coverage else None,
        crash=Path(written[-1]) if written else None,
        report=report,
    )


def start_atheris(
    name: str, seconds: float, crashes: Path, seed: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(Path(__file__).resolve()), "--atheris-worker", name]
    command += ["--seconds", str(seconds), "--crashes", str(crashes), "--seed", str(seed)]
    with log.open("wb") as sink:  # libFuzzer writes much: a file, never a pipe left unread
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)


def run_atheris(seconds: float, out: Path, seed: int, jobs: int) -> int:
    try:
        import atheris  # noqa: F401  (only to say so now, not in every worker)
    except ImportError as error:
        print(f"atheris cannot be imported ({error}): pip install atheris", file=sys.stderr)
        return 2
    from tests.fuzzing import targets

    names = [t.name for t in targets()]
    logs = Path(tempfile.mkdtemp(prefix="firsthand-atheris-logs-"))
    print(f"atheris, {seconds:g} s per target, instrumented: {', '.join(INSTRUMENTED)}")
    print(
        f"{'target':<18}{'executions':>12}{'execs/s':>10}{'edges':>8}{'features':>10}"
        f"{'failures':>10}"
    )
    waiting = list(names)
    running: dict[str, subprocess.Popen[bytes]] = {}
    finished: dict[str, AtherisRun] = {}
    printed = 0
    failures: list[AtherisRun] = []
    while waiting or running:
        while waiting and len(running) < max(1, jobs):
            name = waiting.pop(0)
            running[name] = start_atheris(name, seconds, out, seed, logs / f"{name}.txt")
        for name, process in list(running.items()):
            if process.poll() is None:
                continue
            del running[name]
            report = (logs / f"{name}.txt").read_text(errors="replace")
            finished[name] = read_atheris_report(name, process.returncode, report, seconds)
        while printed < len(names) and names[printed] in finished:  # in the targets' order
            run = finished[names[printed]]
            printed += 1
            rate = run.executions / run.seconds if run.seconds > 0 else 0.0
            edges = "-" if run.edges is None else f"{run.edges:,}"
            features = "-" if run.features is None else f"{run.features:,}"
            print(
                f"{run.name:<18}{run.executions:>12,}{rate:>10,.0f}{edges:>8}{features:>10}"
                f"{int(run.failed):>10}",
                flush=True,
            )
            if run.failed:
                failures.append(run)
        time.sleep(0.05)
    for run in failures:
        saved = f"input saved in {run.crash}" if run.crash else "no input saved"
        print(f"\n{run.name} failed (exit status {run.returncode}), {saved}:\n{run.exception()}")
    print(f"failures: {len(failures)}" + (f" (inputs kept in {out})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
