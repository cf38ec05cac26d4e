"""Nothing lost: `firsthand serve` killed with SIGKILL at random moments while statements
pour in, restarted each time with no manual step (bench/crash.py runs it at full size)."""

from __future__ import annotations

from pathlib import Path

from tests.crashing import check_nothing_lost, crash_repeatedly


def test_statements_acknowledged_before_sigkills_are_all_in_the_log(tmp_path: Path) -> None:
    run = crash_repeatedly(tmp_path / "data", kills=12, per_round=150)
    assert run.kills == 12
    assert not run.errors, run.errors[:3]
    assert run.acknowledged, "no statement was acknowledged: the test proved nothing"
    assert run.refused, "no request was cut off by a kill: the kills came too late"
    size = check_nothing_lost(run)
    assert size >= len(run.acknowledged)


def test_nothing_lost_with_two_workers_and_a_sequencer_killed_alone(tmp_path: Path) -> None:
    """`firsthand serve --workers 2`: each round SIGKILLs the sequencer child (the server
    starts it again), then the whole server. The workers hand statements over the intake
    socket, on either database (on PostgreSQL, the rows-and-NOTIFY way's sequencer is
    killed by tests/postgres/test_sequencer_process.py)."""
    run = crash_repeatedly(
        tmp_path / "data", kills=5, per_round=400, options=("--workers", "2"),
        kill_sequencer_first=True, seed=2,
    )  # fmt: skip
    assert run.kills == 5 and run.sequencer_kills == 5
    assert run.rounds_recovered == 5, "a sequencer started again acknowledged nothing"
    assert not run.errors, run.errors[:3]
    assert run.acknowledged, "no statement was acknowledged: the test proved nothing"
    size = check_nothing_lost(run)
    assert size >= len(run.acknowledged)
