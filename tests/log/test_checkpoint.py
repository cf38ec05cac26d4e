"""C2SP tlog-checkpoint v1.0.0: bodies, signing by the origin's key, and fuzzing of the parser."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log.checkpoint import MAX_SIZE, Checkpoint, open_checkpoint, sign_checkpoint
from firsthand.log.errors import InvalidSignature, LogError, MalformedCheckpoint, UnverifiedNote
from firsthand.log.merkle import EMPTY_ROOT
from firsthand.log.note import NoteSignature, Signer, parse_note, sign_note

# From C2SP tlog-checkpoint.md at tag tlog-checkpoint/v1.0.0 (its key is not published).
SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_NOTE = (
    SOFA_BODY + "\n— example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
EMPTY_ROOT_B64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
ROOT = bytes(range(32))
LOG = Signer.from_seed("log.example/one", bytes(range(32)))


def test_the_c2sp_example_body_parses_and_prints_back_unchanged() -> None:
    checkpoint = Checkpoint.from_body(SOFA_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.body() == SOFA_BODY


def test_the_c2sp_example_note_is_unverified_under_a_key_we_made_with_its_name() -> None:
    assert parse_note(SOFA_NOTE.encode()).text == SOFA_BODY
    impostor = Signer.generate("example.com/behind-the-sofa").verifier()
    with pytest.raises(UnverifiedNote):
        open_checkpoint(SOFA_NOTE.encode(), impostor)


def test_the_body_is_origin_size_and_base64_root_then_extension_lines() -> None:
    checkpoint = Checkpoint("log.example/one", 0, EMPTY_ROOT, ("ext one", "ext two"))
    assert checkpoint.body() == f"log.example/one\n0\n{EMPTY_ROOT_B64}\next one\next two\n"


def test_a_signed_checkpoint_opens_with_the_log_key() -> None:
    checkpoint = Checkpoint("log.example/one", 7, ROOT, ("extension",))
    data = sign_checkpoint(checkpoint, LOG)
    opened, note = open_checkpoint(data, LOG.verifier())
    assert opened == checkpoint
    assert note.text == checkpoint.body()
    assert note.verified_by == (LOG.verifier(),)


def test_a_log_key_cannot_sign_another_origins_checkpoint() -> None:
    with pytest.raises(MalformedCheckpoint, match=r"origin is 'other\.example'"):
        sign_checkpoint(Checkpoint("other.example", 0, EMPTY_ROOT), LOG)


def test_a_checkpoint_whose_origin_is_not_the_key_name_is_refused_when_opened() -> None:
    body = Checkpoint("other.example", 1, ROOT).body()
    with pytest.raises(MalformedCheckpoint, match="not the log key's name"):
        open_checkpoint(sign_note(body, LOG), LOG.verifier())


def test_witness_cosignatures_are_ignored_and_kept() -> None:
    data = sign_checkpoint(Checkpoint("log.example/one", 3, ROOT), LOG)
    # A line shaped like a tlog-cosignature (key ID, 8-byte timestamp, signature): unknown to us.
    cosignature = NoteSignature("witness.example", b"\x04abc", bytes(8) + bytes(64))
    opened, note = open_checkpoint(data + cosignature.line().encode(), LOG.verifier())
    assert opened.size == 3
    assert note.signatures[1] == cosignature
    assert note.verified_by == (LOG.verifier(),)


def test_a_checkpoint_signed_by_another_key_of_the_same_name_is_unverified() -> None:
    impostor = Signer.generate("log.example/one")
    data = sign_checkpoint(Checkpoint("log.example/one", 3, ROOT), impostor)
    with pytest.raises(UnverifiedNote):
        open_checkpoint(data, LOG.verifier())


def test_an_altered_checkpoint_fails_its_signature() -> None:
    data = sign_checkpoint(Checkpoint("log.example/one", 3, ROOT), LOG)
    with pytest.raises(InvalidSignature):
        open_checkpoint(data.replace(b"\n3\n", b"\n4\n"), LOG.verifier())


@pytest.mark.parametrize("size", [0, 1, 10, MAX_SIZE])
def test_sizes_from_0_to_2_to_the_64_minus_1_are_accepted(size: int) -> None:
    body = f"o\n{size}\n{EMPTY_ROOT_B64}\n"
    assert Checkpoint.from_body(body).size == size


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (f"o\n01\n{EMPTY_ROOT_B64}\n", "leading zeros"),
        (f"o\n00\n{EMPTY_ROOT_B64}\n", "leading zeros"),
        (f"o\n-1\n{EMPTY_ROOT_B64}\n", "not a decimal"),
        (f"o\n+1\n{EMPTY_ROOT_B64}\n", "not a decimal"),
        (f"o\n 1\n{EMPTY_ROOT_B64}\n", "not a decimal"),
        (f"o\n1 \n{EMPTY_ROOT_B64}\n", "not a decimal"),
        (f"o\n1_0\n{EMPTY_ROOT_B64}\n", "not a decimal"),
        (f"o\n\u0661\n{EMPTY_ROOT_B64}\n", "not a decimal"),  # ARABIC-INDIC DIGIT ONE
        (f"o\n\n{EMPTY_ROOT_B64}\n", "not a decimal"),
        (f"o\n{MAX_SIZE + 1}\n{EMPTY_ROOT_B64}\n", "64 bits"),
        ("o\n1\nAAAA\n", "3 bytes, not 32"),
        (f"o\n1\n{base64.b64encode(bytes(33)).decode()}\n", "33 bytes"),
        ("o\n1\nnot base64!\n", "not valid base64"),
        (f"o\n1\n{EMPTY_ROOT_B64[:-1]}\n", "not valid base64"),
        (f"o\n1\n{EMPTY_ROOT_B64[:-2]}V=\n", "not canonical"),  # unused low bits set
        (f"o\n1\n{EMPTY_ROOT_B64}\n\n", r"extension line \(line 4\) is empty"),
        (f"o\n1\n{EMPTY_ROOT_B64}\next\n\n", "line 5"),
        (f"\n1\n{EMPTY_ROOT_B64}\n", "origin is empty"),
        (f"o\r\n1\n{EMPTY_ROOT_B64}\n", "U\\+000D"),
        ("o\n1\n", "2 line"),
        (f"o\n1\n{EMPTY_ROOT_B64}", "ends with a newline"),
        ("", "ends with a newline"),
    ],
)
def test_malformed_checkpoint_bodies_are_refused_with_the_reason(body: str, problem: str) -> None:
    with pytest.raises(MalformedCheckpoint, match=problem):
        Checkpoint.from_body(body)


@pytest.mark.parametrize(
    "fields",
    [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        ("o", -1, ROOT, ()),
        ("o", MAX_SIZE + 1, ROOT, ()),
        ("o", True, ROOT, ()),
        ("o", 1, ROOT[:31], ()),
        ("o", 1, ROOT, ("",)),
        ("o", 1, ROOT, ("two\nlines",)),
    ],
)
def test_a_checkpoint_the_spec_would_not_allow_cannot_be_built(
    fields: tuple[str, int, bytes, tuple[str, ...]],
) -> None:
    with pytest.raises(MalformedCheckpoint):
        Checkpoint(*fields)


# Lines a body may hold: no newline or other ASCII control, no surrogate.
LINE = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters=[chr(c) for c in range(0x20)]),
    min_size=1,
    max_size=30,
)
CHECKPOINTS = st.builds(
    Checkpoint,
    origin=LINE,
    size=st.integers(0, MAX_SIZE),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(LINE, max_size=3).map(tuple),
)
BODY_PIECES = ["\n", "0", "1", "01", "-", EMPTY_ROOT_B64, "=", "o", "\r", " ", "\u0661", ""]
NEAR_BODIES = st.lists(st.sampled_from(BODY_PIECES) | st.text(max_size=3), max_size=10).map("".join)


@st.composite
def edited_bodies(draw: st.DrawFn) -> str:
    """A valid body with a piece put in somewhere."""
    body = draw(CHECKPOINTS).body()
    at = draw(st.integers(0, len(body)))
    return body[:at] + draw(st.sampled_from(BODY_PIECES) | st.text(max_size=3)) + body[at:]


@settings(max_examples=200)
@given(CHECKPOINTS)
def test_any_checkpoint_body_parses_back_to_the_same_checkpoint(checkpoint: Checkpoint) -> None:
    assert Checkpoint.from_body(checkpoint.body()) == checkpoint


@settings(max_examples=500)
@given(edited_bodies() | NEAR_BODIES | st.text(max_size=120))
def test_any_text_parses_as_a_body_or_raises_a_log_error_and_bodies_print_back_exactly(
    text: str,
) -> None:
    try:
        checkpoint = Checkpoint.from_body(text)
    except LogError:
        return
    # Witnesses cosign the body byte for byte, so parsing must lose nothing.
    assert checkpoint.body() == text


@settings(max_examples=50, deadline=None)
@given(CHECKPOINTS)
def test_any_checkpoint_round_trips_through_sign_and_open(checkpoint: Checkpoint) -> None:
    checkpoint = dataclasses.replace(checkpoint, origin=LOG.name)
    opened, note = open_checkpoint(sign_checkpoint(checkpoint, LOG), LOG.verifier())
    assert opened == checkpoint
    assert note.text == checkpoint.body()


SIGNED = sign_checkpoint(Checkpoint(LOG.name, 5, ROOT, ("ext",)), LOG)
PIECES = [b"\n", b"0", b"01", b"\n\n", "— ".encode(), LOG.name.encode(), b"\r", b"\xff"]


@st.composite
def edited_checkpoints(draw: st.DrawFn) -> bytes:
    """A signed checkpoint with a few bytes cut out or put in."""
    data = SIGNED
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 8)))
        data = data[:start] + draw(st.binary(max_size=4) | st.sampled_from(PIECES)) + data[end:]
    return data


@settings(max_examples=400)
@given(edited_checkpoints() | st.binary(max_size=300))
def test_any_bytes_open_as_a_checkpoint_or_raise_a_log_error(data: bytes) -> None:
    try:
        checkpoint, note = open_checkpoint(data, LOG.verifier())
    except LogError:
        return
    # Whatever survived the edit carries the log's signature over exactly its body.
    assert note.text == checkpoint.body() == SIGNED.split(b"\n\n")[0].decode() + "\n"
