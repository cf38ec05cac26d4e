"""The plain-head fast path: whatever it reads, the line-by-line parse reads the same way.

parse_head_text reads the commonest heads (the five required lines, a declaration
or testimony) with one pattern, and everything else, errors included, line by
line. These tests hold the two to one answer: the same Head for a head both read,
and for any head the pattern turns away, the line parse's own Head or error.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log.note import Signer
from firsthand.statements.errors import MalformedStatement
from firsthand.statements.format import (
    Head,
    _parse_head_lines,
    _plain_head,
    parse_head_text,
    sign_statement,
)

RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
WHEN = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
HEX = "ab" * 32
PLAIN = sign_statement(RANA, "I left the circle.\n", kind="testimony", time=WHEN).head.text()


def outcome(parse: object, text: str) -> tuple[str, object]:
    assert callable(parse)
    try:
        return "head", parse(text)
    except MalformedStatement as error:
        return "refused", str(error)


@pytest.mark.parametrize(
    ("kind", "lang", "body"),
    [
        ("declaration", "en", "I was there.\n"),
        ("testimony", "fa", "من آنجا بودم.\n"),
        ("testimony", "zh-Hant-TW", ""),
        ("declaration", "sr-Latn", "x" * 1000),
    ],
)
def test_a_plain_head_reads_as_the_very_head_the_line_parse_makes(
    kind: str, lang: str, body: str
) -> None:
    text = sign_statement(RANA, body, kind=kind, lang=lang, time=WHEN).head.text()
    fast = _plain_head(text)
    assert fast is not None
    slow = _parse_head_lines(text)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert vars(fast) == vars(slow)
    assert list(vars(fast)) == list(vars(slow))  # same field order, so asdict() agrees too
    assert pickle.loads(pickle.dumps(fast)) == slow
    with pytest.raises(AttributeError):
        fast.kind = "denial"  # type: ignore[misc]  # still frozen


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "vouch", "subject": OMID.verifier()},
        {"kind": "profile", "name": "Rana"},
        {"kind": "testimony", "refers": ()},
    ],
)
def test_heads_with_more_than_the_required_lines_are_left_to_the_line_parse(
    fields: dict[str, object],
) -> None:
    text = Head(
        author=RANA.verifier(),
        time=WHEN,
        lang="en",
        body_sha256=HEX,
        body_length=3,
        **fields,  # type: ignore[arg-type]
    ).text()
    if fields["kind"] != "testimony":
        assert _plain_head(text) is None
    assert parse_head_text(text) == _parse_head_lines(text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("time 2026-", "time 0999-"), "canonical form"),  # four digits, rendered unpadded
        (("time 2026-01-31", "time 2026-02-30"), "not a real date"),
        (("time 2026-01-31", "time 2026-01-\u0663\u0661"), "not a real date"),  # \\d: any digit
        (("author rana.example+", "author rana.example+00"), "author key"),
        (("kind testimony", "kind testimony "), "kind"),
        (("lang en", "lang en-"), "BCP 47"),
        (("\nbody sha256:", "\nbody sha256:0"), "body line"),
        (("testimony\n", "testimony\nkind testimony\n"), "exactly once"),
        (("testimony\n", "testimony\nseen-at a forum\n"), "out of order"),
        ((" 19\n", " 19\nseen-at a forum\n"), "only a denial"),
    ],
)
def test_a_plain_looking_head_with_a_fault_gets_the_line_parses_own_error(
    change: tuple[str, str], message: str
) -> None:
    text = PLAIN.replace(*change, 1)
    assert text != PLAIN
    assert _plain_head(text) is None
    with pytest.raises(MalformedStatement, match=message) as raised:
        parse_head_text(text)
    assert outcome(_parse_head_lines, text) == ("refused", str(raised.value))


# Characters that matter to the grammar: separators, digits (also non-ASCII ones),
# hex, key text, case, and a dash for language subtags.
EDITS = st.sampled_from([*"\n \t+-:/0159aAfzZT=\u0663\u00e9", "", "  ", "\n\n"])


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_any_edit_of_a_plain_head_reads_the_same_on_both_paths(data: st.DataObject) -> None:
    text = PLAIN
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 3)))
        text = text[:start] + data.draw(EDITS) + text[end:]
    fast = _plain_head(text)
    slow = outcome(_parse_head_lines, text)
    if fast is not None:
        assert slow == ("head", fast)
    assert outcome(parse_head_text, text) == slow
