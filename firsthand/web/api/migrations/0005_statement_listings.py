"""A statement's media and references in tables of their own, indexed by hash.

Until now they were kept only in the JSON columns ``media`` and ``refers`` of
api_publishedstatement, so finding the statements that list a file, or that refer
to a statement, matched text over the whole table. The backfill reads existing rows
in chunks and writes their listings in batches, so a log of a million statements
is listed without holding it in memory (SQLite and PostgreSQL alike).
"""

import django.db.models.deletion
from django.db import migrations, models

CHUNK = 2000


def _backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = apps.get_model("api", "PublishedStatement")
    listed_media = apps.get_model("api", "StatementMedia")
    references = apps.get_model("api", "StatementReference")
    alias = schema_editor.connection.alias
    rows = (
        statements.objects.using(alias)
        .exclude(media=[], refers=[])
        .order_by("pk")
        .values_list("pk", "refers", "media")
    )
    media_batch: dict[tuple[int, str], object] = {}
    reference_batch: dict[tuple[int, str], object] = {}

    def flush() -> None:
        listed_media.objects.using(alias).bulk_create(
            media_batch.values(), batch_size=CHUNK, ignore_conflicts=True
        )
        references.objects.using(alias).bulk_create(
            reference_batch.values(), batch_size=CHUNK, ignore_conflicts=True
        )
        media_batch.clear()
        reference_batch.clear()

    # The same rule as models.contents_of, restated: a migration uses the models of its time.
    for pk, refers, media in rows.iterator(chunk_size=CHUNK):
        for item in media or []:
            sha256 = item.get("sha256") if isinstance(item, dict) else None
            if isinstance(sha256, str):
                media_batch[pk, sha256] = listed_media(statement_id=pk, sha256=sha256)
        for line in refers or []:
            kind, _, sha256 = line.partition(":")
            reference_batch[pk, line] = references(statement_id=pk, kind=kind, sha256=sha256)
        if len(media_batch) + len(reference_batch) >= CHUNK:
            flush()
    flush()


class Migration(migrations.Migration):
    dependencies = [("api", "0004_search_postgresql")]

    operations = [
        migrations.CreateModel(
            name="StatementMedia",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sha256", models.CharField(max_length=64)),
                (
                    "statement",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="listed_media",
                        to="api.publishedstatement",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["sha256"], name="statement_media_hash")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("statement", "sha256"), name="statement_media_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StatementReference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=4)),
                ("sha256", models.CharField(max_length=64)),
                (
                    "statement",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="references",
                        to="api.publishedstatement",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["kind", "sha256"], name="statement_reference_target")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("statement", "kind", "sha256"), name="statement_reference_once"
                    )
                ],
            },
        ),
        # Reversing drops the tables; the JSON columns still hold everything.
        migrations.RunPython(_backfill, migrations.RunPython.noop, elidable=True),
    ]
