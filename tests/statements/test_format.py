"""The statement head grammar, its checks, and fuzzing of the parsers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log.errors import LogError
from firsthand.log.note import Signer, parse_note, sign_note
from firsthand.statements.errors import (
    BodyMismatch,
    BodyTooLarge,
    MalformedStatement,
    StatementError,
    StatementFromTheFuture,
    WrongAuthor,
)
from firsthand.statements.format import (
    Head,
    Media,
    Reference,
    body_sha256,
    open_head,
    parse_head_text,
    read_statement,
    rotation_accepted_by_new_key,
    rotation_is_two_way,
    sign_statement,
    split_statement_file,
)

RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
WHEN = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
HEX = "ab" * 32


def test_a_signed_statement_reads_back_with_every_field() -> None:
    statement = sign_statement(
        RANA,
        "من از حلقه جدا شدم.\nI left the circle.\n",
        kind="testimony",
        lang="fa",
        time=WHEN,
        media=[Media(HEX, "image/jpeg", 1234)],
        refers=[Reference("leaf", HEX)],
    )
    again = read_statement(statement.file_bytes())
    assert again.head == statement.head
    assert again.body == "من از حلقه جدا شدم.\nI left the circle.\n"
    assert again.head.author == RANA.verifier()
    assert again.head.media == (Media(HEX, "image/jpeg", 1234),)


def test_the_head_text_is_the_documented_worked_example_shape() -> None:
    head = sign_statement(RANA, "hello\n", time=WHEN).head.text()
    assert head.splitlines()[:5] == [
        "firsthand-statement/v1",
        f"author {RANA.verifier().text()}",
        "time 2026-01-31T09:30:00Z",
        "lang en",
        "kind declaration",
    ]


@pytest.mark.parametrize(
    ("kind", "extra", "problem"),
    [
        ("denial", {}, "denial must refer"),
        ("correction", {}, "exactly one statement"),
        ("retraction", {"refers": [Reference("text", HEX)]}, "exactly one statement"),
        ("vouch", {}, "names its subject"),
        ("key-rotation", {}, "names its new key"),
        ("declaration", {"seen_at": "a leaflet"}, "only a denial"),
        ("declaration", {"subject": OMID.verifier()}, "names its subject"),
    ],
)
def test_each_kind_carries_what_it_must_and_nothing_else(
    kind: str, extra: dict[str, object], problem: str
) -> None:
    with pytest.raises(MalformedStatement, match=problem):
        sign_statement(RANA, "x\n", kind=kind, **extra)  # type: ignore[arg-type]


def test_denials_vouches_and_rotations_sign_when_complete() -> None:
    sign_statement(
        RANA,
        "not mine\n",
        kind="denial",
        refers=[Reference("text", HEX)],
        seen_at="a post on a forum, 2026-01-02",
    )
    sign_statement(RANA, "I know Omid.\n", kind="vouch", subject=OMID.verifier())
    sign_statement(
        RANA, "My new key.\n", kind="key-rotation", new_key=OMID.verifier(), cosigners=[OMID]
    )


def one_way_rotation(old: Signer, new: Signer, body: str = "My new key.\n") -> bytes:
    """A rotation signed by the old key alone, as heads were logged before the two-way rule."""
    head = Head(
        author=old.verifier(),
        time=WHEN,
        lang="en",
        kind="key-rotation",
        body_sha256=body_sha256(body),
        body_length=len(body.encode()),
        new_key=new.verifier(),
    )
    return sign_note(head.text(), old) + b"\n" + body.encode()


def test_a_rotation_signed_by_the_old_key_alone_is_refused_and_says_how_to_sign_it() -> None:
    with pytest.raises(WrongAuthor, match=r"signed by both keys.*--new-key NEW\.key"):
        sign_statement(RANA, "My new key.\n", kind="key-rotation", new_key=OMID.verifier())
    with pytest.raises(WrongAuthor, match="both keys"):
        read_statement(one_way_rotation(RANA, OMID), now=WHEN)
    someone = Signer.from_seed("someone.example", bytes(range(2, 34)))
    with pytest.raises(WrongAuthor, match="both keys"):  # the wrong co-signer is no acceptance
        sign_statement(
            RANA, "x\n", kind="key-rotation", new_key=OMID.verifier(), cosigners=[someone]
        )


def test_a_two_way_rotation_carries_the_old_keys_signature_then_the_new_keys() -> None:
    statement = sign_statement(
        RANA, "My new key.\n", kind="key-rotation", new_key=OMID.verifier(), cosigners=[OMID]
    )
    note = parse_note(statement.head_bytes)
    assert [s.name for s in note.signatures] == ["rana.example", "omid.example"]
    assert rotation_accepted_by_new_key(statement.head, statement.note)
    assert rotation_is_two_way(statement.head_bytes)


def test_an_old_one_way_rotation_still_opens_but_is_not_two_way() -> None:
    head_bytes, _ = split_statement_file(one_way_rotation(RANA, OMID))
    head, note = open_head(head_bytes, now=WHEN)
    assert head.new_key == OMID.verifier()
    assert not rotation_accepted_by_new_key(head, note)
    assert not rotation_is_two_way(head_bytes)
    assert not rotation_is_two_way(b"not a head")


def test_a_rotation_to_its_own_key_is_never_two_way() -> None:
    head_bytes, _ = split_statement_file(one_way_rotation(RANA, RANA))
    head, note = open_head(head_bytes, now=WHEN)
    assert not rotation_accepted_by_new_key(head, note)


def head_with(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


GOOD = [
    "firsthand-statement/v1",
    f"author {RANA.verifier().text()}",
    "time 2026-01-31T09:30:00Z",
    "lang en",
    "kind declaration",
    f"body sha256:{HEX} 5",
]


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (["firsthand-statement/v2", *GOOD[1:]], "unknown statement version"),
        (GOOD[:2] + GOOD[3:], "'time' must appear exactly once"),
        ([*GOOD, "lang fa"], "out of order"),
        ([*GOOD[:3], GOOD[3], GOOD[3], *GOOD[4:]], "'lang' must appear exactly once"),
        ([GOOD[0], "author nobody+00000000+AAAA", *GOOD[2:]], "not a verifier key"),
        ([*GOOD[:2], "time 2026-01-31 09:30:00", *GOOD[3:]], "RFC 3339"),
        ([*GOOD[:2], "time 2026-02-31T09:30:00Z", *GOOD[3:]], "not a real date"),
        ([*GOOD[:3], "lang english!", *GOOD[4:]], "BCP 47"),
        ([*GOOD[:4], "kind confession", *GOOD[5:]], "unknown kind"),
        ([*GOOD[:5], "body md5:abc 5"], "body line"),
        ([*GOOD, "colour blue"], "unknown header"),
        ([*GOOD, "media sha256:xyz image/png 1"], "media line"),
        ([*GOOD[:5], f"body sha256:{HEX} 05"], "body line"),
    ],
)
def test_bad_heads_are_refused_with_the_problem_named(lines: list[str], problem: str) -> None:
    with pytest.raises(MalformedStatement, match=problem):
        parse_head_text(head_with(lines))


def test_a_tampered_body_is_refused() -> None:
    data = sign_statement(RANA, "I was never there.\n", time=WHEN).file_bytes()
    with pytest.raises(BodyMismatch):
        read_statement(data.replace(b"never", b"always"))


def test_a_head_signed_by_another_key_than_its_author_line_is_refused() -> None:
    statement = sign_statement(RANA, "mine\n", time=WHEN)
    forged = sign_note(statement.head.text(), OMID) + b"\n" + b"mine\n"
    with pytest.raises(WrongAuthor, match=r"rana\.example"):
        read_statement(forged)


def test_a_statement_dated_in_the_future_is_refused() -> None:
    later = datetime.now(UTC) + timedelta(hours=2)
    data = sign_statement(RANA, "soon\n", time=later).file_bytes()
    with pytest.raises(StatementFromTheFuture, match="clock"):
        read_statement(data)


@pytest.mark.parametrize("body", ["nul\x00", "bell\x07", "cr\r\n", "del\x7f"])
def test_control_characters_in_the_body_are_refused(body: str) -> None:
    with pytest.raises(MalformedStatement, match="control character"):
        sign_statement(RANA, body)


def test_bodies_over_the_limit_are_refused() -> None:
    statement = sign_statement(RANA, "x" * 2000)
    with pytest.raises(BodyTooLarge, match="at most 1,000"):
        read_statement(statement.file_bytes(), max_body=1000)


def test_invalid_utf8_bodies_are_refused() -> None:
    head, _ = split_statement_file(sign_statement(RANA, "ok\n").file_bytes())
    with pytest.raises(MalformedStatement, match="UTF-8"):
        read_statement(head + b"\n" + b"\xff\xfe")


def test_a_body_may_start_like_a_signature_line() -> None:
    body = "— not a signature line\n\nand blank lines\n"
    assert read_statement(sign_statement(RANA, body).file_bytes()).body == body


@settings(max_examples=400)
@given(st.binary(max_size=600))
def test_any_bytes_read_as_a_statement_or_raise_our_own_error(data: bytes) -> None:
    try:
        read_statement(data)
    except StatementError:
        pass
    except LogError as error:  # only statement-layer errors may escape read_statement
        pytest.fail(f"{type(error).__name__} escaped: {error}")


@settings(max_examples=300)
@given(st.lists(st.text(max_size=80), max_size=10))
def test_any_header_lines_parse_or_raise_malformed_statement(lines: list[str]) -> None:
    with contextlib.suppress(MalformedStatement):
        parse_head_text(head_with(["firsthand-statement/v1", *lines]))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_flipped_bit_in_a_statement_file_is_caught(data: st.DataObject) -> None:
    file = bytearray(sign_statement(RANA, "I left in 2019.\n", time=WHEN).file_bytes())
    bit = data.draw(st.integers(0, len(file) * 8 - 1))
    file[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(StatementError):
        read_statement(bytes(file))
