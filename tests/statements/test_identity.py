"""Who an author is (the fingerprint), and which names they may use."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from firsthand.log.note import Signer
from firsthand.statements.errors import MalformedStatement
from firsthand.statements.format import sign_statement
from firsthand.statements.identity import (
    check_label,
    fingerprint,
    grouped_fingerprint,
    looks_alike,
    short_fingerprint,
    skeleton,
)

SEED = bytes(range(32))


def test_the_fingerprint_is_the_sha256_of_the_raw_public_key_whatever_the_name() -> None:
    rana = Signer.from_seed("rana.example", SEED)
    renamed = Signer.from_seed("someone.else", SEED)
    assert fingerprint(rana.verifier()) == hashlib.sha256(rana.public_key).hexdigest()
    assert fingerprint(renamed.verifier()) == fingerprint(rana.verifier())
    assert rana.verifier().key_id != renamed.verifier().key_id
    fp = fingerprint(rana.verifier())
    assert grouped_fingerprint(fp).replace(" ", "") == fp and len(grouped_fingerprint(fp)) == 79
    assert short_fingerprint(fp) == " ".join(fp[i : i + 4] for i in range(0, 16, 4))


@pytest.mark.parametrize(
    "label",
    [
        "rana\u200b.example",  # zero-width space
        "\u200crana",  # zero-width non-joiner, not between Arabic letters
        "rana\u00ad",  # soft hyphen
        "ra\u202ena",  # a bidi override
        "rana\u2060",  # word joiner
        "rana\ufe0f",  # a variation selector
        "rana\U000e0041",  # a tag character
        "\u3164rana",  # Hangul filler
    ],
)
def test_names_with_invisible_characters_are_refused_naming_the_character(label: str) -> None:
    with pytest.raises(MalformedStatement, match=r"invisible character U\+[0-9A-F]{4,5}"):
        check_label(label, "the display name")


@pytest.mark.parametrize("label", ["rana.example", "Rana Tavakoli", "پریسا", "می\u200cخواهم"])
def test_visible_names_and_the_persian_zwnj_between_arabic_letters_pass(label: str) -> None:
    check_label(label, "the display name")


def test_a_statement_under_a_name_with_an_invisible_character_is_refused() -> None:
    signer = Signer.from_seed("rana\u200b.example", SEED)
    with pytest.raises(MalformedStatement, match="the author key's name"):
        sign_statement(signer, "x\n")
    rana = Signer.from_seed("rana.example", SEED)
    with pytest.raises(MalformedStatement, match="the display name"):
        sign_statement(rana, "", kind="profile", name="Rana\u200b Tavakoli")


def test_names_that_look_alike_share_a_skeleton() -> None:
    assert skeleton("rana.example") == skeleton("rаna.example")  # Cyrillic а
    assert looks_alike("Maryam", "maryam") and looks_alike("RANA TAVAKOLI", "Rana Tavakoli")
    assert looks_alike("Pаrisa Мahdavi", "Parisa Mahdavi")  # Cyrillic а and М
    assert skeleton("paypal") == skeleton("paypa1")
    assert skeleton("rana.example") != skeleton("omid.example")


def test_the_documented_fingerprint_is_the_worked_example_keys() -> None:
    rana = Signer.from_seed("rana.example", SEED).verifier()
    doc = (Path(__file__).resolve().parents[2] / "docs" / "statement-format.md").read_text()
    assert f"`{rana.public_key.hex()}` (hex)" in doc
    assert f"fingerprint\n`{fingerprint(rana)}`" in doc
    assert f"`{grouped_fingerprint(fingerprint(rana))}`" in doc
