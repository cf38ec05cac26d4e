"""The rules on an author's keys that need the log's history, for the publishing pipeline
(firsthand/publishing/accept.py, ``KeyHistory``): who may name a recovery key, revoke a
key, or recover it (web/api/revocations.py reads that history from the rows), and what
trusted contacts and devices may do (succession_checks.py).
"""

from __future__ import annotations

from firsthand.statements.format import Head
from firsthand.statements.identity import fingerprint
from firsthand.web.api.errors import ApiError, say
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.revocations import REVOKING_KINDS, recovery_key_of
from firsthand.web.api.succession_checks import check_succession_rules


class KeyRules:
    """The pipeline's KeyHistory on this site's rows: refuses with ApiError."""

    def check(self, head: Head) -> None:
        if head.recovery is not None or head.kind in REVOKING_KINDS:
            _check_recovery_rules(head)
        check_succession_rules(head)  # contacts, devices (web/api/succession_checks.py)


def _check_recovery_rules(head: Head) -> None:
    """Who may name a recovery key, revoke a key, or recover it (web/api/revocations.py)."""
    author = fingerprint(head.author)
    if head.recovery is not None:
        committed = recovery_key_of(author)
        if committed is not None and committed != fingerprint(head.recovery):
            raise ApiError(
                422,
                say(
                    "this key's recovery key is the one its first statement named; a later "
                    "statement cannot name another"
                ),
            )
        if (
            committed is None
            and PublishedStatement.objects.filter(
                author_fingerprint=author, index__isnull=False
            ).exists()
        ):
            raise ApiError(
                422,
                say(
                    "a recovery key is named in a key's first statement only, so that a thief "
                    "holding the key cannot add one; this key has published without one"
                ),
            )
    if head.kind not in REVOKING_KINDS or head.subject is None:
        return
    subject = fingerprint(head.subject)
    if head.kind == "revocation" and subject == author:
        if head.revoked_from is not None:
            raise ApiError(
                422,
                say(
                    "a key revoking itself does so from now on: only its recovery key may say "
                    "from which earlier log index ('from')"
                ),
            )
        return
    if recovery_key_of(subject) != author:
        raise ApiError(
            422,
            say(
                "a revocation of a key is signed by that key's recovery key (named in its first "
                "statement) or by the key itself"
            )
            if head.kind == "revocation"
            else say(
                "a {kind} of a key is signed by that key's recovery key (named in its first "
                "statement)",
                kind=head.kind,
            ),
        )
