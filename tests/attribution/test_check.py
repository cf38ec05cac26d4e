from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.attribution import (
    NEAR_THRESHOLD,
    AttributionError,
    AttributionIndex,
    MalformedRecord,
    NothingToCheck,
    StatementRecord,
    TextTooLong,
    UnknownAuthor,
    check,
    denied_texts,
    normalised_hash,
)
from firsthand.log.note import Signer
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.statements.identity import fingerprint

TIME = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
RANA = Signer.from_seed("rana.example", bytes(range(32)))
TOMAS = Signer.from_seed("tomas.example", bytes(range(1, 33)))
LEFT = (
    "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019. "
    "I never supported their council, and I never asked anyone to join them."
)
WAGES = "We gave our wages to the treasurer every Friday and kept no record of it."
PERSIAN = "من، رعنا توکلی، اعلام می‌کنم که در اسفند ۱۳۹۸ از حلقه‌ی سپیده بیرون آمدم و هرگز برنگشتم."
FAKE = "I ask every former member to return to the elders of the Circle of Dawn before winter."


def signed(signer: Signer, body: str, **fields: object) -> Statement:
    return sign_statement(signer, body, time=TIME, **fields)  # type: ignore[arg-type]


def record(statement: Statement) -> StatementRecord:
    return StatementRecord.from_statement(statement)


@pytest.fixture(scope="module")
def published() -> tuple[AttributionIndex, dict[str, Statement]]:
    statements = {
        "left": signed(RANA, LEFT),
        "wages": signed(RANA, WAGES),
        "persian": signed(RANA, PERSIAN, lang="fa"),
        "denial": signed(
            RANA,
            f"I did leave the Circle of Dawn in 2019, but I never wrote this: «{FAKE}»",
            kind="denial",
            refers=[Reference("text", normalised_hash(FAKE))],
        ),
        "tomas": signed(TOMAS, "I taught the evening course at Lantern House from 2012 to 2016."),
    }
    index = AttributionIndex.build(record(s) for s in statements.values())
    return index, statements


def test_an_exact_copy_is_signed_and_names_the_statement(published) -> None:
    index, statements = published
    result = check(index, LEFT)
    assert result.verdict == "signed"
    [finding] = result.findings
    assert finding.statement.leaf_hash == statements["left"].leaf_hash.hex()
    assert finding.statement.author == RANA.verifier().text()
    assert result.normalised_hash == normalised_hash(LEFT)


def test_persian_letter_forms_zwnj_and_digits_still_count_as_signed(published) -> None:
    index, _ = published
    # Every ZWNJ dropped but the ezafe's after heh: حلقهی, joined, is another spelling.
    variant = (
        PERSIAN.replace("می\u200cکنم", "میکنم")
        .replace("ی", "ي")
        .replace("ک", "ك")
        .replace("۱۳۹۸", "1398")
    )
    assert check(index, variant).verdict == "signed"
    spaced = PERSIAN.replace("\u200c", " ")  # as phone keyboards type it
    assert check(index, spaced).verdict == "signed"


def test_dropping_a_negation_is_altered_with_score_threshold_and_word_diff(published) -> None:
    index, _ = published
    result = check(
        index, LEFT.replace("I never supported", "I supported"), [RANA.verifier().text()]
    )
    assert result.verdict == "altered"
    [finding] = result.findings
    assert NEAR_THRESHOLD <= finding.similarity < 1 and finding.threshold == NEAR_THRESHOLD
    assert [(s.op, s.signed, s.checked) for s in finding.diff if s.op != "equal"] == [
        ("delete", "never", "")
    ]


def test_a_short_quote_is_contained_with_its_position_and_context(published) -> None:
    index, _ = published
    result = check(index, "gave our wages to the treasurer")
    assert result.verdict == "contained"
    quote = result.findings[0].quote
    assert quote is not None and WAGES[quote.start : quote.end] == "gave our wages to the treasurer"
    assert quote.before == "We " and quote.after.startswith(" every Friday")


def test_a_denied_text_is_denied_and_the_denial_is_returned(published) -> None:
    index, statements = published
    result = check(index, FAKE.upper(), [RANA.verifier().text()])
    assert result.verdict == "denied"
    assert result.findings[0].statement.leaf_hash == statements["denial"].leaf_hash.hex()
    assert result.findings[0].denied_text == FAKE


def test_a_near_copy_of_a_denied_text_is_denied(published) -> None:
    index, _ = published
    assert check(index, FAKE.replace("winter", "spring")).verdict == "denied"


def test_the_commentary_of_a_denial_is_not_denied(published) -> None:
    index, _ = published
    assert check(index, "I did leave the Circle of Dawn in 2019").verdict != "denied"


def test_a_denial_named_only_by_hash_still_denies_the_exact_text() -> None:
    text = "The elders were always right and I owe them everything I have."
    denial = signed(
        RANA,
        "A text circulates in my name. I did not write it.",
        kind="denial",
        refers=[Reference("text", normalised_hash(text))],
    )
    index = AttributionIndex.build([record(denial)])
    result = check(index, text + "!!")
    assert result.verdict == "denied" and result.findings[0].how == "text hash"


