"""A partial index of the rows still waiting for their log index (the sequencer's query)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0005_statement_listings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="publishedstatement",
            index=models.Index(
                condition=models.Q(("index", None)), fields=["id"], name="statement_awaiting_index"
            ),
        ),
    ]
