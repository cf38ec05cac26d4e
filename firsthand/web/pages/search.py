"""Full-text search over statement bodies, in every language.

SQLite: an FTS5 index kept in step with the statements table by triggers
(api migration 0003), tokenised by unicode61, which splits Persian and
English alike. Other databases fall back to a plain substring match until
their own index comes (PostgreSQL: issue 8). Withheld bodies are erased,
so they drop out of the index with them.
"""

from __future__ import annotations

from django.db import connection

from firsthand.web.api.models import PublishedStatement


def fts_query(text: str) -> str:
    """The reader's words as an FTS5 query: every word must appear, none is an operator."""
    words = [w.replace('"', '""') for w in text.split() if w.strip('"')]
    return " ".join(f'"{w}"' for w in words[:20])


def search(text: str, *, limit: int = 50) -> list[PublishedStatement]:
    published = PublishedStatement.objects.filter(index__isnull=False).select_related(
        "withheld_by"
    )
    if connection.vendor != "sqlite":
        return list(published.filter(body__icontains=text).order_by("-index")[:limit])
    query = fts_query(text)
    if not query:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM statement_search WHERE statement_search MATCH %s "
            "ORDER BY rank LIMIT %s",
            [query, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    by_id = {row.id: row for row in published.filter(id__in=ids)}
    return [by_id[i] for i in ids if i in by_id]
