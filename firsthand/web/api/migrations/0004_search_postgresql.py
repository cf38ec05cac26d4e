"""A full-text index of statement bodies on PostgreSQL; SQLite has its FTS5 table (0003).

The 'simple' configuration lower-cases words and stems none, so Persian,
English and any other language are searched alike, as FTS5's unicode61 does.
The index is on the very expression pages/search.py queries (Django's
SearchVector compiles to it), so a search reads the index, not the table.
"""

from django.db import migrations

INDEX = "statement_body_search"
CREATE = [
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON api_publishedstatement "
    "USING GIN (to_tsvector('simple'::regconfig, COALESCE(body, '')))"
]
DROP = [f"DROP INDEX IF EXISTS {INDEX}"]


def _run(statements: list[str]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite searches its FTS5 table (0003)
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("api", "0003_search")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
