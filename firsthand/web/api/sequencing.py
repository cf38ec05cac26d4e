"""Giving stored statements their log index, in batches, here or in another process.

A statement's row is saved before its head is logged (publish.record_statement).
``sequence_pending`` logs the heads of rows still without an index and writes
their indices back. It runs:

- at the start of ``firsthand serve``, for rows a crash left behind;
- in a loop in ``firsthand sequencer``, the one process that sequences for any
  number of web workers on PostgreSQL. Web workers store the row, ``NOTIFY``
  the sequencer, and wait for the index without polling: ``LISTEN`` wakes them
  when a batch is logged (``SequencedWaiter``).

The log itself never holds an entry twice: a head already logged gets its
first index back from the sequencer (``duplicate``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import connection

from firsthand.log.sequencer import Sequencer
from firsthand.web.api.models import PublishedStatement

PENDING = "firsthand_pending"  # a web worker stored a row: sequencer, wake up
SEQUENCED = "firsthand_sequenced"  # a batch is logged: waiting web workers, look again
BATCH = 4096


def sequence_pending(sequencer: Sequencer, limit: int = BATCH) -> int:
    """Log the heads of up to ``limit`` rows without an index; return how many."""
    from firsthand.web.api.publish import withhold_named, write_indices  # publish imports us

    rows = list(PublishedStatement.objects.filter(index__isnull=True).order_by("pk")[:limit])
    tickets = sequencer.submit_many([row.head.encode("utf-8") for row in rows])
    write_indices(
        [(row.pk, ticket.wait(60).index) for row, ticket in zip(rows, tickets, strict=True)]
    )
    for row in rows:
        if row.kind == "withholding":
            withhold_named(row)
    return len(rows)


def notify(channel: str, payload: str = "") -> None:
    """NOTIFY on the site's PostgreSQL connection (delivered when its transaction commits)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [channel, payload])


class SequencedWaiter:
    """Lets request threads wait for their row's index, woken by NOTIFY, not by polling.

    One listening connection per process. A notification wakes every waiter,
    which looks at its own row once; a one-second fallback covers a
    notification that came while the listener was reconnecting.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._listen, name="firsthand-listen", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        import psycopg

        while True:
            try:
                with psycopg.connect(self._url, autocommit=True) as db:
                    db.execute(f"LISTEN {SEQUENCED}")
                    for _ in db.notifies():
                        with self._changed:
                            self._changed.notify_all()
            except psycopg.Error:
                time.sleep(1)  # the database went away; waiters fall back to their timer

    def wait_for_index(self, pk: int, timeout: float) -> int | None:
        """The row's index once the sequencer has logged it, or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            index: Any = (
                PublishedStatement.objects.filter(pk=pk).values_list("index", flat=True).first()
            )
            remaining = deadline - time.monotonic()
            if index is not None or remaining <= 0:
                return None if index is None else int(index)
            with self._changed:
                self._changed.wait(min(1.0, remaining))
