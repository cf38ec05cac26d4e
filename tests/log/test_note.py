"""C2SP signed-note v1.0.0: published vectors, the spec's rules, and fuzzing of every parser."""

from __future__ import annotations

import base64
import contextlib
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firsthand.log.errors import (
    AmbiguousKey,
    InvalidSignature,
    LogError,
    MalformedNote,
    UnverifiedNote,
)
from firsthand.log.note import (
    Note,
    NoteSignature,
    Signer,
    Verifier,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# Published vectors, copied as data from golang/mod sumdb/note/note_test.go
# (TestNewVerifier, TestNewSigner, TestSign, TestOpen).
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
# From C2SP signed-note.md at tag signed-note/v1.0.0, section "Example".
FOO_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
FOO_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
# The spec's opening example (its key is not published): a text that holds a blank line.
QUASIMODO_NOTE = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
    "— quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

ALICE = Signer.from_seed("alice.example", bytes(range(32)))
BOB = Signer.from_seed("bob.example", bytes(range(1, 33)))
PETER = Verifier.from_text(PETER_VKEY)
ENOCH = Verifier.from_text(ENOCH_VKEY)

# --- published vectors ---------------------------------------------------------------------


def test_peter_neumanns_keys_parse_and_print_back_unchanged() -> None:
    signer = Signer.from_private_key(PETER_SKEY)
    assert PETER.name == signer.name == "PeterNeumann"
    assert PETER.key_id == signer.key_id == bytes.fromhex("c74f20a3")
    assert signer.public_key == PETER.public_key
    assert signer.verifier() == PETER
    assert PETER.text() == PETER_VKEY
    assert signer.private_key_text() == PETER_SKEY


def test_resigning_go_text_from_peters_seed_reproduces_the_published_note_byte_for_byte() -> None:
    signer = Signer.from_private_key(PETER_SKEY)
    assert sign_note(GO_TEXT, signer) == (GO_TEXT + "\n" + PETER_SIG).encode()


def test_the_published_peter_neumann_note_opens_with_his_key() -> None:
    note = open_note((GO_TEXT + "\n" + PETER_SIG).encode(), [PETER])
    assert note.text == GO_TEXT
    assert note.verified_by == (PETER,)
    assert note.signatures == (
        NoteSignature("PeterNeumann", PETER.key_id, base64.b64decode(PETER_SIG.split()[2])[4:]),
    )


def test_a_note_signed_by_peter_and_enoch_opens_with_either_key_or_both() -> None:
    data = (GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode()
    assert open_note(data, [PETER]).verified_by == (PETER,)
    assert open_note(data, [ENOCH]).verified_by == (ENOCH,)
    assert open_note(data, [ENOCH, PETER]).verified_by == (PETER, ENOCH)
    assert len(open_note(data, [PETER]).signatures) == 2  # Enoch's line is kept, unjudged


def test_gos_duplicated_and_unknown_signatures_case_opens_with_peter_alone() -> None:
    # TestOpen's "Duplicated verified and unverified signatures": Enoch is unknown here.
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    data = (GO_TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd).encode()
    note = open_note(data, [PETER])
    assert note.verified_by == (PETER,)
    assert len(note.signatures) == 5


def test_a_tampered_enoch_signature_rejects_the_note_only_when_enoch_is_trusted() -> None:
    bad = ENOCH_SIG.replace("5n2t", "5nABCD2t")
    data = (GO_TEXT + "\n" + PETER_SIG + bad).encode()
    assert open_note(data, [PETER]).verified_by == (PETER,)
    with pytest.raises(InvalidSignature, match=r"EnochRoot\+af0cfe78 does not verify"):
        open_note(data, [PETER, ENOCH])


@pytest.mark.parametrize(
    "message",
    [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + PETER_SIG,
        GO_TEXT + "\n" + "— Bad Name" + PETER_SIG[len("— PeterNeumann") :],
        GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ],
)
def test_gos_malformed_notes_are_refused(message: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(message.encode(), [PETER])


def test_gos_invalid_utf8_note_is_refused() -> None:
    with pytest.raises(MalformedNote, match="UTF-8"):
        open_note(b"\xff" + (GO_TEXT + "\n" + PETER_SIG).encode(), [PETER])


@pytest.mark.parametrize(
    ("vkey", "problem"),
    [
        # The two bad keys of Go's TestNewVerifier.
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "bytes"),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "type 0x65"),
        (PETER_VKEY.replace("c74f20a3", "c74f20a4"), "claims key ID c74f20a4"),
        (PETER_VKEY.replace("c74f20a3", "C74F20A3"), "lowercase hex"),
        (PETER_VKEY.replace("+c74f20a3", ""), "form"),
        ("PeterNeumann+c74f20a3+", "holds no key"),
        ("PeterNeumann+c74f20a3+ARpc!", "base64"),
        (PETER_VKEY + "\n", "base64"),
        (" " + PETER_VKEY, "space"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "empty"),
    ],
)
def test_bad_verifier_keys_are_refused_with_the_reason(vkey: str, problem: str) -> None:
    with pytest.raises(MalformedNote, match=problem):
        Verifier.from_text(vkey)


def test_the_c2sp_example_com_foo_note_verifies() -> None:
    foo = Verifier.from_text(FOO_VKEY)
    note = open_note(FOO_NOTE.encode(), [foo])
    assert note.text == "This is an example message.\n"
    assert note.verified_by == (foo,)
    assert note.encode() == FOO_NOTE.encode()


def test_the_c2sp_quasimodo_example_splits_at_its_last_blank_line() -> None:
    note = parse_note(QUASIMODO_NOTE.encode())
    assert note.text.endswith("sole:\n\ned è subito sera.\n")
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert note.verified_by == ()
    with pytest.raises(UnverifiedNote):
        open_note(QUASIMODO_NOTE.encode(), [ALICE.verifier()])


# --- keys ----------------------------------------------------------------------------------


def test_key_id_is_sha256_of_name_newline_type_and_key_truncated_to_four_bytes() -> None:
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + PETER.public_key).digest()[:4]
    assert key_id("PeterNeumann", b"\x01" + PETER.public_key) == expected == PETER.key_id
    # The same key as a type 0x04 cosignature key gets another ID (tlog-cosignature).
    cosigning = key_id("PeterNeumann", b"\x04" + PETER.public_key)
    assert cosigning == hashlib.sha256(b"PeterNeumann\n\x04" + PETER.public_key).digest()[:4]
    assert cosigning != PETER.key_id


