"""Errors of the log layer.

Each error says what was wrong in words a person can act on. The web and CLI
layers turn them into a 4xx answer or one line of text.
"""


class LogError(ValueError):
    """Base class for every error the log layer raises on bad input."""


class MalformedNote(LogError):
    """A signed note, key or checkpoint does not follow its C2SP grammar."""


class InvalidSignature(LogError):
    """A signature by a known key does not verify, so the whole note is rejected."""


class UnverifiedNote(LogError):
    """No signature on the note is by any of the keys we were asked to trust."""


class MalformedCheckpoint(MalformedNote):
    """The note's text is not a C2SP tlog-checkpoint body."""


class InvalidProof(LogError):
    """An inclusion or consistency proof does not prove what it claims."""


class EntryTooLarge(LogError):
    """An entry cannot be logged: entry bundles encode lengths as uint16."""


class EmptyEntry(LogError):
    """An entry of zero bytes carries nothing to log."""


class NotFound(LogError):
    """The index, tile or checkpoint asked for does not exist (yet)."""


class AmbiguousKey(LogError):
    """Two trusted keys share a name and key ID, so a signature line cannot tell them apart."""


class KeyNameMismatch(LogError):
    """A key file holds a key of another name than the one asked for (a log's origin is fixed
    when its key is made)."""
