"""The site on PostgreSQL: migrations, publishing through the API, reading back, full-text search.

Django is set up once per process, on SQLite for the rest of the session, so
the site runs on PostgreSQL in a child process (web_on_postgresql.py) that
prints what it saw; each test here checks one part of it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.postgres.cluster import ThrowawayCluster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seen(postgres_cluster: ThrowawayCluster, tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = postgres_cluster.create_database("firsthand_web")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "firsthand.web.settings",
        "FIRSTHAND_DATABASE_URL": url,
        "FIRSTHAND_DATA": str(tmp_path_factory.mktemp("web-data")),
        "FIRSTHAND_HOSTS": "testserver",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.postgres.web_on_postgresql"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def test_the_site_runs_on_postgresql_when_the_url_is_set(seen: Any) -> None:
    assert seen["vendor"] == "postgresql"
    # The log's tables sit beside the site's, as they do in the SQLite file.
    assert {"api_publishedstatement", "entries", "tiles", "checkpoints"} <= set(seen["tables"])


def test_migrating_creates_the_full_text_index_and_unapplying_drops_it(seen: Any) -> None:
    assert seen["indexes"] == {"migrated": ["statement_body_search"], "unapplied": []}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_published_statement_reads_back_and_its_bundle_verifies(seen: Any, lang: str) -> None:
    published = seen["published"][lang]
    assert published["status"] == 201
    assert (published["read_body"], published["read_lang"]) == (published["sent_body"], lang)
    assert published["bundle_verifies_at"] == published["index"]
    assert published["log_entry_is_head"]


@pytest.mark.parametrize(
    ("search", "langs"),
    [
        ("en_word", ["en"]),
        ("en_words", ["en"]),
        ("en_missing_word", []),
        ("fa_word", ["fa"]),
        ("fa_words", ["fa"]),
        ("fa_missing_word", []),
        ("fa_arabic_letters", ["fa"]),
        ("operators_only", []),
    ],
)
def test_search_finds_statements_holding_every_word_in_english_and_persian(
    seen: Any, search: str, langs: list[str]
) -> None:
    found = seen["searches"][search]
    assert found["langs"] == langs
    assert found["page_status"] == 200
    expected = [seen["published"][lang]["index"] for lang in langs]
    assert found["page_links"] == expected


def test_search_reads_the_gin_index_not_the_whole_table(seen: Any) -> None:
    assert "Bitmap Index Scan on statement_body_search" in seen["plan"]