def test_non_ascii_names_are_hashed_as_utf8() -> None:
    name = "نسرین\u200cکاظمی"  # a ZWNJ joins the two words: a format character, not a space
    signer = Signer.generate(name)
    raw = name.encode() + b"\n\x01" + signer.public_key
    assert signer.key_id == hashlib.sha256(raw).digest()[:4]
    assert Verifier.from_text(signer.verifier().text()) == signer.verifier()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "empty"),
        ("a b", "space U\\+0020"),
        ("a+b", "'\\+'"),
        ("a\u00a0b", "space U\\+00A0"),
        ("a\u2028b", "space U\\+2028"),
        ("a\u3000b", "space U\\+3000"),
        ("a\u0085b", "space U\\+0085"),
        ("a\tb", "space U\\+0009"),
        ("a\nb", "space U\\+000A"),
        ("a\x00b", "character U\\+0000"),
        ("a\ud800b", "character U\\+D800"),
    ],
)
def test_bad_key_names_are_refused_with_the_reason(name: str, problem: str) -> None:
    with pytest.raises(MalformedNote, match=problem):
        Signer.generate(name)


def test_bad_private_keys_are_refused_without_quoting_the_secret() -> None:
    good = ALICE.private_key_text()
    secret = good.rsplit("+", 1)[1]
    bad_id = good.replace(ALICE.key_id.hex(), "00000000")
    for text in [bad_id, good.replace("PRIVATE+KEY", "PRIVATE+KEYS"), good[:-4], "PRIVATE+KEY"]:
        with pytest.raises(MalformedNote) as caught:
            Signer.from_private_key(text)
        assert secret not in str(caught.value)
    with pytest.raises(MalformedNote, match="claims key ID 00000000"):
        Signer.from_private_key(bad_id)


def test_keys_are_read_only() -> None:
    verifier = ALICE.verifier()
    for target in (verifier, ALICE):
        with pytest.raises(AttributeError):
            setattr(target, "name", "mallory.example")  # noqa: B010


def test_a_signature_of_the_wrong_length_does_not_verify() -> None:
    assert ALICE.verifier().verify(b"m", ALICE.sign(b"m"))
    assert not ALICE.verifier().verify(b"m", ALICE.sign(b"m")[:63])
    assert not ALICE.verifier().verify(b"m", b"")


# --- the spec's rules ----------------------------------------------------------------------


def test_signatures_by_unknown_keys_are_ignored_even_if_they_share_a_name_or_an_id() -> None:
    same_name = Signer.from_seed("alice.example", bytes(32))
    same_id = NoteSignature("mallory.example", ALICE.key_id, bytes(64))
    text = "hello\n"
    note = Note(text, (*parse_note(sign_note(text, same_name, BOB)).signatures, same_id))
    data = note.encode() + sign_note(text, ALICE).split(b"\n\n")[1]
    assert open_note(data, [ALICE.verifier()]).verified_by == (ALICE.verifier(),)
    with pytest.raises(UnverifiedNote, match=r"trusted: alice.example\+"):
        open_note(note.encode(), [ALICE.verifier()])


