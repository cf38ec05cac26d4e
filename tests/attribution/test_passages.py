"""Sentence-level attribution: what each passage gets, and the headline that follows.

Each test is a text as the organisation an author left would circulate it, or as a
journalist would paste it.
"""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.attribution import (
    AttributionIndex,
    StatementRecord,
    check,
    legacy_hash,
    normalise,
    normalised_hash,
)
from firsthand.log.note import Signer
from firsthand.statements.format import Reference, Statement, sign_statement

TIME = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
RANA = Signer.from_seed("rana.example", bytes(range(32)))
TOMAS = Signer.from_seed("tomas.example", bytes(range(1, 33)))
SENTENCES = [
    "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019.",
    "I never supported their council, and I never asked anyone to join them.",
    "We gave our wages to the treasurer every Friday.",
    "I never went back.",
    "Everything I said in their recruitment videos was written for me by the elders.",
]
STATEMENT = " ".join(SENTENCES)
INVENTED = [
    "Today I regret it and I want to come back to the elders.",
    "The council was always fair to every member who asked for help.",
    "My years in the community were the happiest of my life.",
    "I was paid by journalists to write those statements.",
]
LETTER = (
    "I was wrong about the Circle of Dawn and I ask everyone to forgive the elders. "
    "We gave our wages to the treasurer every Friday. They used the money well."
)
PERSIAN = "این کار را به طور کامل انجام داده ام و دیگر نمی کنم، چون از حلقه ی سپیده بیرون آمده ام."


