"""Group commit: the writes of many request threads in one durable transaction.

Each published statement needs two database writes of its own: its row before
its head is logged, and its index after. Committed one request at a time,
every write pays its own fsync, and on SQLite the commits queue behind one
write lock: that, not checking signatures, was what held publishing to tens
of statements a second.

``GroupCommit.run`` queues a thread's item; the first thread to find no
write in progress becomes the leader, takes every item queued so far and
writes them together with ``write_many`` in one transaction on its own
connection, then hands each waiting thread its own result. While one group
is being written the next one gathers, so under load a commit covers as many
items as arrived during the last one, and with a single writer it costs
nothing extra (the same idea as PostgreSQL's and MySQL's group commit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar

from django.conf import settings

from firsthand.log.storage import write_lock

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Slot(Generic[Item, Result]):
    __slots__ = ("done", "error", "item", "result", "turn")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None
        # Released once, by the leader: when the item is written, or when this thread is
        # to lead the next group. A bare lock is the cheapest thing a thread can sleep on.
        self.turn = threading.Lock()
        self.turn.acquire()


class GroupCommit(Generic[Item, Result]):
    """Runs ``write_many(items)`` (one result per item, in order) for groups of threads.

    One thread at a time leads: it writes every item queued so far as one group,
    wakes each of their threads, and hands the lead to the oldest thread still
    queued, if any. The others sleep on their own slot until the leader wakes
    them. (They used to queue on one lock for the lead instead, each to find on
    its turn that its item was written: with 64 threads a process, that chain of
    hand-offs through the GIL made a row's store take 100 ms for an 8 ms write.)
    """

    def __init__(
        self, write_many: Callable[[Sequence[Item]], Sequence[Result]], max_group: int = 1024
    ) -> None:
        self._write_many = write_many
        self._max_group = max_group
        self._queue_lock = threading.Lock()
        self._queue: list[_Slot[Item, Result]] = []
        self._leading = False  # whether a thread is writing or about to write, under _queue_lock
        self.groups = 0  # how many transactions, for benchmarks and tests
        self.items = 0

    def run(self, item: Item) -> Result:
        """Write ``item`` with whatever else is waiting; its result once durable.

        If the group's transaction fails, every thread of the group gets its error.
        """
        slot: _Slot[Item, Result] = _Slot(item)
        with self._queue_lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.turn.acquire()  # written, or handed the lead
        if not slot.done:
            self._lead()
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set with done, unless error

    def _lead(self) -> None:
        """Write the queued groups, this thread's own among them, then hand the lead on."""
        with self._queue_lock:
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
        try:
            results = self._write_many([slot.item for slot in group])
            if len(results) != len(group):
                raise RuntimeError("write_many must return one result per item")
        except BaseException as error:  # every waiter of the group must learn of it
            for slot in group:
                slot.error = error
                slot.done = True
        else:
            for slot, result in zip(group, results, strict=True):
                slot.result = result
                slot.done = True
            self.groups += 1
            self.items += len(group)
        with self._queue_lock:
            successor = self._queue[0] if self._queue else None
            self._leading = successor is not None
        if successor is not None:
            successor.turn.release()  # not done: it leads the next group
        for slot in group[1:]:
            slot.turn.release()  # the first is this thread's own (it queued before the rest)


def site_write_lock() -> AbstractContextManager[object]:
    """The in-process lock shared with the log's writers when the site's database is SQLite.

    The log and the site's tables share one SQLite file under `firsthand serve`;
    queueing on one lock spares every writer SQLite's sleep-and-retry.
    """
    database = settings.DATABASES["default"]
    if str(database["ENGINE"]).endswith("sqlite3"):
        return write_lock(database["NAME"])
    return nullcontext()
