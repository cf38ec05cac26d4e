"""What the console keeps: readers' reports, and the operator's sign-ins.

A report stores what the reader wrote and when, and nothing about who sent it:
no address, no browser, no account. The reader gets a receipt (a random token,
of which only the SHA-256 is stored) to read the operator's answer later.
"""

from __future__ import annotations

from django.db import models

from firsthand.web.api.models import PublishedStatement

REASONS = (
    ("private", "It publishes someone's address or other private details"),
    ("threat", "It threatens or endangers someone"),
    ("not-theirs", "It was not written by the person it claims"),
    ("other", "Something else"),
)
OPEN, WITHHELD, ANSWERED = "open", "withheld", "answered"
STATUSES = ((OPEN, "Waiting for the operator"), (WITHHELD, "Withheld"), (ANSWERED, "Answered"))


class Report(models.Model):
    """A reader's report of a statement to the operator."""

    statement: models.ForeignKey[PublishedStatement, PublishedStatement] = models.ForeignKey(
        PublishedStatement, on_delete=models.CASCADE, related_name="reports"
    )
    reason: models.CharField[str, str] = models.CharField(max_length=20, choices=REASONS)
    details: models.TextField[str, str] = models.TextField(blank=True, max_length=2000)
    received_at: models.DateTimeField = models.DateTimeField(auto_now_add=True)
    status: models.CharField[str, str] = models.CharField(
        max_length=10, choices=STATUSES, default=OPEN, db_index=True
    )
    answer: models.TextField[str, str] = models.TextField(blank=True, max_length=2000)
    answered_at: models.DateTimeField = models.DateTimeField(null=True, blank=True)
    receipt_sha256: models.CharField[str, str] = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"report {self.pk} of row {self.statement_id}"  # type: ignore[attr-defined]


class OperatorSession(models.Model):
    """A signed-in console: the SHA-256 of its cookie's random value, and when it ends."""

    token_sha256: models.CharField[str, str] = models.CharField(max_length=64, unique=True)
    expires_at: models.DateTimeField = models.DateTimeField()


class UsedSignIn(models.Model):
    """A sign-in code already used: each code signs in once."""

    nonce: models.CharField[str, str] = models.CharField(max_length=64, unique=True)
    expires_at: models.DateTimeField = models.DateTimeField()
