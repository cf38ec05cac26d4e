"""Every parser of outside input under coverage-guided fuzzing (atheris, libFuzzer), briefly.

The targets are tests/fuzzing.py's; bench/fuzz.py --engine atheris runs each in a process
of its own with firsthand.log and firsthand.statements instrumented. Here each runs for
3 seconds (two at a time), and the harness itself is shown to catch what it must catch.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip(
    "atheris", reason="atheris cannot be imported here (pip install atheris; CPython 3.8-3.11)"
)

from bench.fuzz import AtherisRun, read_atheris_report
from tests.fuzzing import targets

ROOT = Path(__file__).resolve().parents[1]


def test_no_parser_fails_under_a_short_coverage_guided_run(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "bench/fuzz.py"), "--engine", "atheris"]
    command += ["--seconds", "3", "--jobs", "2", "--crashes", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, f"a parser failed under atheris:\n{done.stdout}\n{done.stderr}"
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()[2:-1]}
    for target in targets():
        executions, _rate, edges, _features, failures = rows[target.name]
        assert int(executions.replace(",", "")) > 100, target.name
        assert int(edges.replace(",", "")) > 10, f"{target.name}: the parsers were not instrumented"
        assert failures == "0"
    assert not list(tmp_path.iterdir()), "an input was saved although no target failed"


def run_planted(tmp_path: Path, body: str) -> AtherisRun:
    """fuzz_with_atheris on a target defined here (``parse``, seeds ``SEEDS``), for 1 s."""
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, {root!r})
        from pathlib import Path
        from bench.fuzz import fuzz_with_atheris
        from firsthand.log.errors import LogError
        from tests.fuzzing import Target
        """
    ).format(root=str(ROOT))
    script += textwrap.dedent(body)
    script += "\nfuzz_with_atheris(Target('planted', SEEDS, parse), 1, Path(sys.argv[1]), 1)\n"
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return read_atheris_report("planted", done.returncode, done.stdout + done.stderr, 1.0)


def test_an_exception_other_than_ours_is_a_failure_and_its_input_is_saved(
    tmp_path: Path,
) -> None:
    run = run_planted(
        tmp_path,
        """
        SEEDS = (b"a statement", b"!")
        def parse(data):
            if data.startswith(b"!"):
                raise ValueError("a parser bug")
        """,
    )
    assert run.failed
    assert run.crash is not None and run.crash.parent == tmp_path
    assert run.crash.read_bytes().startswith(b"!")
    assert "ValueError: a parser bug" in run.exception()


def test_our_own_error_is_the_contract_not_a_failure(tmp_path: Path) -> None:
    run = run_planted(
        tmp_path,
        """
        SEEDS = (b"x",)
        def parse(data):
            raise LogError("this is not a note: " + repr(data[:8]))
        """,
    )
    assert not run.failed, run.report
    assert run.executions > 100
    assert run.crash is None and not list(tmp_path.iterdir())
