import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.attribution.normalise import word_list
from firsthand.attribution.sentences import segments


def shown(text: str) -> list[tuple[str, list[str]]]:
    """Each passage as (kind, its pieces' text): S sentence, Q quoted, F frame."""
    return [
        ("Q" if s.quoted else "F" if s.frame else "S", [text[p.start : p.end] for p in s.pieces])
        for s in segments(text)
    ]


def test_a_quote_in_an_article_is_its_sentences_and_the_frame_around_it() -> None:
    text = (
        "He said in an interview: “I left the Circle of Dawn in 2019. I never went back.” "
        "The group did not answer."
    )
    assert shown(text) == [
        ("F", ["He said in an interview:"]),
        ("Q", ["I left the Circle of Dawn in 2019."]),
        ("Q", ["I never went back."]),
        ("S", ["The group did not answer."]),
    ]


@pytest.mark.parametrize(
    ("opening", "closing"), [("«", "»"), ("“", "”"), ("„", "“"), ("‹", "›"), ('"', '"'), ("'", "'")]
)
def test_every_kind_of_quotation_mark_makes_a_quote(opening: str, closing: str) -> None:
    text = f"She wrote: {opening}We gave our wages to the treasurer.{closing} she said."
    assert shown(text) == [
        ("F", ["She wrote:"]),
        ("Q", ["We gave our wages to the treasurer."]),
        ("F", ["she said."]),
    ]


def test_apostrophes_and_short_scare_quotes_are_not_quotes() -> None:
    text = "The members' money went to the 'school' and we didn't ask why."
    assert shown(text) == [("S", [text])]


def test_a_persian_frame_may_follow_the_quote() -> None:
    text = "«من در اسفند ۱۳۹۸ از حلقه‌ی سپیده بیرون آمدم.» او این را در گفت‌وگویی گفت."
    assert shown(text) == [
        ("Q", ["من در اسفند ۱۳۹۸ از حلقه‌ی سپیده بیرون آمدم."]),
        ("F", ["او این را در گفت‌وگویی گفت."]),
    ]


def test_a_long_clause_or_a_capital_after_a_quote_starts_a_sentence() -> None:
    text = "«من در اسفند ۱۳۹۸ بیرون آمدم.» گروه به پرسش‌های ما درباره‌ی این نامه پاسخی نداد."
    assert [kind for kind, _ in shown(text)] == ["Q", "S"]
    assert [kind for kind, _ in shown("“I left in 2019 for good.” She smiled.")] == ["Q", "S"]
    dashed = "“If you are inside and reading this, you can leave.” — Amara, in her statement."
    assert [kind for kind, _ in shown(dashed)] == ["Q", "F"]


@pytest.mark.parametrize("marker", ["…", "...", ". . .", "[…]", "[...]", "(…)", "(...)"])
def test_an_ellipsis_cuts_a_passage_into_pieces(marker: str) -> None:
    text = f"“I left the Circle of Dawn {marker} and never went back.”"
    [quote] = segments(text)
    assert [text[p.start : p.end] for p in quote.pieces] == [
        "I left the Circle of Dawn",
        "and never went back.",
    ]
    assert quote.gaps == 1 and quote.quoted


def test_an_ellipsis_at_either_end_says_the_quote_was_trimmed() -> None:
    text = "… and I never went back … "
    [passage] = segments(text)
    assert passage.gaps == 0 and passage.open_gap and passage.close_gap


def test_abbreviations_initials_and_numbers_end_no_sentence() -> None:
    text = "Dr. Smith met J. R. Moss at 3.5 p.m. on the 4th. Then they left, and so did I. Fine."
    assert [p for _, [p] in shown(text)] == [
        "Dr. Smith met J. R. Moss at 3.5 p.m. on the 4th.",
        "Then they left, and so did I.",
        "Fine.",
    ]


def test_line_breaks_and_persian_question_marks_end_sentences() -> None:
    text = "چرا بیرون آمدم؟ چون دیگر باور نداشتم\nپایان"
    assert [p for _, [p] in shown(text)] == ["چرا بیرون آمدم؟", "چون دیگر باور نداشتم", "پایان"]


_ALPHABET = st.sampled_from([*list("abc de,.!?:;\n'\"«»“”…()[]-—"), "...", " I ", "Dr."])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_every_word_of_a_text_is_in_exactly_one_piece_in_order(text: str) -> None:
    found = segments(text)
    pieces = [p for s in found for p in s.pieces]
    assert all(a.end <= b.start for a, b in itertools.pairwise(pieces))
    assert all(s.start <= p.start <= p.end <= s.end for s in found for p in s.pieces)
    assert [w for p in pieces for w in word_list(text[p.start : p.end])] == word_list(text)
