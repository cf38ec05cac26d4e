"""The head lines and signatures of contacts, social recoveries and devices (format.py).

docs/statement-format.md, "Kinds" and "Canonical head": contact lines in ascending
fingerprint order, a threshold from 1 to n, a social recovery signed by its new key and
then each listed contact in line order, a device statement by the identity and the device.
"""

from __future__ import annotations

import pytest

from firsthand.log.note import Note, Signer, parse_note, sign_note
from firsthand.statements import cosigning
from firsthand.statements.errors import MalformedStatement, WrongAuthor
from firsthand.statements.format import (
    check_new_head,
    contacts_signed,
    fingerprint_of,
    open_head,
    parse_head_text,
    read_statement,
    sign_statement,
    split_statement_file,
)

AUTHOR = Signer.from_seed("rana.example", bytes(range(32)))
FRIENDS = [Signer.from_seed(f"friend{i}", bytes([i]) * 32) for i in range(1, 5)]
NEW = Signer.from_seed("rana.2027", bytes([9]) * 32)


def ordered(signers: list[Signer]) -> list[Signer]:
    return sorted(signers, key=lambda s: fingerprint_of(s.verifier()))


def test_a_contacts_statement_names_its_contacts_in_fingerprint_order_and_a_threshold() -> None:
    statement = sign_statement(
        AUTHOR,
        "My trusted contacts.",
        kind="contacts",
        contacts=[f.verifier() for f in reversed(FRIENDS[:3])],
        threshold=2,
    )
    head = statement.head
    assert head.threshold == 2
    assert list(head.contacts) == [f.verifier() for f in ordered(FRIENDS[:3])]
    text = statement.head_bytes.decode()
    assert text.index("\nthreshold 2\n") > text.rindex("\ncontact ")


def _contacts_text(contacts: list[Signer], threshold: str = "2") -> str:
    base = sign_statement(
        AUTHOR, "x", kind="contacts", contacts=[FRIENDS[0].verifier()], threshold=1
    )
    before = parse_note(base.head_bytes).text.split("contact ")[0]
    lines = "".join(f"contact {c.verifier().text()}\n" for c in contacts)
    return f"{before}{lines}threshold {threshold}\n"


@pytest.mark.parametrize(
    ("contacts", "threshold", "problem"),
    [
        (list(reversed(ordered(FRIENDS[:2]))), "1", "ascending order"),
        ([FRIENDS[0], FRIENDS[0]], "1", "ascending order"),
        (FRIENDS[:2], "3", "more than the 2 contacts"),
        (FRIENDS[:2], "0", "threshold"),
        (FRIENDS[:2], "01", "threshold"),
        ([AUTHOR], "1", "not the author's"),
        ([], "1", "names contacts"),
    ],
)
def test_malformed_contacts_are_refused(
    contacts: list[Signer], threshold: str, problem: str
) -> None:
    with pytest.raises(MalformedStatement, match=problem):
        parse_head_text(
            _contacts_text(
                ordered(contacts) if problem != "ascending order" else contacts, threshold
            )
        )


def _social(signers: list[Signer], listed: list[Signer] | None = None) -> bytes:
    """A social recovery's head listing ``listed`` and signed by the new key then ``signers``."""
    proper = sign_statement(
        NEW,
        "Rana's key was taken; this is her new key.",
        kind="social-recovery",
        subject=AUTHOR.verifier(),
        contacts=[f.verifier() for f in (listed or signers)],
        cosigners=listed or signers,
    )
    return sign_note(parse_note(proper.head_bytes).text, NEW, *signers)


def test_a_social_recovery_is_signed_by_the_new_key_then_each_contact_in_line_order() -> None:
    head_bytes = _social(ordered(FRIENDS[:2]))
    head, note = open_head(head_bytes, check_time=False)
    check_new_head(head, note, head_bytes)
    assert contacts_signed(head, note) == {fingerprint_of(f.verifier()) for f in FRIENDS[:2]}


def test_a_social_recovery_with_contact_signatures_out_of_order_is_not_canonical() -> None:
    head_bytes = _social(list(reversed(ordered(FRIENDS[:2]))), listed=FRIENDS[:2])
    head, note = open_head(head_bytes, check_time=False)
    with pytest.raises(MalformedStatement, match="in that order"):
        check_new_head(head, note, head_bytes)


