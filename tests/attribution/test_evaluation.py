"""The quality targets, measured on the whole evaluation set (tests/attribution/evaluate.py).

Run with ``pytest -s`` to see the confusion matrix, or ``python -m tests.attribution.evaluate``
(``bench/attribution.py --evaluate`` prints it beside the latency figures).
"""

import pytest

from tests.attribution.evaluate import Report, evaluate


@pytest.fixture(scope="module")
def report() -> Report:
    measured = evaluate()
    print()
    print(measured.table())
    return measured


def test_the_set_has_600_written_cases_half_of_them_persian(report: Report) -> None:
    written = [o for o in report.outcomes if o.case.written]
    assert len(written) >= 600
    assert sum(1 for o in written if o.case.lang == "fa") >= len(written) / 2
    assert sum(1 for o in report.outcomes if o.case.passages) >= 500


def test_no_text_is_called_signed_unless_it_is_the_authors_statement(report: Report) -> None:
    assert report.false_signed == [], report.table()


def test_the_adversarys_mix_of_true_and_invented_sentences_is_never_signed(
    report: Report,
) -> None:
    mixes = [o for o in report.outcomes if o.case.expected == "mixed"]
    assert len(mixes) >= 300
    assert not [o for o in mixes if o.got == "signed"], report.table()


def test_98_percent_of_headline_verdicts_are_right(report: Report) -> None:
    assert report.headline >= 0.98, report.table()


@pytest.mark.parametrize("verdict", ["signed", "contained", "denied", "mixed"])
def test_precision_and_recall_reach_98_percent(report: Report, verdict: str) -> None:
    precision, recall = report.precision_recall(verdict)
    assert precision >= 0.98, report.table()
    assert recall >= 0.98, report.table()


def test_95_percent_of_passages_are_right_in_mixed_texts(report: Report) -> None:
    right, total = report.passage_share(mixed_only=True)
    assert total >= 500 and right / total >= 0.95, report.table()
    right, total = report.passage_share()
    assert right / total >= 0.95, report.table()


def test_a_denied_text_quoted_anywhere_finds_its_denial(report: Report) -> None:
    found, total = report.denials
    assert total >= 250 and found / total >= 0.98, report.table()


def test_no_text_expected_unknown_is_called_altered(report: Report) -> None:
    assert report.unknown_as_altered == 0, report.table()


def test_edits_of_at_most_a_tenth_of_the_words_are_found_as_altered(report: Report) -> None:
    assert report.small_edit_recall >= 0.95, report.table()


def test_look_alike_letters_are_flagged_in_the_verdict_and_the_diff(report: Report) -> None:
    flagged, total = report.look_alikes
    assert total >= 40 and flagged == total, report.table()
