"""The site on PostgreSQL, end to end, in a process of its own; test_web_pg.py runs it.

Django reads its database from the settings once per process, and the rest of
the test session runs on SQLite, so this runs where FIRSTHAND_DATABASE_URL is
set from the start, as in a deployment. It migrates, publishes statements
through the JSON API with the real sequencer logging into the same
PostgreSQL database, reads them back, searches, and prints what it saw as
JSON for the test to check.

    FIRSTHAND_DATABASE_URL=postgresql://... python -m tests.postgres.web_on_postgresql
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any
from urllib.parse import quote

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")
os.environ.setdefault("FIRSTHAND_HOSTS", "testserver")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from firsthand.log.datadir import LogInstance, load_or_create_log_key  # noqa: E402
from firsthand.log.note import Signer  # noqa: E402
from firsthand.log.reader import LogReader  # noqa: E402
from firsthand.log.storage_pg import PostgresStorage  # noqa: E402
from firsthand.statements.bundle import verify_bundle  # noqa: E402
from firsthand.statements.format import sign_statement  # noqa: E402
from firsthand.web import runtime  # noqa: E402
from firsthand.web.api.models import PublishedStatement  # noqa: E402
from firsthand.web.pages import search  # noqa: E402

STATEMENTS = {
    "en": "I left the retreat in March and the elders kept my passport.",
    "fa": "من روز یکشنبه در ماه اسفند از اردوگاه رفتم و بزرگان گذرنامه‌ام را نگه داشتند.",
}
SEARCHES = {
    "en_word": "PASSPORT",
    "en_words": "elders passport",
    "en_missing_word": "passport Tuesday",
    "fa_word": "اردوگاه",
    "fa_words": "بزرگان اسفند",
    "fa_missing_word": "اردوگاه تهران",
    "fa_arabic_letters": "يكشنبه",  # typed with Arabic yeh and kaf
    "operators_only": "& | ! ( ) :*",
}


def search_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'api_publishedstatement' "
            "AND indexdef LIKE '%%to_tsvector%%'"
        )
        return [name for (name,) in cursor.fetchall()]


def main() -> None:
    url = settings.FIRSTHAND_DATABASE_URL
    call_command("migrate", verbosity=0)
    indexes_migrated = search_indexes()
    call_command("migrate", "api", "0003", verbosity=0)
    indexes_unapplied = search_indexes()
    call_command("migrate", verbosity=0)
    # The log in the same PostgreSQL database as the site's tables, as a deployment keeps it.
    storage = PostgresStorage(url)
    signer = load_or_create_log_key(settings.DATA_DIR, None)
    runtime._log = LogInstance(settings.DATA_DIR, storage, signer, LogReader(storage))  # type: ignore[arg-type]
    runtime.start_sequencer(0.02)
    client = Client()
    seen: dict[str, Any] = {
        "vendor": connection.vendor,
        "indexes": {"migrated": indexes_migrated, "unapplied": indexes_unapplied},
        "published": {},
        "searches": {},
    }
    try:
        for lang, body in STATEMENTS.items():
            statement = sign_statement(Signer.generate(f"{lang}.example"), body, lang=lang)
            answer = client.post(
                "/api/v1/statements",
                data=statement.file_bytes(),
                content_type="text/plain; charset=utf-8",
            )
            index = answer.json()["index"]
            read = client.get(f"/api/v1/statements/{index}").json()
            bundle = client.get(f"/api/v1/statements/{index}/bundle")
            verdict = verify_bundle(bundle.content, signer.verifier())
            seen["published"][lang] = {
                "status": answer.status_code,
                "sent_body": body,
                "index": index,
                "read_body": read["body"],
                "read_lang": read["lang"],
                "bundle_verifies_at": verdict.index,
                "log_entry_is_head": storage.read_entries(index, index + 1)
                == [statement.head_bytes],
            }
        for name, words in SEARCHES.items():
            found = search.search(words)
            page = client.get(f"/fa/search?q={quote(words)}")
            seen["searches"][name] = {
                "langs": [row.lang for row in found],
                "page_status": page.status_code,
                "page_links": [
                    index
                    for index in (p["index"] for p in seen["published"].values())
                    if f'statements/{index}"' in page.content.decode()
                ],
            }
        seen["tables"] = sorted(connection.introspection.table_names())
        with connection.cursor() as cursor:
            # A table of a few rows is read whole unless the planner is told not to.
            cursor.execute("SET enable_seqscan = off")
            published = PublishedStatement.objects.filter(index__isnull=False)
            seen["plan"] = search.postgresql_search(published, "passport").explain()
            cursor.execute("SET enable_seqscan = on")
    finally:
        runtime.stop_sequencer()
        storage.close()
    json.dump(seen, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
