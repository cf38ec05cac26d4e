"""Web tests share one database: Django's tables are created once, in the test data directory."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def database() -> None:
    call_command("migrate", verbosity=0)


def forget_published_rows() -> None:
    """The web tests share one database but each module logs into a fresh log of its own:
    rows of another module's log mean nothing here (and would collide on index)."""
    from firsthand.web.api.models import PublishedStatement
    from firsthand.web.pages import pagecache

    pagecache.clear()
    PublishedStatement.objects.update(withheld_by=None)
    PublishedStatement.objects.all().delete()
