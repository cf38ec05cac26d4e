"""A statement's media and references are listed in indexed tables (api.StatementMedia,
api.StatementReference), so /media/<sha256> and a statement page's later statements are
found by hash through an index, not by matching text over every statement's JSON."""

from __future__ import annotations

import hashlib
import importlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from PIL import Image

from firsthand.log.note import Signer
from firsthand.statements.format import Media, Reference, Statement, sign_statement
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.media_serving import Listing, listing, withheld_media
from firsthand.web.api.models import PublishedStatement, StatementMedia, StatementReference
from firsthand.web.pages.presenting import responses_to
from tests.web.conftest import log_of_its_own

STATEMENTS = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"
AUTHOR = Signer.from_seed("listed.example", b"listings-author-".ljust(32, b"."))


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with (
        override_settings(DATA_DIR=tmp_path_factory.mktemp("listings-data")),
        log_of_its_own(tmp_path_factory.mktemp("listings-log")),
    ):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def publish(client: Client, statement: Statement) -> int:
    response = client.post(STATEMENTS, data=statement.file_bytes(), content_type=TEXT)
    assert response.status_code == 201, response.json()
    index: int = response.json()["index"]
    return index


def uploaded_photo(client: Client, shade: int) -> Media:
    image = io.BytesIO()
    Image.new("RGB", (48, 32), (shade, 90, 200 - shade)).save(image, "PNG")
    response = client.post("/api/v1/media", data=image.getvalue(), content_type="image/png")
    assert response.status_code == 201, response.json()
    answer: dict[str, Any] = response.json()
    return Media(answer["sha256"], answer["type"], answer["size"])


def row_of(statement: Statement) -> PublishedStatement:
    return PublishedStatement.objects.get(leaf_hash=statement.leaf_hash.hex())


def test_a_published_statements_media_and_references_are_listed_once_each(
    client: Client,
) -> None:
    photo = uploaded_photo(client, 10)
    earlier = sign_statement(AUTHOR, "What I saw at the first meeting.", media=[photo])
    publish(client, earlier)
    denied = hashlib.sha256(b"a text the author never wrote").hexdigest()
    correction = sign_statement(
        AUTHOR,
        "The meeting was on a Tuesday, not a Monday.",
        kind="correction",
        media=[photo, photo],  # the same file twice: listed once
        refers=[Reference("leaf", earlier.leaf_hash.hex()), Reference("text", denied)],
    )
    publish(client, correction)

    row = row_of(correction)
    assert list(StatementMedia.objects.filter(statement=row).values_list("sha256", flat=True)) == [
        photo.sha256
    ]
    assert sorted(
        StatementReference.objects.filter(statement=row).values_list("kind", "sha256")
    ) == [
        ("leaf", earlier.leaf_hash.hex()),
        ("text", denied),
    ]
    assert StatementMedia.objects.filter(sha256=photo.sha256).count() == 2
    assert not StatementReference.objects.filter(statement=row_of(earlier)).exists()


def test_media_are_served_once_listed_and_refused_once_a_listing_statement_is_withheld(
    client: Client,
) -> None:
    photo = uploaded_photo(client, 40)
    kept = uploaded_photo(client, 70)
    url = f"/media/{photo.sha256}"
    # A statement that only refers to the file's hash as a text does not publish the file.
    mention = sign_statement(
        AUTHOR, "I deny this text.", kind="denial", refers=[Reference("text", photo.sha256)]
    )
    publish(client, mention)
    assert client.get(url).status_code == 404

    shown = sign_statement(AUTHOR, "A photo of the notice board.", media=[photo])
    publish(client, shown)
    publish(client, sign_statement(AUTHOR, "The same board, a week later.", media=[kept]))
    assert client.get(url).status_code == 200
    assert client.get(url + "/thumb").status_code == 200

    notice = sign_statement(
        runtime.operator(),
        "it shows a private address",
        kind="withholding",
        refers=[Reference("leaf", shown.leaf_hash.hex())],
        reason="it shows a private address",
    )
    publish(client, notice)
    assert client.get(url).status_code == 410
    assert client.get(f"/media/{kept.sha256}").status_code == 200
    # The head still lists the file: the listing stays, and withheld_by decides.
    assert StatementMedia.objects.filter(statement=row_of(shown), sha256=photo.sha256).exists()
    assert listing(photo.sha256) == Listing(published=True, withheld=True)
    assert withheld_media([photo.sha256, kept.sha256, "ab" * 32]) == {photo.sha256}


