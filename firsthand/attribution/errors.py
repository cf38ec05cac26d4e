"""What can go wrong when checking a text or feeding the index, as types a caller can catch."""

from __future__ import annotations


class AttributionError(Exception):
    """Base of every error this package raises; the message says what to change."""


class NothingToCheck(AttributionError):
    """The text has no words once normalised (empty, or only punctuation and symbols)."""


class TextTooLong(AttributionError):
    """The text is longer than a check accepts."""


class MalformedRecord(AttributionError):
    """A statement record given to the index is not well formed (bad hash, unknown kind...)."""


class UnknownAuthor(AttributionError):
    """An author given to a check is neither a verifier key nor an 8-hex key ID."""
