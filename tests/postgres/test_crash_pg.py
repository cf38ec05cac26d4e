"""Nothing lost on PostgreSQL either: `firsthand serve` over FIRSTHAND_DATABASE_URL, killed
with SIGKILL at random moments under load, restarted with no manual step."""

from __future__ import annotations

from pathlib import Path

from tests.crashing import check_nothing_lost, crash_repeatedly
from tests.postgres.cluster import ThrowawayCluster


def test_statements_acknowledged_before_sigkills_are_all_in_the_postgresql_log(
    tmp_path: Path, postgres_cluster: ThrowawayCluster
) -> None:
    database = postgres_cluster.create_database("firsthand_crash")
    run = crash_repeatedly(tmp_path / "data", kills=8, per_round=150, database=database)
    assert not run.errors, run.errors[:3]
    assert run.acknowledged and run.refused
    assert check_nothing_lost(run) >= len(run.acknowledged)
