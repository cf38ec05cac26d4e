"""The quality targets, measured on the evaluation set (tests/attribution/evaluate.py).

Run with ``pytest -s`` to see the table, or ``python -m tests.attribution.evaluate``.
"""

import pytest

from tests.attribution.evaluate import Report, evaluate


@pytest.fixture(scope="module")
def report() -> Report:
    measured = evaluate()
    print()
    print(measured.table())
    return measured


def test_the_set_has_enough_originals_and_variants(report: Report) -> None:
    assert report.total >= 400
    assert report.scores["signed"].expected >= 40


@pytest.mark.parametrize("verdict", ["signed", "contained", "denied"])
def test_precision_and_recall_reach_98_percent(report: Report, verdict: str) -> None:
    score = report.scores[verdict]
    assert score.precision >= 0.98, report.table()
    assert score.recall >= 0.98, report.table()


def test_no_unrelated_text_is_called_altered(report: Report) -> None:
    assert report.unrelated_as_altered == 0, report.table()


def test_edits_of_at_most_a_tenth_of_the_words_are_found_as_altered(report: Report) -> None:
    assert report.small_edit_recall >= 0.95, report.table()