def test_a_known_key_whose_signature_fails_rejects_the_note_even_beside_a_good_one() -> None:
    good = sign_note("hello\n", ALICE)
    forged = NoteSignature(ALICE.name, ALICE.key_id, bytes(64)).line().encode()
    with pytest.raises(
        InvalidSignature,
        match=r"^signature by alice\.example\+[0-9a-f]{8} does not verify; "
        "the note was altered or the key is wrong$",
    ):
        open_note(good + forged, [ALICE.verifier()])
    with pytest.raises(InvalidSignature):
        open_note(good.replace(b"hello", b"jello"), [ALICE.verifier()])


def test_a_note_with_no_trusted_key_is_unverified() -> None:
    with pytest.raises(UnverifiedNote, match="trusted: none"):
        open_note(sign_note("hello\n", ALICE), [])


def test_two_trusted_keys_with_the_same_name_and_id_are_ambiguous() -> None:
    twin = Verifier(ALICE.name, BOB.public_key)
    twin._key_id = ALICE.key_id  # stands for a 32-bit key ID collision
    with pytest.raises(AmbiguousKey):
        open_note(sign_note("hello\n", ALICE), [ALICE.verifier(), twin])
    assert open_note(sign_note("hello\n", ALICE), [ALICE.verifier(), ALICE.verifier()])


@pytest.mark.parametrize("text", ["one\n\nthree\n", "one\n\n\n\nfive\n", "\n", "\n\n", "end\n\n"])
def test_the_last_blank_line_separates_text_from_signatures(text: str) -> None:
    note = open_note(sign_note(text, ALICE), [ALICE.verifier()])
    assert note.text == text
    assert len(note.signatures) == 1


@pytest.mark.parametrize("count", [1, 16, 100])
def test_notes_with_up_to_100_signatures_are_accepted(count: int) -> None:
    witnesses = [Signer.from_seed(f"w{i}.example", bytes([i]) * 32) for i in range(count - 1)]
    data = sign_note("many\n", *witnesses, ALICE)  # the trusted signature comes last
    assert open_note(data, [ALICE.verifier()]).verified_by == (ALICE.verifier(),)
    assert len(parse_note(data).signatures) == count


def test_101_signature_lines_are_refused() -> None:
    line = sign_note("many\n", ALICE).split(b"\n\n")[1]
    with pytest.raises(MalformedNote, match="101 signature lines; we accept at most 100"):
        parse_note(b"many\n\n" + line * 101)
    with pytest.raises(MalformedNote, match="at most 100"):
        sign_note("many\n", *[ALICE] * 101)


@pytest.mark.parametrize("data", [b"hello\n", b"hello\n\n", b"hello\n\n\n", b"", b"\n\n"])
def test_a_note_without_signature_lines_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedNote):
        parse_note(data)


@pytest.mark.parametrize("bad", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x80", b"\xf8\x88"])
def test_notes_that_are_not_utf8_are_refused(bad: bytes) -> None:
    data = sign_note("hello\n", ALICE).replace(b"hello", b"hel" + bad + b"lo")
    with pytest.raises(MalformedNote, match="not valid UTF-8"):
        open_note(data, [ALICE.verifier()])


@pytest.mark.parametrize("char", ["\x00", "\x01", "\t", "\x0b", "\x0c", "\r", "\x1b", "\x1f"])
def test_ascii_control_characters_other_than_newline_are_refused(char: str) -> None:
    with pytest.raises(MalformedNote, match=f"U\\+{ord(char):04X}"):
        sign_note(f"a{char}b\n", ALICE)
    signed = sign_note("ab\n", ALICE)
    for data in (signed.replace(b"ab", f"a{char}b".encode()), signed[:-1] + char.encode() + b"\n"):
        # Refused as malformed before any signature is checked.
        with pytest.raises(MalformedNote, match="control character"):
            open_note(data, [ALICE.verifier()])


@pytest.mark.parametrize("char", ["\x7f", "\x85", "\u2028", "\ufeff", " "])
def test_characters_the_spec_does_not_ban_round_trip(char: str) -> None:
    # Only ASCII controls below U+0020 are banned, so DEL and C1 pass (as in Go).
    text = f"{char}a{char}b{char}\n"
    assert open_note(sign_note(text, ALICE), [ALICE.verifier()]).text == text


@pytest.mark.parametrize("text", ["", "no final newline", "two\nlines"])
def test_texts_that_are_empty_or_lack_a_final_newline_cannot_be_signed(text: str) -> None:
    with pytest.raises(MalformedNote, match=r"empty|newline"):
        sign_note(text, ALICE)


def test_a_note_needs_a_signer() -> None:
    with pytest.raises(MalformedNote, match="signer"):
        sign_note("hello\n")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("- alice.example AAAAAAA=", "em dash"),
        ("—alice.example AAAAAAA=", "em dash"),
        ("— alice.example", "no space"),
        ("— alice.example  AAAAAAA=", "base64"),
        ("— alice.example AAAAAAA= ", "base64"),
        ("— alice.example AAAAAAA", "base64"),
        ("— alice.example AAAA", "too short"),
        ("— alice.example ", "too short"),
        ("— alice+example AAAAAAA=", "'\\+'"),
        ("— \u00a0 AAAAAAA=", "space"),
        ("— ", "no space"),
    ],
)
def test_signature_lines_off_the_grammar_are_malformed(line: str, problem: str) -> None:
    with pytest.raises(MalformedNote, match=problem):
        parse_note(f"hello\n\n{line}\n".encode())