def test_a_statement_page_shows_the_statements_that_refer_to_it_by_leaf_only(
    client: Client,
) -> None:
    first = sign_statement(AUTHOR, "I left in the spring of that year.")
    first_index = publish(client, first)
    other = sign_statement(AUTHOR, "I left with two others.")
    publish(client, other)
    retraction = sign_statement(
        AUTHOR,
        "I take this back: it was in the autumn.",
        kind="retraction",
        refers=[Reference("leaf", first.leaf_hash.hex())],
    )
    retraction_index = publish(client, retraction)
    # Refers to `first` by the same hex, but as a text: not a statement about it.
    correction = sign_statement(
        AUTHOR,
        "I left with three others.",
        kind="correction",
        refers=[Reference("leaf", other.leaf_hash.hex()), Reference("text", first.leaf_hash.hex())],
    )
    correction_index = publish(client, correction)

    assert [s.index for s in responses_to(row_of(first))] == [retraction_index]
    assert [s.index for s in responses_to(row_of(other))] == [correction_index]
    page = client.get(f"/statements/{first_index}").content.decode()
    assert 'class="responses"' in page
    assert f"/statements/{retraction_index}" in page
    assert f"/statements/{correction_index}" not in page


def _plan(run: Any) -> list[str]:
    """SQLite's plan for each query ``run`` makes (EXPLAIN QUERY PLAN, Django's connection)."""
    with CaptureQueriesContext(connection) as queries:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans.append("\n".join(str(step[-1]) for step in cursor.fetchall()))
    return plans


def test_the_media_and_responses_lookups_read_indices_not_the_statements_table(
    client: Client,
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by table statistics")
    anyone = PublishedStatement.objects.filter(index__isnull=False).first()
    assert anyone is not None

    [media_plan] = _plan(lambda: listing("ef" * 32))
    assert "SEARCH api_statementmedia USING INDEX statement_media_hash (sha256=?)" in media_plan
    assert "SCAN api_publishedstatement" not in media_plan
    assert "SEARCH api_publishedstatement USING INTEGER PRIMARY KEY" in media_plan

    responses_plan = _plan(lambda: responses_to(anyone))[0]  # then each response is shown
    assert "USING INDEX statement_reference_target (kind=? AND sha256=?)" in responses_plan
    assert "SCAN api_publishedstatement" not in responses_plan


def test_on_postgresql_the_media_lookup_has_an_index_on_the_hash_to_read(client: Client) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite pass checks SQLite's own plan")
    with CaptureQueriesContext(connection) as queries:
        listing("ef" * 32)
    # A few test rows are read fastest by a scan: forbid it, so the plan shows the index.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries.captured_queries[0]["sql"])
        plan = "\n".join(str(row[0]) for row in cursor.fetchall())
    # "Index Scan using statement_media_hash" or "Bitmap Index Scan on statement_media_hash"
    assert "Index Scan" in plan and " statement_media_hash" in plan, plan
    assert "Seq Scan on api_statementmedia" not in plan, plan
    assert "Seq Scan on api_publishedstatement" not in plan, plan


def test_the_migration_lists_the_media_and_references_of_rows_stored_before_it(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration = importlib.import_module("firsthand.web.api.migrations.0005_statement_listings")
    monkeypatch.setattr(migration, "CHUNK", 3)  # several chunks and batches from a few rows
    call_command("migrate", "api", "0004", verbosity=0)  # drops the listing tables
    # Rows as that schema had them: today's model has columns it did not.
    then = MigrationExecutor(connection).loader.project_state(("api", "0004_search_postgresql"))
    statements_then = then.apps.get_model("api", "PublishedStatement")
    try:
        shas = [hashlib.sha256(f"file {n}".encode()).hexdigest() for n in range(8)]
        old = [
            statements_then.objects.create(
                leaf_hash=hashlib.sha256(f"old row {n}".encode()).hexdigest(),
                index=None if n == 0 else 1_000_000 + n,  # one not yet logged
                head="",
                body="",
                author_key="old+00000000+AA",
                author_key_id="00000000",
                kind="correction",
                lang="en",
                signed_at=datetime(2026, 1, n + 1, tzinfo=UTC),
                refers=[f"leaf:{shas[n]}", f"text:{shas[7 - n]}"] if n % 2 else [],
                media=[{"sha256": shas[n], "type": "image/png", "size": n}] * (n % 3),
            )
            for n in range(7)
        ]
    finally:
        call_command("migrate", verbosity=0)  # api, and the apps that depend on it (console)

    listed_media = set(
        StatementMedia.objects.filter(statement__in=[r.pk for r in old]).values_list(
            "statement_id", "sha256"
        )
    )
    assert listed_media == {(r.pk, r.media[0]["sha256"]) for r in old if r.media}
    listed_refs = set(
        StatementReference.objects.filter(statement__in=[r.pk for r in old]).values_list(
            "statement_id", "kind", "sha256"
        )
    )
    assert listed_refs == {(r.pk, *line.split(":")) for r in old for line in r.refers}
    assert len(listed_refs) == 6 and len(listed_media) == 4
    PublishedStatement.objects.filter(pk__in=[r.pk for r in old]).delete()  # rows of no log


def test_the_sequencers_query_for_rows_awaiting_an_index_reads_the_partial_index(
    client: Client,
) -> None:
    rows = PublishedStatement.objects.filter(index__isnull=True).order_by("pk")[:4096]
    sql, params = rows.values_list("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few test rows are read fastest by a scan: forbid it, so the plan shows the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
            assert "statement_awaiting_index" in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        assert "Seq Scan on api_publishedstatement" not in plan, plan
        assert "SCAN api_publishedstatement" not in plan, plan
