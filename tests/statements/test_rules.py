"""Rules on what a statement may say about another one (statements/rules.py), without a log:
the attacks are a stranger correcting an author's words, and anyone but the operator
withholding them."""

from __future__ import annotations

import pytest

from firsthand.log.note import Signer, Verifier
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.statements.rules import (
    AlreadyDone,
    BrokenRule,
    NotThisKey,
    Referred,
    check_referred,
    referred_leaf,
)

AUTHOR = Signer.generate("author.example")
OPERATOR = Signer.generate("log.example")
ORIGINAL = sign_statement(AUTHOR, "What I said.\n")


def about(signer: Signer, kind: str, target: Statement = ORIGINAL) -> Statement:
    return sign_statement(
        signer,
        "About that.\n",
        kind=kind,
        refers=[Reference("leaf", target.leaf_hash.hex())],
        reason="doxxing" if kind == "withholding" else None,
    )


def logged(statement: Statement, index: int = 0, withheld_by: Statement | None = None) -> Referred:
    """What a log would hold of ``statement`` at ``index``, withheld by notice 1 if said."""
    head = statement.head
    if withheld_by is None:
        return Referred(index, head.kind, head.author.text(), head.author.key_id.hex())
    notice = withheld_by.leaf_hash.hex()
    return Referred(index, head.kind, head.author.text(), head.author.key_id.hex(), notice, 1)


def operator() -> Verifier:
    return OPERATOR.verifier()


def test_only_corrections_retractions_and_withholdings_are_about_a_logged_statement() -> None:
    assert referred_leaf(ORIGINAL.head) is None
    for kind in ("correction", "retraction"):
        assert referred_leaf(about(AUTHOR, kind).head) == ORIGINAL.leaf_hash.hex()
    assert referred_leaf(about(OPERATOR, "withholding").head) == ORIGINAL.leaf_hash.hex()


def test_the_author_may_correct_or_retract_their_own_statement() -> None:
    for kind in ("correction", "retraction"):
        check_referred(about(AUTHOR, kind), logged(ORIGINAL), operator)


@pytest.mark.parametrize("kind", ["correction", "retraction"])
def test_a_stranger_cannot_correct_or_retract_someone_elses_words(kind: str) -> None:
    stranger = Signer.generate("author.example")  # the same name, another key
    with pytest.raises(BrokenRule, match="must be signed by the key that signed"):
        check_referred(about(stranger, kind), logged(ORIGINAL), operator)


def test_a_reference_to_no_statement_of_this_log_is_refused() -> None:
    with pytest.raises(BrokenRule, match="which is not a statement in this log"):
        check_referred(about(AUTHOR, "correction"), None, operator)


def test_only_the_operator_key_withholds() -> None:
    check_referred(about(OPERATOR, "withholding"), logged(ORIGINAL), operator)
    for signer in (AUTHOR, Signer.generate("log.example")):
        with pytest.raises(NotThisKey, match="only this log's operator key"):
            check_referred(about(signer, "withholding"), logged(ORIGINAL), operator)


def test_a_withholding_notice_is_never_withheld() -> None:
    notice = about(OPERATOR, "withholding")
    with pytest.raises(BrokenRule, match="cannot itself be withheld"):
        check_referred(about(OPERATOR, "withholding", notice), logged(notice, 1), operator)


def test_a_withheld_statement_is_withheld_by_its_notice_alone_which_may_come_again() -> None:
    notice = about(OPERATOR, "withholding")
    withheld = logged(ORIGINAL, withheld_by=notice)
    check_referred(notice, withheld, operator)  # sent again: the same notice
    other = sign_statement(
        OPERATOR, "Another reason.\n", kind="withholding", reason="court order",
        refers=[Reference("leaf", ORIGINAL.leaf_hash.hex())],
    )  # fmt: skip
    with pytest.raises(AlreadyDone, match="already withheld by notice 1"):
        check_referred(other, withheld, operator)


def test_the_operator_key_is_asked_for_withholdings_only() -> None:
    def no_operator_key() -> Verifier:
        raise AssertionError("a correction needs no operator key")

    check_referred(about(AUTHOR, "correction"), logged(ORIGINAL), no_operator_key)
