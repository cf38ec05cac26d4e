"""Opening the log's storage from one setting: a SQLite file's path or a PostgreSQL URL.

``postgresql://`` (or ``postgres://``) URLs open PostgresStorage; any other
text is a path to a SQLite file. psycopg is imported only for PostgreSQL, so a
verifier that never touches a database does not need it.
"""

from __future__ import annotations

import os

from firsthand.log.errors import LogError
from firsthand.log.storage import LogStorage, SQLiteStorage


class UnsupportedDatabase(LogError):
    """The database URL names a kind of database the log cannot be kept in."""


def open_storage(location: str | os.PathLike[str]) -> LogStorage:
    """The log storage at ``location``: a PostgreSQL URL, or the path of a SQLite file."""
    text = os.fspath(location)
    scheme, separator, _ = text.partition("://")
    if not separator:
        return SQLiteStorage(text)
    if scheme.lower() in ("postgresql", "postgres"):
        from firsthand.log.storage_pg import PostgresStorage

        return PostgresStorage(text)
    raise UnsupportedDatabase(
        f"the log can be kept in SQLite (a file path) or PostgreSQL (postgresql://...), "
        f"not {scheme}://"
    )
