"""Authors by fingerprint, and the names they carry by their look-alike skeletons.

Until now rows named their author and a vouch's subject by the 8-hex C2SP key ID,
32 bits over the key's name and the key, which anyone can grind to collide with
another author's. Each row now carries the SHA-256 fingerprint of its author's public
key (and of the key it is about), computed from what it already stores; and every
(author, name) pair goes into AuthorLabel with its TR39 skeleton. Chunked, so a log
of a million statements migrates without holding it in memory.
"""

import hashlib
import importlib

from django.db import migrations, models

CHUNK = 2000


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The rules of their time are statements.identity's and format's: a fingerprint and
    # a skeleton are pure functions of the key and the name, so calling them is safe.
    from firsthand.log.errors import LogError
    from firsthand.log.note import parse_note
    from firsthand.statements.format import parse_head_text
    from firsthand.statements.identity import fingerprint, fingerprint_of_text, skeletons

    statements = apps.get_model("api", "PublishedStatement")
    labels = apps.get_model("api", "AuthorLabel")
    alias = schema_editor.connection.alias
    rows = statements.objects.using(alias).order_by("pk")
    seen: set[tuple[str, str]] = set()
    last = 0
    while True:
        chunk = list(
            rows.filter(pk__gt=last).only("pk", "author_key", "kind", "head", "subject_key_id")[
                :CHUNK
            ]
        )
        if not chunk:
            return
        new_labels = []
        for row in chunk:
            try:
                row.author_fingerprint = fingerprint_of_text(row.author_key)
            except (LogError, ValueError):
                continue  # not a key: no row the site stored, and nothing to name
            pair = (row.author_fingerprint, row.author_key.split("+", 1)[0])
            display = None
            if row.subject_key_id or row.kind == "profile":
                try:
                    head = parse_head_text(parse_note(row.head.encode("utf-8")).text)
                except (LogError, ValueError):
                    head = None
                about = None if head is None else head.subject or head.new_key
                row.subject_fingerprint = "" if about is None else fingerprint(about)
                display = None if head is None else head.name
            for label, is_display in ((pair[1], False), (display, True)):
                if label is not None and (pair[0], label) not in seen:
                    seen.add((pair[0], label))
                    new_labels.append(
                        labels(
                            fingerprint=pair[0],
                            label=label,
                            label_hash=_sha256(label),
                            skeleton_hash=_sha256(skeletons(label)[0]),
                            folded_skeleton_hash=_sha256(skeletons(label)[1]),
                            is_display_name=is_display,
                        )
                    )
        statements.objects.using(alias).bulk_update(
            chunk, ["author_fingerprint", "subject_fingerprint"], batch_size=CHUNK
        )
        labels.objects.using(alias).bulk_create(new_labels, ignore_conflicts=True)
        last = chunk[-1].pk


def _search_triggers_again(apps, schema_editor):  # type: ignore[no-untyped-def]
    """On SQLite, adding a NOT NULL column copies the statements table into a new one, and
    the full-text search triggers of migration 0003 go with the old table: make them again.
    (The search table itself is keyed by row id, which the copy keeps.) Any later migration
    that adds or alters a column of api_publishedstatement must do the same."""
    if schema_editor.connection.vendor != "sqlite":
        return
    search = importlib.import_module("firsthand.web.api.migrations.0003_search")
    for sql in search.CREATE:
        if sql.startswith("CREATE TRIGGER"):
            schema_editor.execute(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0006_statement_awaiting_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedstatement",
            name="author_fingerprint",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publishedstatement",
            name="subject_fingerprint",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.CreateModel(
            name="AuthorLabel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("fingerprint", models.CharField(max_length=64)),
                ("label", models.TextField()),
                ("label_hash", models.CharField(max_length=64)),
                ("skeleton_hash", models.CharField(max_length=64)),
                ("folded_skeleton_hash", models.CharField(max_length=64)),
                ("is_display_name", models.BooleanField(default=False)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("fingerprint", "label_hash"), name="author_label_once"
                    )
                ],
                "indexes": [
                    models.Index(fields=["skeleton_hash"], name="author_label_skeleton"),
                    models.Index(fields=["folded_skeleton_hash"], name="author_label_folded"),
                ],
            },
        ),
        migrations.RunPython(_search_triggers_again, migrations.RunPython.noop),
        migrations.RunPython(_backfill, migrations.RunPython.noop, elidable=True),
        # Indexed after the backfill: one index build instead of a million index updates.
        migrations.AddIndex(
            model_name="publishedstatement",
            index=models.Index(fields=["author_fingerprint"], name="statement_author"),
        ),
        migrations.AddIndex(
            model_name="publishedstatement",
            index=models.Index(fields=["subject_fingerprint"], name="statement_subject"),
        ),
    ]
