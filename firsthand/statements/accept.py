"""Accepting statement files on every core: read them in worker processes.

Reading a statement (format.read_statement) costs about 120 us of Ed25519
verification, which releases the GIL, and 30-40 us of Python parsing, which
holds it. Request threads in one process therefore share one interpreter for
the parsing, and trade the GIL with the sequencer thread. An AcceptPool runs
read_statement itself in worker processes, a chunk of files per task, so
parsing runs on every core; the heads come back to the calling process, whose
sequencer alone writes the log (log/sequencer.py).

Every check is read_statement's own, in its order: a file refused here gets
the very StatementError (type and message) that read_statement raises for it.
Worker processes are started with "spawn", never forked, because the caller
usually runs threads (the sequencer, a web server) that a fork would copy
mid-lock.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from itertools import islice, repeat
from types import TracebackType

from firsthand.log.sequencer import Sequencer, Ticket
from firsthand.statements.errors import StatementError
from firsthand.statements.format import DEFAULT_MAX_BODY, Statement, read_statement

# Files per task: enough that a task's pickling and queueing (about 100 us) is a
# fraction of a microsecond per file, few enough that every worker gets work early.
DEFAULT_CHUNK = 256


def _read_chunk(
    files: Sequence[bytes], max_body: int, now: datetime | None
) -> list[Statement | StatementError]:
    """In a worker: each file's Statement, or the StatementError that refused it."""
    read: list[Statement | StatementError] = []
    for data in files:
        try:
            read.append(read_statement(data, max_body=max_body, now=now))
        except StatementError as error:
            read.append(error)
    return read


def _heads_of_chunk(
    files: Sequence[bytes], max_body: int, now: datetime | None
) -> list[bytes | StatementError]:
    """In a worker: each accepted file's signed head (the log entry), or its refusal.

    Only the head crosses back: a whole Statement costs about 5 us to pickle
    and 5 us to unpickle, which the sequencing process would pay per entry.
    """
    heads: list[bytes | StatementError] = []
    for data in files:
        try:
            heads.append(read_statement(data, max_body=max_body, now=now).head_bytes)
        except StatementError as error:
            heads.append(error)
    return heads


def _chunks(files: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    it = iter(files)
    while chunk := list(islice(it, size)):
        yield chunk


class AcceptPool:
    """Worker processes that read statement files exactly as read_statement does.

    Use it as a context manager, or call close(). ``workers`` defaults to the
    number of CPUs; ``max_body`` is read_statement's limit on a body's bytes.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("a chunk holds at least one statement file")
        self.max_body = max_body
        self.chunk_size = chunk_size
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    def read(
        self, files: Iterable[bytes], *, now: datetime | None = None
    ) -> Iterator[Statement | StatementError]:
        """Each file's verified Statement, or the StatementError refusing it, in order.

        ``now`` is read_statement's clock for the future-date check (default: the
        workers' clock). All chunks are handed to the workers at once.
        """
        results = self._executor.map(
            _read_chunk, _chunks(files, self.chunk_size), repeat(self.max_body), repeat(now)
        )
        for chunk in results:
            yield from chunk

    def submit(
        self, files: Iterable[bytes], sequencer: Sequencer, *, now: datetime | None = None
    ) -> list[Ticket | StatementError]:
        """Read the files in the workers and pool each accepted head with ``sequencer``.

        One outcome per file, in order: the ticket of its pooled head, or the
        StatementError refusing it. Heads are pooled chunk by chunk as the
        workers finish them, so sequencing overlaps reading, and the sequencer is
        woken once the last are pooled. PoolFull from the sequencer stops the
        submission: files of later chunks are not pooled.
        """
        outcomes: list[Ticket | StatementError] = []
        results = self._executor.map(
            _heads_of_chunk, _chunks(files, self.chunk_size), repeat(self.max_body), repeat(now)
        )
        for chunk in results:
            accepted = [head for head in chunk if isinstance(head, bytes)]
            tickets = iter(sequencer.submit_many(accepted))
            outcomes.extend(next(tickets) if isinstance(head, bytes) else head for head in chunk)
        # Nothing more is coming: the last heads are committed now, as any batch is,
        # instead of waiting out the sequencer's period (up to a quarter second).
        sequencer.wake()
        return outcomes

    def close(self) -> None:
        """Stop the workers once the work handed to them is done."""
        self._executor.shutdown(wait=True)

    def __enter__(self) -> AcceptPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
