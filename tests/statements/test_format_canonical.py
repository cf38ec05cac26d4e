"""The head's canonical text: the cheap renderer says what strftime and the full rules say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firsthand.log.note import Signer
from firsthand.statements.errors import MalformedStatement
from firsthand.statements.format import (
    Head,
    Media,
    Reference,
    parse_head_text,
    read_statement,
    sign_statement,
    time_text,
)

RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
HEX = "ab" * 32


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_times_text_is_what_strftime_writes(when: datetime) -> None:
    assert time_text(when) == when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_head_dated_before_the_year_1000_is_not_canonical() -> None:
    # Four digits parse, but the head renders such a year unpadded, so the two differ.
    head = sign_statement(RANA, "old\n", time=datetime(2026, 1, 31, tzinfo=UTC)).head.text()
    with pytest.raises(MalformedStatement, match="canonical form"):
        parse_head_text(head.replace("time 2026-", "time 0999-"))


@pytest.mark.parametrize(
    "fields",
    [
        {"media": (Media(HEX, "image/png", 1),)},
        {"refers": (Reference("text", HEX),)},
        {"subject": OMID.verifier()},
        {"new_key": OMID.verifier()},
        {"seen_at": "a forum"},
        {"reason": "safety"},
        {"name": "Rana"},
    ],
)
def test_every_optional_field_is_rendered_so_a_misplaced_one_is_refused(
    fields: dict[str, object],
) -> None:
    # A testimony carrying a line it must not: rendered, so the kind rules see it.
    head = Head(
        author=RANA.verifier(),
        time=datetime(2026, 1, 31, tzinfo=UTC),
        lang="en",
        kind="testimony",
        body_sha256=HEX,
        body_length=5,
        **fields,  # type: ignore[arg-type]
    )
    text = head.text()
    assert text.count("\n") == 7
    if "media" in fields or "refers" in fields:
        assert parse_head_text(text) == head
    else:
        with pytest.raises(MalformedStatement):
            parse_head_text(text)


def test_a_head_with_every_line_reads_back_identical() -> None:
    statement = sign_statement(
        RANA,
        "seen it\n",
        kind="denial",
        media=[Media(HEX, "image/png", 1), Media(HEX, "video/mp4", 2)],
        refers=[Reference("leaf", HEX), Reference("text", HEX)],
        seen_at="a post on a forum",
    )
    again = read_statement(statement.file_bytes())
    assert again.head == statement.head
    assert again.head.text() == statement.note.text
