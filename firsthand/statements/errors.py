"""Errors of the statement layer: each names the problem in words a person can act on."""

from firsthand.log.errors import LogError


class StatementError(LogError):
    """Base class: a statement, key file or bundle that cannot be accepted."""


class MalformedStatement(StatementError):
    """The head or the statement file does not follow docs/statement-format.md."""


class BodyMismatch(StatementError):
    """The body is not the one the signed head names (hash or length differ)."""


class BodyTooLarge(StatementError):
    """The body is longer than this server accepts."""


class StatementFromTheFuture(StatementError):
    """The head's time is further ahead than clocks can drift."""


class WrongAuthor(StatementError):
    """The head is not signed by the key its author line names."""


class BundleError(StatementError):
    """An offline bundle does not verify; the message says which check failed.

    ``check`` names that check by its id in docs/bundle-format.md (``format``,
    ``checkpoint``, ``tree-size``, ``head``, ``withheld``, ``body``, ``inclusion``,
    ``revocations``, ``witnesses``), as verify.js names it too; empty when no bundle check failed (a
    bundle that cannot be made).
    """

    def __init__(self, message: str, check: str = "") -> None:
        super().__init__(message)
        self.check = check


class KeyFileError(StatementError):
    """A key file cannot be read, or would overwrite another."""