def test_a_social_recovery_missing_a_listed_contacts_signature_is_refused() -> None:
    head_bytes = _social(ordered(FRIENDS[:1]), listed=FRIENDS[:2])
    head, note = open_head(head_bytes, check_time=False)
    assert len(contacts_signed(head, note)) == 1  # a reader counts what verifies
    with pytest.raises(WrongAuthor, match="each contact"):
        check_new_head(head, note, head_bytes)


def test_a_contacts_forged_signature_does_not_count() -> None:
    head_bytes = _social(ordered(FRIENDS[:2]))
    note = parse_note(head_bytes)
    last = note.signatures[-1]
    forged = Note(note.text, (*note.signatures[:-1], type(last)(last.name, last.key_id, bytes(64))))
    head, verified = open_head(forged.encode(), check_time=False)
    assert len(contacts_signed(head, verified)) == 1


def test_a_device_is_added_by_both_keys() -> None:
    phone = Signer.generate("rana.phone")
    statement = sign_statement(
        AUTHOR, "My phone.", kind="device", subject=phone.verifier(), cosigners=[phone]
    )
    assert [s.name for s in statement.note.signatures] == ["rana.example", "rana.phone"]
    one_way = sign_note(parse_note(statement.head_bytes).text, AUTHOR)
    with pytest.raises(WrongAuthor, match="device"):
        read_statement(one_way + b"\nMy phone.")


def test_a_device_cannot_be_its_own_identity() -> None:
    with pytest.raises(MalformedStatement, match="another key"):
        sign_statement(AUTHOR, "x", kind="device", subject=AUTHOR.verifier(), cosigners=[AUTHOR])


def test_a_device_revocation_by_the_device_itself_reads() -> None:
    phone = Signer.generate("rana.phone")
    statement = sign_statement(
        phone, "This phone is lost.", kind="device-revocation", subject=phone.verifier()
    )
    assert statement.head.subject == phone.verifier()


@pytest.mark.parametrize("kind", ["device", "device-revocation"])
def test_statements_about_a_device_name_no_recovery_key(kind: str) -> None:
    phone = Signer.generate("rana.phone")
    with pytest.raises(MalformedStatement, match="recovery key"):
        sign_statement(
            AUTHOR,
            "x",
            kind=kind,
            subject=phone.verifier(),
            recovery=NEW.verifier(),
            cosigners=[phone],
        )


def test_contacts_co_sign_a_social_recovery_one_by_one_in_any_order() -> None:
    """No one hands over a key file: each contact adds a line on their own machine."""
    friends = ordered(FRIENDS[:3])
    started = cosigning.start(
        NEW,
        "Rana's key was taken.",
        kind="social-recovery",
        subject=AUTHOR.verifier(),
        contacts=[f.verifier() for f in friends],
    )
    assert [k.name for k in cosigning.missing(started)] == [f.name for f in friends]
    file = started
    for friend in (friends[2], friends[0], friends[1]):
        file = cosigning.cosign(file, friend)
    assert cosigning.missing(file) == []
    statement = read_statement(file)  # every logging rule: the canonical order included
    assert [s.name for s in statement.note.signatures] == [NEW.name, *(f.name for f in friends)]


def test_a_stranger_cannot_co_sign_and_an_altered_file_is_refused() -> None:
    started = cosigning.start(
        NEW,
        "x",
        kind="social-recovery",
        subject=AUTHOR.verifier(),
        contacts=[FRIENDS[0].verifier()],
    )
    with pytest.raises(WrongAuthor, match="not for"):
        cosigning.cosign(started, FRIENDS[1])
    head_bytes, body = split_statement_file(cosigning.cosign(started, FRIENDS[0]))
    note = parse_note(head_bytes)
    forged_line = type(note.signatures[1])(FRIENDS[0].name, FRIENDS[0].verifier().key_id, bytes(64))
    forged = Note(note.text, (note.signatures[0], forged_line)).encode() + b"\n" + body
    with pytest.raises(MalformedStatement, match="does not verify"):
        cosigning.cosign(forged, FRIENDS[0])


def test_a_device_co_signs_its_own_certification() -> None:
    phone = Signer.generate("rana.phone")
    started = cosigning.start(AUTHOR, "My phone.", kind="device", subject=phone.verifier())
    assert cosigning.missing(started) == [phone.verifier()]
    statement = read_statement(cosigning.cosign(started, phone))
    assert statement.head.kind == "device"
