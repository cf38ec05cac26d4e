import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.attribution.normalise import (
    UNICODE_VERSION,
    legacy_hash,
    normalise,
    normalised_hash,
    word_list,
    words,
)

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())["vectors"]

# Text that stresses the rules: Persian and Arabic letters and marks, format characters,
# digits of three scripts, compatibility characters, case pairs and separators.
_SPECIAL = (
    "يىیكکةۀەهآأإٱأ\u0654\u0653\u064b\u064e\u0670\u0640\u200c\u200d\u200e\u202b\u00ad\ufeff"
    "۰۱۹٠١٩0 9ǰΐßİﬁ½²\u00a0\u3000\t\n،؛؟«»“”—-_'\".,!"
)
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(_SPECIAL)), max_size=60)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["normalised"][:24] or "empty")
def test_published_vectors_normalise_and_hash_as_documented(vector: dict) -> None:
    assert normalise(vector["input"]) == vector["normalised"]
    assert normalised_hash(vector["input"]) == vector["sha256"]
    assert hashlib.sha256(vector["normalised"].encode()).hexdigest() == vector["sha256"]
    old = vector.get("v1", vector)  # version 1 of the rules, which denials signed before name
    assert " ".join(word_list(vector["input"], rules=1)) == old["normalised"]
    assert legacy_hash(vector["input"]) == old["sha256"]


def test_every_vector_is_in_the_document() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "normalisation.md").read_text()
    for vector in VECTORS:
        assert vector["sha256"] in doc, vector["normalised"]


def test_the_unicode_version_is_the_one_the_document_names() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "normalisation.md").read_text()
    assert f"Unicode {UNICODE_VERSION}" in doc


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("می‌خواهم کتاب‌ها را", "میخواهم کتابها را"),  # ZWNJ dropped
        ("می‌خواهم کتاب‌ها را", "می خواهم کتاب ها را"),  # ZWNJ as a space
        ("يك كتاب", "یک کتاب"),  # Arabic yeh and kaf
        ("مستقلّاً", "مستقلا"),  # shadda and tanwin
        ("بـــــاران", "باران"),  # tatweel
        ("سال ۱۴۰۰", "سال 1400"),  # Persian digits
        ("سال ١٤٠٠", "سال 1400"),  # Arabic-Indic digits
        ("خانهٔ ما", "خانه ما"),  # hamza above as a mark
        ("ﻻ", "لا"),  # presentation-form ligature
        ("I never  said\tTHAT.", "i never said that"),
        # Persian typed with a space where a ZWNJ belongs, as phone keyboards do:
        ("نمی کنم", "نمی‌کنم"),  # verb prefix
        ("گرفته ام", "گرفته‌ام"),  # perfect ending after heh
        ("رفته اند", "رفتهاند"),
        ("به طور کلی", "به‌طور کلی"),  # the preposition به before a ZWNJ
        ("به طور کلی", "بطور کلی"),  # its old joined spelling
        ("حلقه ی سپیده", "حلقه‌ی سپیده"),  # the ezafe after heh
        ("حلقه ی سپیده", "حلقهٔ سپیده"),
        ("حلقه ی سپیده", "حلقۀ سپیده"),
        ("بزرگ تر", "بزرگ‌تر"),  # comparative
        ("بزرگ ترها", "بزرگترها"),
        ("هیچ کس", "هیچ‌کس"),  # compound
        ("آن ها", "آنها"),  # plural
        ("خانه اش", "خانه‌اش"),  # possessive after heh
        ("نامه هایمان", "نامه‌هایمان"),
    ],
)
def test_variant_spellings_normalise_to_the_same_words(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("I never said that", "I said that"),
        ("من نگفتم", "من گفتم"),
        ("1400", "1401"),
        ("مسئول", "مسول"),  # hamza on a seat is kept: a different spelling, not a mark
        ("کاسه آش", "کاسه‌اش"),  # soup, not "his": a word with madda is never the suffix
        ("ماهی", "ماه ی"),  # fish: heh and yeh joined are a word, not an ezafe
        ("حلقهی", "حلقه‌ی"),  # the same, for any word: joined with no ZWNJ is another spelling
        ("بی هیچ", "بیهیچ"),  # بی is also the preposition "without": never joined
        ("بهار", "به ار"),  # a word that starts with به is not the preposition
        ("I never said", "I never sаid"),  # Cyrillic а: another letter, flagged by scripts.py
    ],
)
def test_different_words_stay_different(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(texts)
def test_words_with_spans_agree_with_the_fast_path(text: str) -> None:
    found = words(text)
    assert [w.text for w in found] == word_list(text)
    assert all(0 <= w.start < w.end <= len(text) for w in found)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_normalises_to_single_spaced_words_and_a_hex_hash(text: str) -> None:
    form = normalise(text)
    assert "  " not in form and form == form.strip()
    assert len(normalised_hash(text)) == 64
