"""The home page lists the newest statements a page at a time, without counting the table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from firsthand.log.note import Signer
from firsthand.publishing.pipeline import record_statement
from firsthand.statements.format import sign_statement
from firsthand.web.pages.views import PAGE_SIZE
from tests.web.conftest import log_of_its_own


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("home-log")) as (_, sequencer):
        author = Signer.generate("pages.example")
        for i in range(PAGE_SIZE + 5):
            record_statement(sign_statement(author, f"Paged statement number {i}.\n"), sequencer)
        yield Client()


def test_the_first_page_shows_the_newest_and_links_only_to_older(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert "Paged statement number 24." in html and "Paged statement number 5." in html
    assert "Paged statement number 4." not in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_the_last_page_links_back_to_newer(client: Client) -> None:
    html = client.get("/?page=2").content.decode()
    assert "Paged statement number 4." in html and "Paged statement number 0." in html
    assert 'rel="prev"' in html and 'rel="next"' not in html


@pytest.mark.parametrize("number", ["abc", "-3", "0"])
def test_a_page_number_that_is_not_one_shows_the_first_page(client: Client, number: str) -> None:
    response = client.get(f"/?page={number}")
    assert response.status_code == 200
    assert "Paged statement number 24." in response.content.decode()