def signed(signer: Signer, body: str, **fields: object) -> Statement:
    return sign_statement(signer, body, time=TIME, **fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def index() -> AttributionIndex:
    letter_denial = signed(
        RANA,
        f"I never wrote this letter: «{LETTER}»",
        kind="denial",
        refers=[Reference("text", normalised_hash(LETTER))],
    )
    # Signed before the rules of version 2: the denial names the version 1 hash.
    old_denial = signed(
        RANA, "Not mine.", kind="denial", refers=[Reference("text", legacy_hash(PERSIAN))]
    )
    statements = [
        signed(RANA, STATEMENT),
        letter_denial,
        old_denial,
        signed(TOMAS, "I taught the evening course at Lantern House from 2012 to 2016."),
    ]
    return AttributionIndex.build(StatementRecord.from_statement(s) for s in statements)


def verdicts(result: object) -> list[str]:
    return [p.verdict for p in result.passages]  # type: ignore[attr-defined]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3),
    st.lists(st.sampled_from(INVENTED), min_size=1, max_size=2),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_true_sentences_mixed_with_invented_ones_are_never_signed(
    index: AttributionIndex, true: list[str], invented: list[str], rng, quoted: bool
) -> None:
    parts = true + invented
    rng.shuffle(parts)
    text = " ".join(parts)
    if quoted:
        text = f"A former member wrote: “{text}”"
    attributable = any(len(s.split()) >= 5 for s in true)  # "I never went back." alone is not
    for authors in ((), (RANA.verifier().text(),)):
        result = check(index, text, authors)
        assert result.verdict == ("mixed" if attributable else "unknown"), (text, result.message)
        found = {p.text.strip("“”"): p.verdict for p in result.passages if not p.frame}
        for sentence in invented:
            assert found[sentence] == "unknown"


def test_only_the_whole_statement_is_signed(index: AttributionIndex) -> None:
    assert check(index, STATEMENT).verdict == "signed"
    assert check(index, " ".join(SENTENCES[:-1])).verdict == "contained"
    assert check(index, " ".join(SENTENCES[:2] + SENTENCES[3:])).verdict == "altered"  # a cut


def test_the_headline_says_which_sentence_is_whose(index: AttributionIndex) -> None:
    result = check(index, f"{SENTENCES[0]} {INVENTED[0]}", [RANA.verifier().text()])
    assert result.message.startswith("Mixed: The first sentence is word for word in a statement")
    assert "the rest appears in no statement of rana.example" in result.message


def test_a_sentence_the_author_signed_stays_theirs_inside_a_letter_they_denied(
    index: AttributionIndex,
) -> None:
    # The forger built the letter around a true sentence; the denial does not unsay it.
    result = check(index, SENTENCES[2])
    assert result.verdict == "contained"
    assert [f.verdict for f in result.other_findings] == ["denied"]
    whole = check(index, f"The letter reads: «{LETTER}»")
    assert whole.verdict == "denied"
    assert verdicts(whole) == ["unknown", "denied", "contained", "denied"]
    assert "signed a denial of the text quoted here" in whole.message


def test_a_denial_signed_under_the_first_rules_still_finds_the_text(
    index: AttributionIndex,
) -> None:
    result = check(index, PERSIAN + "!")
    assert result.verdict == "denied" and result.findings[0].how == "text hash"
    assert normalised_hash(PERSIAN) != legacy_hash(PERSIAN)
    # Version 1 told the spellings apart, so its hash names this one only.
    zwnj = PERSIAN.replace(" ام", "\u200cام").replace("نمی ", "نمی\u200c")
    assert check(index, zwnj).verdict != "denied"


def test_a_gap_is_a_quote_and_an_unmarked_cut_an_alteration(index: AttributionIndex) -> None:
    gap = check(index, "She wrote: “I, Rana Tavakoli, declare that I left … in March 2019.”")
    assert gap.verdict == "contained"
    [quote] = [p for p in gap.passages if p.quoted]
    assert quote.gaps == 1 and quote.finding is not None and quote.finding.gaps == 1
    cut = check(index, f"{SENTENCES[0]} {SENTENCES[2]}")
    assert cut.verdict == "altered" and cut.passages[1].cut_before == 13
    marked = check(index, f"{SENTENCES[0]} … {SENTENCES[2]}")
    assert marked.verdict == "contained"


def test_a_true_clause_glued_to_an_invented_one_is_split(index: AttributionIndex) -> None:
    text = "I left the Circle of Dawn in March 2019, and today I regret it and want to return."
    result = check(index, text)
    assert result.verdict == "mixed"
    assert [(p.verdict, p.split) for p in result.passages] == [
        ("contained", True),
        ("unknown", True),
    ]


def test_a_short_sentence_is_the_authors_where_it_continues_their_statement(
    index: AttributionIndex,
) -> None:
    result = check(index, f"{SENTENCES[2]} {SENTENCES[3]}")
    assert verdicts(result) == ["contained", "contained"]
    alone = check(index, f"{INVENTED[0]} {SENTENCES[3]}")
    assert verdicts(alone) == ["unknown", "unknown"]  # four words prove nothing alone


def test_a_changed_sentence_among_true_ones_is_altered_with_its_diff(
    index: AttributionIndex,
) -> None:
    text = " ".join(
        [SENTENCES[0], SENTENCES[1].replace("never supported", "supported"), SENTENCES[2]]
    )
    result = check(index, text)
    assert result.verdict == "altered"
    assert verdicts(result) == ["contained", "altered", "contained"]
    changed = [s for s in result.passages[1].finding.diff if s.op != "equal"]  # type: ignore[union-attr]
    assert [(s.op, s.signed) for s in changed] == [("delete", "never")]


def test_only_the_authors_asked_about_decide_each_passage(index: AttributionIndex) -> None:
    text = f"{SENTENCES[0]} I taught the evening course at Lantern House from 2012 to 2016."
    result = check(index, text, [RANA.verifier().text()])
    assert result.verdict == "mixed"
    assert verdicts(result) == ["contained", "unknown"]
    assert result.passages[1].also[0].statement.author == TOMAS.verifier().text()


def test_look_alike_letters_are_named(index: AttributionIndex) -> None:
    result = check(index, STATEMENT.replace("Dawn", "D\u0430wn"))
    assert result.verdict == "altered"
    [word] = result.mixed_scripts
    assert word.word == "D\u0430wn" and word.scripts == ("Latin", "Cyrillic")
    assert "mixes letters of different alphabets" in result.message
    diffs = [s for f in result.findings for s in f.diff if s.op == "replace"]
    assert diffs and all(s.look_alike and s.scripts == ("Latin", "Cyrillic") for s in diffs)


def test_whole_text_only_checks_as_before(index: AttributionIndex) -> None:
    result = check(index, f"{SENTENCES[0]} {INVENTED[0]}", passages=False)
    assert result.passages == () and result.verdict in ("unknown", "altered", "contained")


def test_persian_spelt_with_spaces_or_zwnj_normalises_alike() -> None:
    zwnj = (
        PERSIAN.replace(" ام", "\u200cام").replace("نمی ", "نمی\u200c").replace("به طور", "به‌طور")
    )
    assert normalise(zwnj) == normalise(PERSIAN)
