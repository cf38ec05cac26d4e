"""Group commit: many threads' writes in few transactions, each thread getting its own result."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from firsthand.publishing.group_commit import GroupCommit


def test_each_thread_gets_the_result_of_its_own_item_and_threads_share_transactions() -> None:
    groups: list[list[int]] = []

    def write_many(items: Sequence[int]) -> list[int]:
        time.sleep(0.01)  # a durable commit takes time; others gather meanwhile
        groups.append(list(items))
        return [item * 2 for item in items]

    commit: GroupCommit[int, int] = GroupCommit(write_many)
    results: dict[int, int] = {}

    def worker(item: int) -> None:
        results[item] = commit.run(item)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: i * 2 for i in range(64)}
    assert sorted(i for group in groups for i in group) == list(range(64))  # each once
    assert len(groups) < 32, groups
    assert (commit.groups, commit.items) == (len(groups), 64)


def test_a_failed_transaction_fails_every_thread_of_its_group_and_not_later_ones() -> None:
    calls = 0

    def write_many(items: Sequence[str]) -> list[str]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        return list(items)

    commit: GroupCommit[str, str] = GroupCommit(write_many)
    with pytest.raises(OSError, match="disk full"):
        commit.run("first")
    assert commit.run("second") == "second"


def test_a_group_never_exceeds_its_limit() -> None:
    sizes: list[int] = []
    gate = threading.Event()

    def write_many(items: Sequence[int]) -> list[int]:
        gate.wait(5)
        sizes.append(len(items))
        return list(items)

    commit: GroupCommit[int, int] = GroupCommit(write_many, max_group=4)
    threads = [threading.Thread(target=commit.run, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join()
    assert sum(sizes) == 20 and max(sizes) <= 4


def test_concurrent_publishing_shares_transactions_and_every_row_gets_its_index(
    database: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from django.db import connection

    from firsthand.log.note import Signer
    from firsthand.publishing import process
    from firsthand.publishing.pipeline import record_statement
    from firsthand.statements.format import sign_statement
    from firsthand.web.api.models import PublishedStatement
    from tests.web.conftest import log_of_its_own

    author = Signer.generate("group.example")
    statements = [sign_statement(author, f"Statement {i} of a burst.\n") for i in range(48)]
    answers: dict[int, tuple[int, bytes, bool]] = {}
    rows = process.rows()
    before = (rows.stores.groups, rows.placings.groups)

    def send(i: int) -> None:
        try:
            answers[i] = record_statement(statements[i], sequencer)
        finally:
            connection.close()  # each thread's own connection

    with log_of_its_own(tmp_path_factory.mktemp("group-log")) as (log, sequencer):
        threads = [threading.Thread(target=send, args=(i,)) for i in range(48)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(index for index, _, _ in answers.values()) == list(range(48))
        assert all(new for _, _, new in answers.values())
        for i, statement in enumerate(statements):
            row = PublishedStatement.objects.get(leaf_hash=statement.leaf_hash.hex())
            assert row.index == answers[i][0]
            assert log.reader.entry(row.index) == statement.head_bytes
        again = record_statement(statements[5], sequencer)
        assert again[0] == answers[5][0] and not again[2]  # a resend is not new
    rows_groups = rows.stores.groups - before[0]
    index_groups = rows.placings.groups - before[1]
    assert rows_groups < 48 and index_groups < 48, (rows_groups, index_groups)


def test_a_logged_batch_names_its_rows_compactly_for_the_waiting_workers() -> None:
    from firsthand.publishing.notify import payload_row_ids, row_ids_payload

    ids = [7, 3, 4, 5, 10, 11, 20]
    assert row_ids_payload(ids) == "3-5,7,10-11,20"
    assert payload_row_ids(row_ids_payload(ids)) == set(ids)
    many = list(range(0, 40_000, 2))  # no runs: too long for one NOTIFY
    assert row_ids_payload(many) == ""
    assert payload_row_ids("") is None  # an empty payload wakes everyone
    assert payload_row_ids("garbage") is None
