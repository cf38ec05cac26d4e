"""The cheap paths of note parsing give exactly the answers of the full checks."""

from __future__ import annotations

import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log.errors import MalformedNote
from firsthand.log.note import Signer, Verifier, parse_note, sign_note

ALICE = Signer.from_seed("alice.example", bytes(range(32)))
BANNED = re.compile("[\x00-\x09\x0b-\x1f]")


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(max_codepoint=0x2100, exclude_categories=["Cs"])))
def test_a_note_is_refused_exactly_when_it_holds_a_banned_control_character(text: str) -> None:
    data = sign_note("statement\n", ALICE).replace(b"statement", text.encode() or b"x")
    decoded = data.decode()
    first = BANNED.search(decoded)
    if first is None:
        try:
            parse_note(data)
        except MalformedNote as error:
            assert "control character" not in str(error)
        return
    # Named by code point and by its place in the note, as the full check names it.
    with pytest.raises(
        MalformedNote,
        match=rf"U\+{ord(first.group()):04X} at character "
        rf"{first.start()};",
    ):
        parse_note(data)


def test_a_verifier_pickles_as_its_text_and_still_verifies() -> None:
    verifier = ALICE.verifier()
    again = pickle.loads(pickle.dumps(verifier))
    assert again == verifier
    assert again.text() == verifier.text()
    assert again.verify(b"hello\n", ALICE.sign(b"hello\n"))
    assert not again.verify(b"hello!\n", ALICE.sign(b"hello\n"))


def test_a_verifiers_text_is_the_same_every_time_it_is_asked() -> None:
    verifier = Verifier("alice.example", ALICE.public_key)
    assert verifier.text() == verifier.text() == ALICE.verifier().text()
    assert Verifier.from_text(verifier.text()) == verifier
