"""What the site keeps about each published statement, beside the log itself.

The log holds only signed heads; this table holds the body, and the head's
fields indexed for the author pages. A row is written before its head is
submitted (index NULL) and gets its index once the log has sequenced it, so a
crash in between leaves a row that the next submission of the same statement
completes. Nothing here names the client that sent it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models


class PublishedStatement(models.Model):
    leaf_hash: models.CharField[str, str] = models.CharField(
        max_length=64, unique=True
    )  # hex RFC 6962 leaf hash of the head
    index: models.BigIntegerField[int | None, int | None] = models.BigIntegerField(
        null=True, unique=True
    )  # set once the log has sequenced it
    head: models.TextField[str, str] = models.TextField()  # the signed head, as logged
    body: models.TextField[str, str] = models.TextField()
    author_key: models.TextField[str, str] = (
        models.TextField()
    )  # verifier key text: name+hhhhhhhh+base64
    author_key_id: models.CharField[str, str] = models.CharField(max_length=8, db_index=True)
    kind: models.CharField[str, str] = models.CharField(max_length=20, db_index=True)
    lang: models.CharField[str, str] = models.CharField(max_length=35)
    signed_at: models.DateTimeField[datetime, datetime] = (
        models.DateTimeField()
    )  # the head's time line: the author's claim
    refers = models.JSONField(default=list)  # ["leaf:<hex>" | "text:<hex>", ...]
    media = models.JSONField(default=list)  # [{"sha256", "type", "size"}, ...]
    # The key ID of a vouch's subject, so an author page can list the vouches it received.
    subject_key_id: models.CharField[str, str] = models.CharField(
        max_length=8, blank=True, default="", db_index=True
    )
    received_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    # The operator's logged withholding notice for this statement, if any. Its body
    # is then erased here and never served; the head stays in the log.
    withheld_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="withholds"
    )

    def __str__(self) -> str:
        return f"statement {self.index} ({self.kind}) by {self.author_key_id}"
