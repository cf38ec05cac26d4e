"""Erasing a withheld body from the database's files, not only from its rows.

Setting a row's body to "" is not enough on SQLite. The old bytes stay:

- in the free space of the page that held the row, and in freed overflow pages,
  until SQLite happens to reuse them (unless ``secure_delete`` is on, which
  overwrites deleted content with zeros);
- in the full-text index (FTS5), whose "delete" only adds a tombstone: the
  body's words stay in the older segments until they are merged;
- in the write-ahead log (``firsthand.sqlite3-wal``), which holds the pages
  as they were written, body and all, until a checkpoint copies them back and
  the file is truncated. Our WAL is checkpointed beside the sequencer without
  truncation (log/storage.py), so its frames would only be overwritten later.

So a withholding runs its UPDATE with ``secure_delete`` on, merges the search
index into one segment (``optimize``, which drops the tombstoned entries and
frees, and so zeroes, the old segments), and then checkpoints the WAL with
TRUNCATE. A TRUNCATE checkpoint waits for readers still on an older snapshot;
if they keep it busy, it is tried again later (``truncate_pending``, which the
leftovers sweeper calls on its schedule).

The cost is that of rewriting the search index, which grows with the log: a
fraction of a second for thousands of statements, tens of seconds for
millions (writers wait meanwhile). Withholdings are rare.

On PostgreSQL the old row version stays until VACUUM, and in the server's WAL
segments and archives: docs/deploy.md says what to do there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from firsthand.publishing.group_commit import site_write_lock

logger = logging.getLogger(__name__)

TRUNCATE_TRIES = 50
TRUNCATE_PAUSE = 0.1
_pending = threading.Event()


@contextmanager
def erasing() -> Iterator[None]:
    """Around the UPDATE that empties withheld bodies: afterwards none of their bytes is in
    any file of the SQLite database (the search index and the WAL included)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete=ON")  # this connection's, for what follows
    yield
    with site_write_lock(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO statement_search(statement_search) VALUES ('optimize')")
    if not truncate_wal():
        _pending.set()


def truncate_wal(tries: int = TRUNCATE_TRIES) -> bool:
    """Copy the whole WAL into the database and truncate it to nothing; False if readers
    kept it busy through every try."""
    for attempt in range(tries):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
        if not busy:
            return True
        time.sleep(TRUNCATE_PAUSE * min(attempt + 1, 5))
    logger.warning("the WAL could not be truncated after a withholding; trying again later")
    return False


def truncate_pending() -> None:
    """Truncate the WAL now if a withholding could not (the sweeper's schedule calls this)."""
    if _pending.is_set() and connection.vendor == "sqlite" and truncate_wal(tries=3):
        _pending.clear()
