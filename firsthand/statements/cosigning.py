"""Statements that several people sign, one after another, each on their own machine.

A social recovery is signed by its new key and then by each trusted contact it lists; a
device statement by the identity key and then by the device key (docs/recovery.md). No
one hands their key file to another: the first signer writes the statement file with
their line alone (``start``), and each other signer adds theirs (``cosign``), in the one
order the canonical head requires (format.signers_in_order), whatever order they sign in.
The file is ready to publish once every line is there (``missing`` is empty).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from firsthand.log.errors import LogError
from firsthand.log.note import Note, NoteSignature, Signer, Verifier, parse_note, verify_note
from firsthand.statements.errors import MalformedStatement, WrongAuthor
from firsthand.statements.format import (
    Head,
    body_sha256,
    check_body,
    fingerprint_of,
    open_head,
    parse_head_text,
    signers_in_order,
    split_statement_file,
)


def start(
    signer: Signer,
    body: str,
    *,
    kind: str,
    subject: Verifier,
    contacts: Sequence[Verifier] = (),
    revoked_from: int | None = None,
    recovery: Verifier | None = None,
    lang: str = "en",
    time: datetime | None = None,
) -> bytes:
    """A social recovery's or device statement's file with its author's line alone."""
    check_body(body)
    head = Head(
        author=signer.verifier(),
        time=(time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
        lang=lang,
        kind=kind,
        body_sha256=body_sha256(body),
        body_length=len(body.encode("utf-8")),
        subject=subject,
        revoked_from=revoked_from,
        recovery=recovery,
        contacts=tuple(sorted(contacts, key=fingerprint_of)),
    )
    text = head.text()
    parse_head_text(text)  # the checks a reader will make
    return Note(text, (_line(signer, text),)).encode() + b"\n" + body.encode("utf-8")


def _line(signer: Signer, text: str) -> NoteSignature:
    return NoteSignature(signer.name, signer.key_id, signer.sign(text.encode("utf-8")))


def cosign(statement_file: bytes, signer: Signer) -> bytes:
    """The statement file with ``signer``'s line added where the canonical head puts it.

    ``signer`` must be a key the head asks to co-sign, and every line already there must
    verify: a file altered on its way between signers is refused, not signed again.
    """
    head_bytes, body = split_statement_file(statement_file)
    head, note = open_head(head_bytes, check_time=False)
    order = signers_in_order(head)
    key = signer.verifier()
    if key not in order[1:]:
        wanted = ", ".join(k.name for k in order[1:]) or "no one"
        raise WrongAuthor(
            f"this {head.kind} is not for {key.name} to co-sign: it asks {wanted}, by key"
        )
    lines = {(s.name, s.key_id): s for s in note.signatures if _verifies(note, s, order)}
    lines[(key.name, key.key_id)] = _line(signer, note.text)
    ordered = tuple(lines[(k.name, k.key_id)] for k in order if (k.name, k.key_id) in lines)
    return Note(note.text, ordered).encode() + b"\n" + body


def _verifies(note: Note, line: NoteSignature, order: Sequence[Verifier]) -> bool:
    """Whether a line is by a key of ``order`` and verifies; a failing one is refused."""
    key = next((k for k in order if (k.name, k.key_id) == (line.name, line.key_id)), None)
    if key is None:
        return False  # someone else's line: not part of this statement's head
    if not key.verify(note.text.encode("utf-8"), line.signature):
        raise MalformedStatement(
            f"the signature line by {line.name} does not verify: the statement was changed "
            "after it was signed"
        )
    return True


def missing(statement_file: bytes) -> list[Verifier]:
    """The keys whose lines the statement still needs before a server logs it."""
    head_bytes, _ = split_statement_file(statement_file)
    try:
        note = parse_note(head_bytes)
    except LogError as error:
        raise MalformedStatement(f"the head is not a signed note: {error}") from None
    head = parse_head_text(note.text)
    found = []
    for key in signers_in_order(head):
        try:
            verify_note(Note(note.text, note.signatures), [key])
        except LogError:
            found.append(key)
    return found