# --- properties ----------------------------------------------------------------------------

# What a note's text may hold: anything but ASCII controls other than newline (and
# surrogates, which have no UTF-8 form).
TEXT_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters=[chr(c) for c in range(0x20) if c != 0x0A]
)
NOTE_TEXTS = st.text(TEXT_CHARS, max_size=120).map(lambda t: t + "\n")
NAME_CHARS = st.characters(exclude_categories=["Cs", "Cc", "Z"], exclude_characters="+")
KEY_NAMES = st.text(NAME_CHARS, min_size=1, max_size=20).filter(
    lambda n: not any(c.isspace() for c in n)
)
# Pieces of notes and keys, so the fuzzers reach past the first check.
PIECES = [
    "\n", "\n\n", "— ", "—", " ", "+", "=", "\x00", "\r", "\t", "\x7f", "é", "PeterNeumann",
    "c74f20a3", "PRIVATE+KEY+", "AAAA", "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    PETER_VKEY, PETER_SKEY, GO_TEXT, PETER_SIG, ENOCH_SIG, "x08go/ZJ", "QQ==", "QR==",
]  # fmt: skip
NEAR_TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=12).map("".join)
NEAR_BYTES = st.lists(
    st.sampled_from([p.encode() for p in PIECES]) | st.binary(max_size=4), max_size=12
).map(b"".join)


@settings(max_examples=400)
@given(NEAR_BYTES | st.binary(max_size=300))
def test_any_bytes_open_as_a_note_or_raise_a_log_error(data: bytes) -> None:
    with contextlib.suppress(LogError):
        parse_note(data)
    with contextlib.suppress(LogError):
        open_note(data, [PETER, ENOCH])


@settings(max_examples=400)
@given(NEAR_TEXT | st.text(max_size=120))
def test_any_text_parses_as_a_key_or_raises_a_log_error(text: str) -> None:
    for parse in (Verifier.from_text, Signer.from_private_key):
        with contextlib.suppress(LogError):
            parse(text)


@settings(max_examples=100, deadline=None)
@given(KEY_NAMES)
def test_any_valid_name_makes_keys_whose_texts_round_trip(name: str) -> None:
    signer = Signer.generate(name)
    assert Verifier.from_text(signer.verifier().text()) == signer.verifier()
    assert Signer.from_private_key(signer.private_key_text()).public_key == signer.public_key


@settings(max_examples=200, deadline=None)
@given(NOTE_TEXTS)
def test_any_valid_text_round_trips_through_sign_and_open(text: str) -> None:
    data = sign_note(text, ALICE, BOB)
    note = open_note(data, [BOB.verifier()])
    assert (note.text, note.verified_by) == (text, (BOB.verifier(),))
    assert note.encode() == data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTE_TEXTS, st.data())
def test_a_flipped_bit_never_yields_another_text_verified_by_the_key(
    text: str, data: st.DataObject
) -> None:
    note = bytearray(sign_note(text, ALICE))
    bit = data.draw(st.integers(0, len(note) * 8 - 1), label="bit")
    note[bit // 8] ^= 1 << (bit % 8)
    try:
        opened = open_note(bytes(note), [ALICE.verifier()])
    except LogError:
        return
    # Only a flip that changes nothing signed can pass, such as an unused low bit of the
    # base64 signature's last character.
    assert opened.text == text
    assert opened.verified_by == (ALICE.verifier(),)


def test_stray_base64_padding_is_refused_as_go_refuses_it() -> None:
    signer = Signer.from_seed("padding.example", bytes(32))
    text = signer.verifier().text()
    with pytest.raises(MalformedNote, match="not valid base64"):
        Verifier.from_text(text + "=")
