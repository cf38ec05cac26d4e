"""Test-wide setup: Django points at a throw-away data directory before anything imports it."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")
os.environ.setdefault("FIRSTHAND_DATA", tempfile.mkdtemp(prefix="firsthand-test-"))
os.environ.setdefault("FIRSTHAND_HOSTS", "testserver,127.0.0.1,localhost")


def _postgresql_for_the_whole_run() -> None:
    """FIRSTHAND_TEST_BACKEND=postgresql: the site, and every server the tests start, keep
    their statements and their log in a throw-away PostgreSQL cluster instead of SQLite."""
    import atexit

    from tests import serving
    from tests.postgres.cluster import ThrowawayCluster

    cluster = ThrowawayCluster()
    cluster.__enter__()
    atexit.register(cluster.__exit__, None, None, None)
    serving.SUITE_CLUSTER = cluster
    os.environ["FIRSTHAND_DATABASE_URL"] = cluster.create_database("firsthand_suite")


if os.environ.get("FIRSTHAND_TEST_BACKEND") == "postgresql":
    _postgresql_for_the_whole_run()

import django  # noqa: E402  (after the database is chosen)

django.setup()

if os.environ.get("FIRSTHAND_TEST_BACKEND") == "postgresql":
    # Django has read it. Subprocesses must not share this database: each server the tests
    # start gets one of its own (tests/serving.py database_for), as each has its own data.
    os.environ.pop("FIRSTHAND_DATABASE_URL")