def test_denied_beats_altered_when_the_author_denies_an_altered_copy() -> None:
    altered = LEFT.replace("I never supported", "I always supported")
    index = AttributionIndex.build(
        [
            record(signed(RANA, LEFT)),
            record(
                signed(
                    RANA,
                    f"Not mine: «{altered}»",
                    kind="denial",
                    refers=[Reference("text", normalised_hash(altered))],
                )
            ),
        ]
    )
    result = check(index, altered)
    assert result.verdict == "denied"
    assert [f.verdict for f in result.other_findings] == ["altered"]


def test_signed_beats_contained_when_a_whole_statement_is_also_quoted_elsewhere() -> None:
    short = "I left the Circle of Dawn in March 2019."
    index = AttributionIndex.build([record(signed(RANA, LEFT)), record(signed(RANA, short))])
    result = check(index, short)
    assert result.verdict == "signed"
    assert [f.verdict for f in result.other_findings] == ["contained"]


def test_unrelated_text_is_unknown_and_says_this_proves_nothing(published) -> None:
    index, _ = published
    result = check(index, "The train to the coast was late again, so I read on the platform.")
    assert result.verdict == "unknown" and not result.findings
    assert "proves nothing" in result.message


def test_named_authors_decide_and_other_keys_are_reported_beside(published) -> None:
    index, _ = published
    result = check(index, LEFT, [TOMAS.verifier().text()])
    assert result.verdict == "unknown"
    assert [f.verdict for f in result.other_findings] == ["signed"]
    by_fingerprint = check(index, LEFT, [fingerprint(RANA.verifier())])
    assert by_fingerprint.verdict == "signed"


def test_a_key_id_is_not_an_author(published) -> None:
    # 32 bits over a name the key holder chose: anyone can make a key that shares it.
    index, _ = published
    with pytest.raises(UnknownAuthor, match="fingerprint"):
        check(index, LEFT, [RANA.verifier().key_id.hex()])


def test_a_withheld_body_is_never_matched() -> None:
    statement = signed(RANA, LEFT)
    operator = Signer.from_seed("log.example/operator", bytes(32))
    notice = signed(
        operator,
        "Withheld.",
        kind="withholding",
        reason="doxxing",
        refers=[Reference("leaf", statement.leaf_hash.hex())],
    )
    index = AttributionIndex()
    index.add(record(statement))
    assert check(index, LEFT).verdict == "signed"
    index.add(record(notice))
    assert check(index, LEFT).verdict == "unknown"


def test_a_retraction_by_the_author_is_reported_with_the_statement() -> None:
    statement = signed(RANA, LEFT)
    retraction = signed(
        RANA,
        "I retract this statement.",
        kind="retraction",
        refers=[Reference("leaf", statement.leaf_hash.hex())],
    )
    index = AttributionIndex.build([record(statement), record(retraction)])
    [finding] = check(index, LEFT).findings
    assert finding.statement.followed_by == (retraction.leaf_hash.hex(),)


def test_the_index_grows_incrementally_and_ignores_a_statement_fed_twice() -> None:
    index = AttributionIndex()
    assert check(index, WAGES).verdict == "unknown"
    assert index.add(record(signed(RANA, WAGES)))
    assert check(index, WAGES).verdict == "signed"
    assert not index.add(record(signed(RANA, WAGES)))
    assert len(index) == 1


def test_denied_passages_prefer_the_quote_whose_hash_the_denial_names() -> None:
    body = "He said “I was there” and then “I ask every member to return”."
    target = normalised_hash("I ask every member to return")
    assert denied_texts(body, (target,)) == ["I ask every member to return"]
    assert denied_texts(body, ("0" * 64,)) == ["I was there", "I ask every member to return"]
    assert denied_texts("no quotes at all", ("0" * 64,)) == ["no quotes at all"]


@pytest.mark.parametrize(
    ("text", "authors", "error"),
    [
        ("", (), NothingToCheck),
        (" ,.!? — ", (), NothingToCheck),
        ("x" * 1_000_001, (), TextTooLong),
        ("hello there", ("not a key",), UnknownAuthor),
    ],
)
def test_bad_input_gets_a_clear_error(
    published, text: str, authors: tuple[str, ...], error: type
) -> None:
    index, _ = published
    with pytest.raises(error):
        check(index, text, authors)


def test_a_malformed_record_is_refused() -> None:
    with pytest.raises(MalformedRecord):
        StatementRecord("XYZ", RANA.verifier().text(), "declaration", "body")
    with pytest.raises(MalformedRecord):
        StatementRecord("a" * 64, RANA.verifier().text(), "rumour", "body")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_a_verdict_or_our_error(published, text: str) -> None:
    index, _ = published
    try:
        result = check(index, text)
    except AttributionError:
        return
    assert result.verdict in ("signed", "denied", "contained", "altered", "unknown")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 120), st.integers(5, 20))
def test_any_long_enough_run_of_words_of_a_statement_is_contained_or_signed(
    published, start: int, size: int
) -> None:
    index, _ = published
    words = (LEFT + " " + WAGES).split()[: len(LEFT.split())]
    quote = " ".join(words[start % len(words) :][:size])
    if len(quote.split()) >= 5:
        assert check(index, quote).verdict in ("contained", "signed")
