"""C2SP signed notes and checkpoints: the spec's rules, and fuzzing of every parser."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from firsthand.log.errors import (
    InvalidSignature,
    LogError,
    MalformedCheckpoint,
    MalformedNote,
    UnverifiedNote,
)
from firsthand.log.merkle import EMPTY_ROOT
from firsthand.log.note import Signer, Verifier, open_note, parse_note, sign_note

ALICE = Signer.from_seed("alice.example", bytes(range(32)))
BOB = Signer.from_seed("bob.example", bytes(range(1, 33)))


def test_signatures_by_unknown_keys_are_ignored() -> None:
    note = sign_note("hello\n", ALICE, BOB)
    assert open_note(note, [ALICE.verifier()]).verified_by == (ALICE.verifier(),)


def test_a_known_key_whose_signature_fails_rejects_the_whole_note() -> None:
    forged = sign_note("hello\n", Signer.from_seed("alice.example", bytes(32)))
    # Same name, other key: a different key ID, so it is simply unknown...
    with pytest.raises(UnverifiedNote):
        open_note(forged, [ALICE.verifier()])
    # ...but the right key ID with a wrong signature is a failure.
    good = sign_note("hello\n", ALICE)
    tampered = good.replace(b"hello", b"jello")
    with pytest.raises(InvalidSignature, match="does not verify"):
        open_note(tampered, [ALICE.verifier()])


def test_the_last_blank_line_separates_text_from_signatures() -> None:
    text = "line one\n\nline three after a blank line\n"
    assert open_note(sign_note(text, ALICE), [ALICE.verifier()]).text == text


@pytest.mark.parametrize("count", [16, 100])
def test_notes_with_many_signatures_are_accepted(count: int) -> None:
    others = [Signer.generate(f"witness{i}.example") for i in range(count - 1)]
    note = sign_note("many\n", ALICE, *others)
    assert open_note(note, [ALICE.verifier(), others[-1].verifier()]).text == "many\n"


def test_more_than_100_signatures_are_refused() -> None:
    note = sign_note("many\n", ALICE)
    extra = note.split(b"\n\n", 1)[1] * 100
    with pytest.raises(MalformedNote, match="at most 100"):
        parse_note(note + extra)


@pytest.mark.parametrize(
    "text", ["no newline", "nul\x00\n", "carriage\r\n", "bell\x07\n", "tab\there\n", ""]
)
def test_texts_with_control_characters_or_no_final_newline_are_refused(text: str) -> None:
    with pytest.raises(MalformedNote):
        sign_note(text, ALICE)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\u2028b", "a\nb"])
def test_bad_key_names_are_refused(name: str) -> None:
    with pytest.raises(MalformedNote):
        Signer.generate(name)


def test_persian_key_names_with_a_zwnj_are_allowed() -> None:
    signer = Signer.generate("نسرین‌کاظمی")
    assert Verifier.from_text(signer.verifier().text()) == signer.verifier()


def test_checkpoints_round_trip_and_name_the_origin() -> None:
    log = Signer.generate("log.example/one")
    checkpoint = Checkpoint("log.example/one", 0, EMPTY_ROOT, ("ext line",))
    opened, note = open_checkpoint(sign_checkpoint(checkpoint, log), log.verifier())
    assert opened == checkpoint
    assert (
        note.text == "log.example/one\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next line\n"
    )
    with pytest.raises(MalformedCheckpoint, match="origin"):
        sign_checkpoint(Checkpoint("other.example", 0, EMPTY_ROOT), log)


@pytest.mark.parametrize(
    "body",
    [
        "o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "o\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "o\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "o\n1\nAAAA\n",
        "o\n1\n",
        "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
        "o\n١\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body: str) -> None:
    with pytest.raises(MalformedCheckpoint):
        Checkpoint.from_body(body)


@settings(max_examples=500)
@given(st.binary(max_size=400))
def test_any_bytes_open_as_a_note_or_raise_our_own_error(data: bytes) -> None:
    with contextlib.suppress(LogError):
        open_note(data, [ALICE.verifier()])


@settings(max_examples=500)
@given(st.text(max_size=200))
def test_any_text_parses_as_a_key_or_checkpoint_or_raises_our_own_error(text: str) -> None:
    for parse in (Verifier.from_text, Signer.from_private_key, Checkpoint.from_body):
        with contextlib.suppress(LogError):
            parse(text)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_flipped_bit_never_yields_a_different_verified_text(data: st.DataObject) -> None:
    text = data.draw(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1))
    text = text.replace("\n", " ") + "\n"
    note = bytearray(sign_note(text, ALICE))
    bit = data.draw(st.integers(0, len(note) * 8 - 1))
    note[bit // 8] ^= 1 << (bit % 8)
    try:
        opened = open_note(bytes(note), [ALICE.verifier()])
    except LogError:
        return
    assert opened.text == text
