"""Rows and NOTIFY: the route to a sequencer on another machine, on PostgreSQL.

A web worker that cannot hand a statement to a sequencer on its own machine
(routes.py: ``RowsAndNotify``) stores the statement's row and ``NOTIFY``s
``PENDING``; `firsthand sequencer` logs the pending rows (sequence.py,
``sequence_pending_rows``), writes their indices and ``NOTIFY``s ``SEQUENCED``
with the ids of the rows it logged. The worker waits for its row's index
without polling: ``SequencedWaiter`` listens and wakes only the threads whose
rows were named.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

from firsthand.log.storage import StoredCheckpoint
from firsthand.publishing.rows import STATEMENTS_TABLE

PENDING = "firsthand_pending"  # a web worker stored a row: sequencer, wake up
SEQUENCED = "firsthand_sequenced"  # a batch is logged: waiting web workers, look again
_MAX_PAYLOAD = 7900  # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more


def row_ids_payload(ids: list[int]) -> str:
    """The ids of a logged batch as NOTIFY's payload: runs "first-last" and single ids.

    A waiting worker wakes only when its own row is named. A payload that would
    pass PostgreSQL's 8000-byte limit is sent empty, which wakes every waiter.
    """
    runs: list[str] = []
    ordered = sorted(ids)
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            runs.append(str(first) if first == last else f"{first}-{last}")
            start = i
    payload = ",".join(runs)
    return payload if len(payload) < _MAX_PAYLOAD else ""


def payload_row_ids(payload: str) -> set[int] | None:
    """The ids named by ``row_ids_payload``; None (everyone) for an empty or unreadable one."""
    ids: set[int] = set()
    try:
        for run in payload.split(","):
            first, _, last = run.partition("-")
            ids.update(range(int(first), int(last or first) + 1))
    except ValueError:
        return None
    return ids


def notify(channel: str, payload: str = "") -> None:
    """NOTIFY on the site's PostgreSQL connection (delivered when its transaction commits)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [channel, payload])


class SequencedWaiter:
    """Lets request threads wait for their row's index, woken by NOTIFY, not by polling.

    One listening connection per process. The sequencer's notification names
    the rows it logged (row_ids_payload). The listener looks up the indices of
    the rows waited for here in one query per notification, with the newest
    checkpoint, and wakes only their threads: a batch of a hundred costs one
    round trip, not two hundred. An empty payload wakes everyone. A one-second
    fallback, where a thread looks for itself, covers a notification that came
    while the listener was reconnecting.
    """

    def __init__(self, url: str, latest: Callable[[], StoredCheckpoint]) -> None:
        self._url = url
        self._latest = latest  # the log's newest checkpoint (process.log().reader.latest)
        self._lock = threading.Lock()
        self._waiting: dict[int, threading.Event] = {}
        self._found: dict[int, int] = {}  # row id -> index, looked up by the listener
        self._checkpoint: StoredCheckpoint | None = None  # newest the listener has read
        self._thread = threading.Thread(target=self._listen, name="firsthand-listen", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        import psycopg

        while True:
            try:
                with (
                    psycopg.connect(self._url, autocommit=True) as db,
                    psycopg.connect(self._url, autocommit=True) as lookup,
                ):
                    db.execute(f"LISTEN {SEQUENCED}")
                    for note in db.notifies():
                        self._wake(payload_row_ids(note.payload), lookup)
            except psycopg.Error:
                time.sleep(1)  # the database went away; waiters fall back to their timer

    def _wake(self, ids: set[int] | None, lookup: Any) -> None:
        with self._lock:
            if ids is None:
                wanted = list(self._waiting)
            elif len(ids) < len(self._waiting):
                wanted = [pk for pk in ids if pk in self._waiting]
            else:
                wanted = [pk for pk in self._waiting if pk in ids]
        if not wanted:
            return
        rows = lookup.execute(_INDICES_SQL, [wanted]).fetchall()
        checkpoint = self._latest()  # read after the rows: it holds them
        with self._lock:
            self._found.update((int(pk), int(index)) for pk, index in rows)
            self._checkpoint = checkpoint
            events = [self._waiting[pk] for pk in wanted if pk in self._waiting]
        for event in events:
            event.set()

    def checkpoint_holding(self, index: int) -> StoredCheckpoint | None:
        """The newest checkpoint the listener read, if it holds entry ``index``."""
        checkpoint = self._checkpoint
        return checkpoint if checkpoint is not None and checkpoint.size > index else None

    def wait_for_index(self, pk: int, timeout: float) -> int | None:
        """The row's index once the sequencer has logged it, or None after ``timeout``."""
        deadline = time.monotonic() + timeout
        logged = threading.Event()
        with self._lock:
            self._waiting[pk] = logged  # before the first look: no notification is missed
        try:
            index = _index_of(pk)
            while index is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                logged.wait(min(1.0, remaining))
                logged.clear()
                with self._lock:
                    index = self._found.pop(pk, None)
                if index is None:
                    index = _index_of(pk)  # the fallback timer, or a look the listener missed
            return index
        finally:
            with self._lock:
                self._waiting.pop(pk, None)
                self._found.pop(pk, None)


def _index_of(pk: int) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_INDEX_SQL, [pk])
        found = cursor.fetchone()
    return None if found is None or found[0] is None else int(found[0])


# PostgreSQL only (the waiter serves `firsthand sequencer`): written out, not compiled per call.
_TABLE = f'"{STATEMENTS_TABLE}"'
_INDEX_SQL = f'SELECT "index" FROM {_TABLE} WHERE id = %s'
_INDICES_SQL = f'SELECT id, "index" FROM {_TABLE} WHERE id = ANY(%s) AND "index" IS NOT NULL'
