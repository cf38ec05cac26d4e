"""The accept pool: read_statement in worker processes, heads pooled in this one."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firsthand.log.note import Signer, sign_note
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import Sequencer, Ticket
from firsthand.log.storage import SQLiteStorage
from firsthand.statements.accept import AcceptPool
from firsthand.statements.errors import StatementError
from firsthand.statements.format import (
    Media,
    Reference,
    Statement,
    read_statement,
    sign_statement,
    split_statement_file,
)

RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
WHEN = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
HEX = "ab" * 32
MAX_BODY = 1000  # small, so one file can be refused as too large


@pytest.fixture(scope="module")
def pool() -> Iterator[AcceptPool]:
    # Small chunks, so a handful of files already spans several tasks and both workers.
    with AcceptPool(2, max_body=MAX_BODY, chunk_size=3) as pool:
        yield pool


def good_files() -> list[bytes]:
    return [
        sign_statement(RANA, "I left the circle in 2019.\n", time=WHEN).file_bytes(),
        sign_statement(
            OMID,
            "من از حلقه جدا شدم.\n",
            kind="testimony",
            lang="fa",
            time=WHEN,
            media=[Media(HEX, "image/jpeg", 1234)],
            refers=[Reference("leaf", HEX)],
        ).file_bytes(),
        sign_statement(
            RANA, "I know Omid.\n", kind="vouch", subject=OMID.verifier(), time=WHEN
        ).file_bytes(),
        sign_statement(OMID, "Omid\n", kind="profile", name="Omid", time=WHEN).file_bytes(),
    ]


def bad_files() -> list[bytes]:
    """One file for each way read_statement refuses a statement file."""
    good = sign_statement(RANA, "I was never there.\n", time=WHEN)
    head, body = split_statement_file(good.file_bytes())
    forged = sign_note(good.head.text(), OMID) + b"\n" + body
    later = sign_statement(RANA, "soon\n", time=WHEN + timedelta(days=1)).file_bytes()
    return [
        good.file_bytes().replace(b"never", b"always"),  # BodyMismatch
        forged,  # WrongAuthor
        later,  # StatementFromTheFuture (against NOW below)
        sign_statement(RANA, "x" * (MAX_BODY + 1), time=WHEN).file_bytes(),  # BodyTooLarge
        head + b"\n" + b"\xff\xfe",  # body not UTF-8
        head,  # no body separator after the signature
        b"",  # empty
        head.replace(b"lang en", b"lang english!") + b"\n" + body,  # malformed head
        head.replace(b"declaration", b"confession") + b"\n" + body,  # unknown kind
    ]


NOW = WHEN + timedelta(hours=1)


def expected_error(data: bytes) -> StatementError:
    try:
        read_statement(data, max_body=MAX_BODY, now=NOW)
    except StatementError as error:
        return error
    raise AssertionError("this file was meant to be refused")


def test_good_statements_come_back_verified_and_equal_to_read_statement(
    pool: AcceptPool,
) -> None:
    files = good_files()
    read = list(pool.read(files, now=NOW))
    assert len(read) == len(files)
    for data, statement in zip(files, read, strict=True):
        assert isinstance(statement, Statement)
        direct = read_statement(data, max_body=MAX_BODY, now=NOW)
        assert statement.head_bytes == direct.head_bytes
        assert statement.head == direct.head
        assert statement.body == direct.body
        assert statement.note.verified_by == (direct.head.author,)
        assert statement.file_bytes() == data


def test_each_bad_file_is_refused_with_read_statements_own_error(pool: AcceptPool) -> None:
    files = bad_files()
    read = list(pool.read(files, now=NOW))
    kinds = set()
    for data, outcome in zip(files, read, strict=True):
        expected = expected_error(data)
        assert type(outcome) is type(expected)
        assert str(outcome) == str(expected)
        kinds.add(type(expected).__name__)
    # The files cover every refusal read_statement makes, so none slipped through as another.
    assert kinds == {
        "BodyMismatch",
        "WrongAuthor",
        "StatementFromTheFuture",
        "BodyTooLarge",
        "MalformedStatement",
    }


def test_outcomes_keep_the_order_of_the_files_across_chunks(pool: AcceptPool) -> None:
    good, bad = good_files(), bad_files()
    mixed = [file for pair in zip(good * 3, bad, strict=False) for file in pair]
    read = list(pool.read(mixed, now=NOW))
    assert [isinstance(r, Statement) for r in read] == [i % 2 == 0 for i in range(len(mixed))]
    for data, outcome in zip(mixed, read, strict=True):
        if isinstance(outcome, Statement):
            assert outcome.file_bytes() == data
        else:
            assert str(outcome) == str(expected_error(data))


def test_submit_pools_accepted_heads_and_returns_refusals_in_place(
    pool: AcceptPool, tmp_path: Path
) -> None:
    storage = SQLiteStorage(tmp_path / "log.sqlite3")
    sequencer = Sequencer(storage, Signer.generate("test.example/log"))
    good, bad = good_files(), bad_files()
    files = [good[0], bad[0], good[1], good[2], bad[1], good[3], good[0]]
    outcomes = pool.submit(files, sequencer, now=NOW)
    sequencer.run_until_empty()
    assert [isinstance(o, Ticket) for o in outcomes] == [True, False, True, True, False, True, True]
    results = [o.wait(timeout=5) for o in outcomes if isinstance(o, Ticket)]
    assert [r.index for r in results] == [0, 1, 2, 3, 0]
    assert [r.duplicate for r in results] == [False, False, False, False, True]
    reader = LogReader(storage)
    for data, result in zip([good[0], good[1], good[2], good[3]], results, strict=False):
        assert reader.entry(result.index) == split_statement_file(data)[0]
    assert str(outcomes[1]) == str(expected_error(bad[0]))


def test_a_verified_statement_survives_pickling_whole() -> None:
    # What crosses back from a worker in AcceptPool.read.
    statement = read_statement(good_files()[1])
    again = pickle.loads(pickle.dumps(statement))
    assert again == statement
    assert again.head.author.verify(again.note.text.encode(), again.note.signatures[0].signature)


def test_submit_has_its_last_heads_logged_without_waiting_out_the_period(
    pool: AcceptPool, tmp_path: Path
) -> None:
    # A period of a minute: only submit's wake can get the heads logged within the timeout.
    storage = SQLiteStorage(tmp_path / "log.sqlite3")
    sequencer = Sequencer(storage, Signer.generate("test.example/log"), period=60)
    sequencer.start()
    try:
        sequencer.wake()  # the empty tree's first round, so the next wait is the long one
        outcomes = pool.submit(good_files(), sequencer, now=NOW)
        results = [o.wait(timeout=20) for o in outcomes if isinstance(o, Ticket)]
    finally:
        sequencer.stop()
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert LogReader(storage).latest().size == 4
