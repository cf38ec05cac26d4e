"""Why the pipeline did not log a statement: refused for what it says, or not now.

Each error carries the status a server answers with (the HTTP one: the intake
socket's protocol and the JSON API share it), a sentence a person can act on,
and, for one that may pass, how long to wait. The sentence is an English
message with ``{name}`` places and the values that fill them, kept apart so
that the web can say it in the reader's language (web/api/errors.say); ``str()``
of the error is the English sentence, for the CLI and the logs. A sentence from
elsewhere (a lower layer's error) is passed as ``"{error}"`` with ``error=``,
so that no brace in it is ever taken for a place.
"""

from __future__ import annotations

from collections.abc import Mapping


class PublishingError(Exception):
    """A statement the pipeline did not log; ``status``, ``message`` and ``values`` say why."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        values: Mapping[str, object] | None = None,
        **more_values: object,
    ) -> None:
        self.values = {**(values or {}), **more_values}
        super().__init__(message.format(**self.values) if self.values else message)
        self.message = message
        if status is not None:
            self.status = status
        self.retry_after = retry_after


class Refused(PublishingError):
    """Signed and well formed, but refused for what it says given what the log holds."""

    status = 422


class Forbidden(Refused):
    """Signed by a key that may not say this here (a withholding by anyone but the operator)."""

    status = 403


class Conflict(Refused):
    """At odds with what the log already did (a statement withheld by another notice)."""

    status = 409


class Unavailable(PublishingError):
    """The log cannot take the statement now; sending it again later is safe."""

    status = 503
