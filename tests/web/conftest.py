"""Web tests share one database: Django's tables are created once, in the test data directory."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def database() -> None:
    call_command("migrate", verbosity=0)
