"""Full-text search across languages, whatever keyboard wrote the Arabic-script letters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from firsthand.log.note import Signer
from firsthand.publishing.pipeline import record_statement
from firsthand.statements.format import sign_statement
from firsthand.web.pages.search import fts_query, search, spellings
from tests.web.conftest import log_of_its_own

TEXTS = {
    "persian": "در سال ۱۳۹۸ کتاب‌های حلقه را کنار گذاشتم و یک زندگی تازه ساختم.",
    "arabic-forms": "كتاب الحلقة كان في بيتي سنة ١٩٩٨",  # Arabic kaf and yeh, Arabic-Indic digits
    "english": "I left the Circle of Dawn in 2019 and never went back.",
}


@pytest.fixture(scope="module")
def indexed(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    with log_of_its_own(tmp_path_factory.mktemp("search-log")) as (_, sequencer):
        author = Signer.generate("searcher.example")
        yield {
            name: record_statement(sign_statement(author, text), sequencer)[0]
            for name, text in TEXTS.items()
        }


def hits(query: str) -> set[int]:
    return {row.index for row in search(query) if row.index is not None}


def test_a_word_is_found_in_either_yeh_and_kaf(indexed: dict[str, int]) -> None:
    # Typed with Persian kaf and yeh, found where the text has Arabic ones, and back.
    assert indexed["arabic-forms"] in hits("کتاب")
    assert indexed["arabic-forms"] in hits("بیتی")
    assert indexed["persian"] in hits("زندگي")


def test_digits_match_in_persian_arabic_indic_and_latin(indexed: dict[str, int]) -> None:
    assert indexed["persian"] in hits("1398")
    assert indexed["persian"] in hits("١٣٩٨")
    assert indexed["arabic-forms"] in hits("۱۹۹۸")
    assert indexed["english"] in hits("۲۰۱۹")


def test_harakat_and_tatweel_in_a_query_are_ignored(indexed: dict[str, int]) -> None:
    assert indexed["persian"] in hits("تـازه")  # tatweel
    assert indexed["arabic-forms"] in hits("كِتاب")  # kasra


def test_every_word_must_appear_and_nothing_typed_is_an_operator(
    indexed: dict[str, int],
) -> None:
    assert hits("Circle Dawn") == {indexed["english"]}
    assert hits("Circle کتاب") == set()
    assert hits('NOT OR AND " NEAR(') == set()
    assert fts_query('say "hi"') == '"say" AND """hi"""'


def test_a_latin_word_has_one_spelling(indexed: dict[str, int]) -> None:
    assert spellings("circle") == ["circle"]


def test_the_search_page_finds_a_persian_word_typed_with_arabic_letters(
    indexed: dict[str, int],
) -> None:
    page = Client().get("/fa/search", {"q": "زندگي"}).content.decode()
    assert f"/fa/statements/{indexed['persian']}" in page
