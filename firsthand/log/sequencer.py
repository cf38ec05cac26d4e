"""Pooling submissions and integrating them into the tree in batches (as Sunlight does).

Web workers never write the tree. They ``submit`` a checked entry and get a
ticket. One sequencer thread wakes every ``period``, takes up to ``max_batch``
pooled entries, and in one storage transaction stores the entries, the tiles
they changed and a checkpoint signed over the new root. Only after that
transaction commits are the tickets settled with their indices.

So a kill at any moment loses only entries nobody was told about, and the
only checkpoints anyone has seen are ones whose tree is durably stored. If a
transaction fails, the in-memory edge is rebuilt from storage and the batch's
submitters get the error, so they can try again.

An entry already in the log (same leaf hash) is not logged twice: its
submitter gets the first index, marked ``duplicate``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from firsthand.log.checkpoint import Checkpoint, sign_checkpoint
from firsthand.log.edge import TreeEdge, edge_tiles
from firsthand.log.errors import LogError
from firsthand.log.merkle import leaf_hash
from firsthand.log.note import Signer
from firsthand.log.storage import Batch, LogStorage, StoredCheckpoint
from firsthand.log.tiles import MAX_ENTRY_SIZE, check_entry

DEFAULT_PERIOD = 0.25
DEFAULT_MAX_BATCH = 4096
DEFAULT_MAX_POOL = 100_000


class PoolFull(LogError):
    """The sequencer has more waiting entries than it accepts; try again shortly."""


class SequencerStopped(LogError):
    """The sequencer is not running, so the entry cannot be logged now."""


@dataclass(frozen=True, init=False)
class Sequenced:
    """What a submitter learns once its entry is durably in the log."""

    index: int
    leaf_hash: bytes
    checkpoint: StoredCheckpoint
    duplicate: bool = False

    def __init__(
        self, index: int, leaf_hash: bytes, checkpoint: StoredCheckpoint, duplicate: bool = False
    ) -> None:
        # One per logged entry, made by the sequencer thread: one dict update instead of
        # the frozen dataclass's object.__setattr__ per field (callgrind: 4.8k, not 8k
        # instructions). Still frozen: assigning a field raises FrozenInstanceError.
        self.__dict__.update(
            index=index, leaf_hash=leaf_hash, checkpoint=checkpoint, duplicate=duplicate
        )


class Ticket:
    """A pooled entry's claim on its result; far lighter than a concurrent.futures.Future.

    Every ticket of a batch is settled at once, then one notify_all wakes the
    waiters, so the sequencer pays a few attribute writes per entry.
    """

    __slots__ = ("_done", "entry", "error", "leaf_hash", "result")

    def __init__(self, entry: bytes, leaf: bytes, done: threading.Condition) -> None:
        self.entry = entry
        self.leaf_hash = leaf
        self.result: Sequenced | None = None
        self.error: BaseException | None = None
        self._done = done

    def done(self) -> bool:
        return self.result is not None or self.error is not None

    def wait(self, timeout: float | None = None) -> Sequenced:
        """The entry's place in the log, once durable; raises the batch's error if it failed."""
        # Settled already (the usual case once a batch is in): no lock needed, since the
        # sequencer writes result or error once, before its notify_all, and never again.
        result = self.result
        if result is not None:
            return result
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._done:
            while not self.done():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError("the entry was not logged in time; it may still be")
                self._done.wait(remaining)
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class Sequencer:
    """Integrates pooled entries into ``storage``, signing each new tree with ``signer``."""

    def __init__(
        self,
        storage: LogStorage,
        signer: Signer,
        *,
        period: float = DEFAULT_PERIOD,
        max_batch: int = DEFAULT_MAX_BATCH,
        max_pool: int = DEFAULT_MAX_POOL,
        on_checkpoint: Callable[[StoredCheckpoint], None] | None = None,
    ) -> None:
        self.storage = storage
        self.signer = signer
        self.origin = signer.name
        self.period = period
        self.max_batch = max_batch
        self.max_pool = max_pool
        self.on_checkpoint = on_checkpoint
        self._pool: list[Ticket] = []
        self._settled = threading.Condition()
        self._pool_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._integrate_lock = threading.Lock()
        self._edge = self._load_edge()

    def _load_edge(self) -> TreeEdge:
        latest = self.storage.latest_checkpoint()
        if latest is None:
            # A new log publishes the empty tree at once, so /checkpoint always answers.
            edge = TreeEdge(0, {})
            self.storage.integrate(Batch(0, [], [], {}, self._sign(edge)))
            return edge
        tiles = edge_tiles(latest.size)
        return TreeEdge(latest.size, self.storage.read_tiles(tiles))

    def _sign(self, edge: TreeEdge) -> StoredCheckpoint:
        checkpoint = Checkpoint(self.origin, edge.size, edge.root())
        return StoredCheckpoint(edge.size, sign_checkpoint(checkpoint, self.signer))

    @property
    def size(self) -> int:
        """The size of the last integrated tree."""
        return self._edge.size

    def submit(self, entry: bytes) -> Ticket:
        """Pool a checked entry; its ticket settles once the entry is durably logged."""
        return self.submit_many((entry,))[0]

    def submit_many(self, entries: Sequence[bytes]) -> list[Ticket]:
        """Pool checked entries, in order, under one lock: a ticket each, or none if refused.

        All or nothing: an entry that cannot be logged (EntryTooLarge, EmptyEntry) or
        a pool without room for them all (PoolFull) pools none of them.
        """
        tickets = []
        settled = self._settled
        for entry in entries:
            if not entry or len(entry) > MAX_ENTRY_SIZE:
                check_entry(entry)  # raises the error that says which
            tickets.append(Ticket(entry, leaf_hash(entry), settled))
        with self._pool_lock:
            if len(self._pool) + len(tickets) > self.max_pool:
                raise PoolFull(
                    f"{len(self._pool):,} entries are already waiting to be logged; "
                    "try again in a second"
                )
            self._pool.extend(tickets)
            # Once per full batch, not on every entry after it: setting an Event costs
            # a lock and a notify, which a busy pool would otherwise pay per entry.
            if len(self._pool) >= self.max_batch and not self._wake.is_set():
                self._wake.set()
        return tickets

    def wake(self) -> None:
        """Have the running sequencer integrate what is pooled now, not at its next period.

        For a submitter with nothing more to add (a bulk import's last entries): the
        batch is committed exactly as any other, just without waiting out the period.
        """
        self._wake.set()

    def add(self, entry: bytes, timeout: float = 30.0) -> Sequenced:
        """Submit and wait: the entry's index, once durable. Needs a running sequencer."""
        if self._thread is None:
            raise SequencerStopped("the log's sequencer is not running")
        return self.submit(entry).wait(timeout)

    def pooled(self) -> int:
        with self._pool_lock:
            return len(self._pool)

    def integrate_once(self) -> int:
        """Integrate one batch of at most ``max_batch`` pooled entries; return how many."""
        with self._pool_lock:
            batch = self._pool[: self.max_batch]
            del self._pool[: self.max_batch]
        if not batch:
            return 0
        with self._integrate_lock:
            try:
                results = self._integrate(batch)
            except BaseException as error:
                # Nothing of this batch is acknowledged; start again from what is stored.
                self._edge = self._load_edge()
                self._settle(batch, error=error)
                if not isinstance(error, Exception):
                    raise
                return len(batch)
        self._settle(batch, results=results)
        if self.on_checkpoint is not None:
            self.on_checkpoint(results[0].checkpoint)
        return len(batch)

    def _settle(
        self,
        batch: list[Ticket],
        results: list[Sequenced] | None = None,
        error: BaseException | None = None,
    ) -> None:
        with self._settled:
            if results is not None:
                for ticket, result in zip(batch, results, strict=True):
                    ticket.result = result
            else:
                for ticket in batch:
                    ticket.error = error
            self._settled.notify_all()

    def _integrate(self, batch: list[Ticket]) -> list[Sequenced]:
        known = self.storage.find_leaves([p.leaf_hash for p in batch])
        start = self._edge.size
        new_entries: list[bytes] = []
        new_hashes: list[bytes] = []
        # Index of each pending entry, and whether it was in the log already.
        placed: list[tuple[int, bool]] = []
        for pending in batch:
            if pending.leaf_hash in known:
                placed.append((known[pending.leaf_hash], True))
                continue
            index = start + len(new_entries)
            known[pending.leaf_hash] = index
            new_entries.append(pending.entry)
            new_hashes.append(pending.leaf_hash)
            placed.append((index, False))
        if new_entries:
            self._edge.append(new_hashes)
            checkpoint = self._sign(self._edge)
            tiles = self._edge.take_changed_tiles()
            self.storage.integrate(Batch(start, new_hashes, new_entries, tiles, checkpoint))
        else:
            latest = self.storage.latest_checkpoint()
            assert latest is not None
            checkpoint = latest
        return [
            Sequenced(index, pending.leaf_hash, checkpoint, duplicate)
            for pending, (index, duplicate) in zip(batch, placed, strict=True)
        ]

    def run_until_empty(self) -> None:
        """Integrate until the pool is empty (for tools and tests that do not start the thread)."""
        while self.integrate_once():
            pass

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="firsthand-sequencer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Integrate what is pooled, then stop the thread."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join()
        self._thread = None
        self.run_until_empty()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            # Cleared before the pool is taken, so a wake from now on (a full batch, wake(),
            # stop()) ends the wait below instead of being cleared unseen after it.
            self._wake.clear()
            self.run_until_empty()
            if not self._stopping.is_set():
                self._wake.wait(max(0.0, self.period - (time.monotonic() - began)))
