"""Statements as an attacker, or a server older than today's rules, would make them.

sign_statement refuses what read_statement refuses, so these are written by hand
from the head's text and the signed-note format: the tests must show the server
refusing, or a page not trusting, exactly such files.
"""

from __future__ import annotations

from datetime import UTC, datetime

from firsthand.log.note import Signer, sign_note
from firsthand.statements.format import Head, body_sha256


def one_way_rotation(old: Signer, new_key: Signer, body: str = "My new key.") -> bytes:
    """A key rotation from ``old`` to ``new_key`` signed by the old key alone: a file."""
    head = Head(
        author=old.verifier(),
        time=datetime.now(UTC).replace(microsecond=0),
        lang="en",
        kind="key-rotation",
        body_sha256=body_sha256(body),
        body_length=len(body.encode("utf-8")),
        new_key=new_key.verifier(),
    )
    return sign_note(head.text(), old) + b"\n" + body.encode("utf-8")
