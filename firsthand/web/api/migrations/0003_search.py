"""A full-text index of statement bodies (SQLite FTS5), kept in step by triggers."""

from django.db import migrations

CREATE = [
    "CREATE VIRTUAL TABLE statement_search USING fts5("
    "body, content='api_publishedstatement', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER statement_search_insert AFTER INSERT ON api_publishedstatement BEGIN "
    "INSERT INTO statement_search(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER statement_search_delete AFTER DELETE ON api_publishedstatement BEGIN "
    "INSERT INTO statement_search(statement_search, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER statement_search_update AFTER UPDATE OF body ON api_publishedstatement BEGIN "
    "INSERT INTO statement_search(statement_search, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    "INSERT INTO statement_search(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO statement_search(statement_search) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS statement_search_insert",
    "DROP TRIGGER IF EXISTS statement_search_delete",
    "DROP TRIGGER IF EXISTS statement_search_update",
    "DROP TABLE IF EXISTS statement_search",
]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "sqlite":
            return  # other databases search with their own means (pages/search.py)
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("api", "0002_withholding")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
