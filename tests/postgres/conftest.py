"""A real PostgreSQL for these tests: one throw-away cluster per session, one schema per log.

Skipped, with the reason, only where PostgreSQL's server programs are not
installed (scripts/system-deps.sh installs Debian's postgresql).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from tests.postgres.cluster import ClusterUnavailable, ThrowawayCluster

TEST_DATABASE = "firsthand_test"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[ThrowawayCluster]:
    try:
        cluster = ThrowawayCluster()
    except ClusterUnavailable as missing:
        pytest.skip(str(missing))
    with cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_database(postgres_cluster: ThrowawayCluster) -> str:
    """The URL of a database of the session's own."""
    return postgres_cluster.create_database(TEST_DATABASE)


@pytest.fixture(scope="session")
def new_postgres_log(
    postgres_cluster: ThrowawayCluster, postgres_database: str
) -> Callable[[], str]:
    """Makes the URL of an empty schema each call: a fresh log without a new database.

    Session-scoped, so property tests can ask for one per example.
    """
    numbers = itertools.count()

    def new() -> str:
        return postgres_cluster.create_schema(TEST_DATABASE, f"log_{next(numbers)}")

    return new


@pytest.fixture
def postgres_url(new_postgres_log: Callable[[], str]) -> str:
    """The URL of an empty log of this test's own."""
    return new_postgres_log()
