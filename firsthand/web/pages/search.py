"""Full-text search over statement bodies, in every language.

SQLite: an FTS5 index kept in step with the statements table by triggers
(api migration 0003), tokenised by unicode61, which splits Persian and
English alike. PostgreSQL: its own full text search, with the 'simple'
configuration (lower-cased words, no stemming, so every language is searched
alike) over a GIN index on the same expression (api migration 0004). Any
other database falls back to a plain substring match. Withheld bodies are
erased, so they drop out of the index with them.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from firsthand.web.api.models import PublishedStatement

# Words beyond this many are ignored, as in fts_query: a search box, not a document.
MAX_WORDS = 20


def fts_query(text: str) -> str:
    """The reader's words as an FTS5 query: every word must appear, none is an operator."""
    words = [w.replace('"', '""') for w in text.split() if w.strip('"')]
    return " ".join(f'"{w}"' for w in words[:MAX_WORDS])


def search(text: str, *, limit: int = 50) -> list[PublishedStatement]:
    published = PublishedStatement.objects.filter(index__isnull=False).select_related(
        "withheld_by"
    )
    if connection.vendor == "postgresql":
        return list(postgresql_search(published, text)[:limit])
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


def postgresql_search(
    published: QuerySet[PublishedStatement], text: str
) -> QuerySet[PublishedStatement]:
    """Statements holding every word of ``text``, best match first (PostgreSQL only).

    plainto_tsquery reads the words as words: no operator a reader types has
    any effect. The vector is the expression migration 0004 indexes.
    """
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    words = " ".join(text.split()[:MAX_WORDS])
    if not words:
        return published.none()
    vector = SearchVector("body", config="simple")
    query = SearchQuery(words, config="simple", search_type="plain")
    return (
        published.annotate(document=vector, rank=SearchRank(vector, query))
        .filter(document=query)
        .order_by("-rank", "-index")
    )
