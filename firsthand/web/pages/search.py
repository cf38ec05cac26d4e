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


# Arabic-script text is typed on Persian and Arabic keyboards alike: the same word may hold
# Arabic or Persian yeh and kaf, and Persian, Arabic-Indic or Latin digits. A query word
# matches any of those spellings (the words stored are left as their authors wrote them).
_MARKS = {code: None for code in [*range(0x064B, 0x0660), 0x0670, 0x0640]}  # harakat, tatweel
_PERSIAN = str.maketrans(
    {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"}
    | {str(d): chr(0x06F0 + d) for d in range(10)}
    | {chr(0x0660 + d): chr(0x06F0 + d) for d in range(10)}
)
_ARABIC = str.maketrans(
    {"\u06cc": "\u064a", "\u06a9": "\u0643"}
    | {str(d): chr(0x0660 + d) for d in range(10)}
    | {chr(0x06F0 + d): chr(0x0660 + d) for d in range(10)}
)
_LATIN_DIGITS = str.maketrans(
    {chr(0x06F0 + d): str(d) for d in range(10)} | {chr(0x0660 + d): str(d) for d in range(10)}
)


def spellings(word: str) -> list[str]:
    """The ways ``word`` may be written: as typed, and with Persian or Arabic letter forms
    and digits, without harakat or tatweel."""
    bare = word.translate(_MARKS) or word
    persian = bare.translate(_PERSIAN)
    forms = [word, bare, persian, bare.translate(_ARABIC), persian.translate(_LATIN_DIGITS)]
    return list(dict.fromkeys(forms))


def fts_query(text: str) -> str:
    """The reader's words as an FTS5 query: every word must appear (in any of its
    spellings), and nothing the reader types is an operator."""
    groups = []
    for word in [w for w in text.split() if w.strip('"')][:MAX_WORDS]:
        quoted = [f'"{form.replace(chr(34), chr(34) * 2)}"' for form in spellings(word)]
        groups.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(groups)  # FTS5 joins a parenthesised group only with an explicit AND


def search(text: str, *, limit: int = 50) -> list[PublishedStatement]:
    published = PublishedStatement.objects.filter(index__isnull=False).select_related("withheld_by")
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

    words = text.split()[:MAX_WORDS]
    if not words:
        return published.none()
    vector = SearchVector("body", config="simple")
    query = None
    for word in words:
        either = None
        for form in spellings(word):
            one = SearchQuery(form, config="simple", search_type="plain")
            either = one if either is None else either | one
        query = either if query is None else query & either
    return (
        published.annotate(document=vector, rank=SearchRank(vector, query))
        .filter(document=query)
        .order_by("-rank", "-index")
    )
