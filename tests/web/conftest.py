"""Web tests share one database: Django's tables are created once, in the test data directory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command

if TYPE_CHECKING:
    from firsthand.log.datadir import LogInstance
    from firsthand.log.sequencer import Sequencer


@pytest.fixture(scope="session")
def database() -> None:
    call_command("migrate", verbosity=0)


def forget_published_rows() -> None:
    """The web tests share one database but each module logs into a fresh log of its own:
    rows of another module's log mean nothing here (and would collide on index)."""
    from firsthand.publishing import listings
    from firsthand.web.api import models
    from firsthand.web.api.attribution_index import site_index
    from firsthand.web.pages import pagecache

    pagecache.clear()
    site_index().forget()  # it remembers which log indices it fed: those of the last log
    models.PublishedStatement.objects.update(withheld_by=None)
    models.PublishedStatement.objects.all().delete()
    models.AuthorLabel.objects.all().delete()
    listings.forget_listed_labels()


@contextmanager
def log_of_its_own(
    directory: Path, *, witnesses: list[str] | None = None, witness_timeout: float = 10.0
) -> Iterator[tuple[LogInstance, Sequencer]]:
    """A fresh log in ``directory`` that the site serves and sequences until the block ends.

    Each test module gets one, so tests that count entries or expect a log to start empty
    do not see another module's statements.
    """
    from django.conf import settings

    from firsthand.log.datadir import open_log
    from firsthand.publishing import process
    from firsthand.web import runtime

    log = open_log(directory)
    forget_published_rows()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process, "_log", log)
        patch.setattr(process, "_operator", None)
        patch.setattr(process, "_cosigned", None)
        if witnesses is not None:
            patch.setattr(settings, "FIRSTHAND_WITNESSES", witnesses)
        sequencer = runtime.start_sequencer(0.02, witness_timeout)
        try:
            yield log, sequencer
        finally:
            runtime.stop_sequencer()
    log.storage.close()
