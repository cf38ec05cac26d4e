"""The organisation an author left, trying to pass its words off as the author's.

Each test is one attack from issue 16, run against the site as a reader meets it:
the author page, the feed, the API and "who said it?", in English and Persian.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firsthand.log.note import ED25519, Signer, key_id
from firsthand.statements import format as statement_format
from firsthand.statements.errors import MalformedStatement
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.statements.identity import check_label, fingerprint, short_fingerprint, skeleton
from firsthand.web.api import ratelimit
from tests.forging import one_way_rotation
from tests.web.conftest import log_of_its_own

URL = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"
VICTIM_NAME = "maryam.example"
GENUINE = "I left the Circle of Dawn in 2019 and I have not gone back since that day."
FABRICATED = "I regret leaving the Circle of Dawn and I beg the elders to take me back."

# The impostor's name suffix that makes its key's 32-bit key ID equal the victim's: ground
# once outside the suite (C and OpenSSL, SHA-256 over "maryam.example.<hex n>\n" 0x01 and
# the key, n counting up; about 2^31 hashes, a few minutes of two cores).
COLLIDING_SUFFIX = "4c33a2c6"

# Invisible characters an impostor would hide in a copy of a name (the old attack).
INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\u2063"]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.fixture(scope="module")
def client(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with log_of_its_own(tmp_path_factory.mktemp("impostors-log")):
        yield Client()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def post(client: Client, data: bytes) -> tuple[int, dict[str, Any]]:
    response = client.post(URL, data=data, content_type=TEXT)
    return response.status_code, response.json()


def publish(client: Client, statement: Statement) -> int:
    status, answer = post(client, statement.file_bytes())
    assert status in (200, 201), answer
    return int(answer["index"])


def fp(signer: Signer) -> str:
    return fingerprint(signer.verifier())


def grind_key_id(target: bytes, base_name: str, public_key: bytes, bits: int) -> str:
    """A name that gives ``public_key`` a key ID whose first ``bits`` bits are ``target``'s.

    The attack of issue 16: vary characters in a copy of the victim's name until the
    32-bit key ID matches (about 2^32 hashes, minutes of one core). ``bits`` makes the
    test fast; nothing on the site looks at the key ID, so 16 bits prove what 32 would.
    Visible suffixes, since invisible characters are refused now (the test below).
    """
    wanted = int.from_bytes(target, "big") >> (32 - bits)
    for n in itertools.count():
        name = f"{base_name}.{n:x}"
        got = int.from_bytes(key_id(name, bytes([ED25519]) + public_key), "big") >> (32 - bits)
        if got == wanted:
            return name
    raise AssertionError("unreachable")


def test_the_old_grinding_trick_with_invisible_characters_is_refused(client: Client) -> None:
    impostor = Signer.generate(VICTIM_NAME + "\u200b\u2060")
    status, answer = post(client, sign_statement_unchecked(impostor, FABRICATED))
    assert status == 400 and "invisible character U+200B" in answer["error"]


def sign_statement_unchecked(signer: Signer, body: str) -> bytes:
    """A statement file signed as an old server would have accepted it (no label rules)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statement_format, "check_new_head", lambda *checked: None)
        return sign_statement(signer, body).file_bytes()


def test_a_key_with_a_ground_key_id_never_appears_as_the_victim(client: Client) -> None:
    victim = Signer.generate(VICTIM_NAME)
    genuine = publish(client, sign_statement(victim, GENUINE))
    seed = hashlib.sha256(b"an impostor's key").digest()
    name = grind_key_id(victim.key_id, VICTIM_NAME, Signer.from_seed("x", seed).public_key, 16)
    impostor = Signer.from_seed(name, seed)
    assert impostor.key_id[:2] == victim.key_id[:2]
    fake_profile = sign_statement(impostor, "", kind="profile", name="Maryam")
    fake = sign_statement(impostor, FABRICATED)
    publish(client, fake_profile)
    fabricated = publish(client, fake)

    for prefix in ("", "/fa"):
        page = client.get(f"{prefix}/authors/{fp(victim)}").content.decode()
        assert GENUINE in page and FABRICATED not in page and name not in page
        feed = client.get(f"{prefix}/authors/{fp(victim)}/feed.atom").content.decode()
        assert GENUINE in feed and FABRICATED not in feed
    author = client.get(f"/api/v1/authors/{fp(victim)}").json()
    assert [s["index"] for s in author["statements"]] == [genuine]
    # Asked about the victim by fingerprint or whole key, the fabrication is not theirs.
    for who in (fp(victim), victim.verifier().text()):
        answer = client.post(
            URL.replace("statements", "check"),
            {"text": FABRICATED, "author": who},
            content_type="application/json",
        ).json()
        assert answer["verdict"] == "unknown"
        assert [m["statement"]["index"] for m in answer["other_matches"]] == [fabricated]
        assert answer["other_matches"][0]["statement"]["author"]["fingerprint"] == fp(impostor)


def test_a_display_name_that_looks_like_another_authors_is_flagged_on_both_pages(
    client: Client,
) -> None:
    victim, impostor = Signer.generate("parisa.example"), Signer.generate("p.example")
    publish(client, sign_statement(victim, "", kind="profile", name="Parisa Mahdavi"))
    # Cyrillic "а" and "М" in place of the Latin letters: the same on screen.
    publish(client, sign_statement(impostor, "", kind="profile", name="Pаrisa Мahdavi"))
    assert skeleton("Parisa Mahdavi") == skeleton("Pаrisa Мahdavi")
    for me, other in ((victim, impostor), (impostor, victim)):
        page = client.get(f"/authors/{fp(me)}").content.decode()
        assert "Two authors here use names that look alike." in page
        assert f"/authors/{fp(other)}" in page and short_fingerprint(fp(other)) in page
        farsi = client.get(f"/fa/authors/{fp(me)}").content.decode()
        assert f"/fa/authors/{fp(other)}" in farsi
        api = client.get(f"/api/v1/authors/{fp(me)}").json()
        assert [a["fingerprint"] for a in api["look_alikes"]] == [fp(other)]


def test_a_name_carried_by_two_keys_never_says_signed_without_naming_the_key(
    client: Client,
) -> None:
    victim, impostor = Signer.generate("omid.example"), Signer.generate("omid.example")
    publish(client, sign_statement(victim, GENUINE + " Omid."))
    fabricated = publish(client, sign_statement(impostor, FABRICATED + " Omid."))
    answer = client.post(
        "/api/v1/check",
        {"text": FABRICATED + " Omid.", "author": "omid.example"},
        content_type="application/json",
    ).json()
    assert answer["author"]["ambiguous"] is True
    assert sorted(answer["author"]["fingerprints"]) == sorted([fp(victim), fp(impostor)])
    assert "2 different keys here go by 'omid.example'" in answer["message"]
    assert answer["matches"][0]["statement"]["index"] == fabricated
    assert answer["matches"][0]["statement"]["author"]["fingerprint"] == fp(impostor)
    for prefix, headline in (("", "Signed, by one of these keys:"), ("/fa", "")):
        page = client.post(
            f"{prefix}/check", {"text": FABRICATED + " Omid.", "author": "omid.example"}
        ).content.decode()
        assert "Signed: these are the exact words" not in page
        assert short_fingerprint(fp(impostor)) in page and short_fingerprint(fp(victim)) in page
        if headline:
            heading = page[page.index('id="verdict-heading"') :].split("</h2>")[0]
            assert headline in heading and short_fingerprint(fp(impostor)) in heading
    # Letter case is not the name: "Omid.Example" is nobody here.
    other_case = client.post(
        "/api/v1/check",
        {"text": GENUINE, "author": "Omid.Example"},
        content_type="application/json",
    ).json()
    assert other_case["author"]["fingerprints"] == [] and other_case["verdict"] == "unknown"


def test_a_same_named_keys_denial_of_a_genuine_text_is_not_the_authors(client: Client) -> None:
    victim, impostor = Signer.generate("nasrin.example"), Signer.generate("nasrin.example")
    words = "On the night I left, two elders followed me to the station and took my passport."
    genuine = publish(client, sign_statement(victim, words))
    from firsthand.attribution.normalise import normalised_hash

    denial = sign_statement(
        impostor,
        "I never wrote this.",
        kind="denial",
        refers=[Reference("text", normalised_hash(words))],
    )
    publish(client, denial)
    answer = client.post(
        "/api/v1/check", {"text": words, "author": fp(victim)}, content_type="application/json"
    ).json()
    assert answer["verdict"] == "signed"
    assert answer["matches"][0]["statement"]["index"] == genuine
    denied = [m for m in answer["other_matches"] if m["verdict"] == "denied"]
    assert [m["statement"]["author"]["fingerprint"] for m in denied] == [fp(impostor)]


def test_an_old_link_by_a_short_key_id_never_picks_one_of_two_keys(client: Client) -> None:
    # A real 32-bit collision (COLLIDING_SUFFIX): the two keys below share the key ID.
    victim = Signer.from_seed(VICTIM_NAME, hashlib.sha256(b"firsthand test victim").digest())
    impostor = Signer.from_seed(
        VICTIM_NAME + "." + COLLIDING_SUFFIX,
        hashlib.sha256(b"firsthand test impostor").digest(),
    )
    assert victim.key_id == impostor.key_id and fp(victim) != fp(impostor)
    publish(client, sign_statement(victim, GENUINE + " (collision test)"))
    publish(client, sign_statement(impostor, FABRICATED + " (collision test)"))
    key = victim.key_id.hex()
    for prefix in ("", "/fa"):
        for path in (f"{prefix}/authors/{key}", f"{prefix}/authors/{key}/feed.atom"):
            response = client.get(path)
            assert response.status_code == 300, path
            page = response.content.decode()
            assert f"/authors/{fp(victim)}" in page and f"/authors/{fp(impostor)}" in page
            assert GENUINE not in page and FABRICATED not in page
    assert "Several keys share the key ID" in client.get(f"/authors/{key}").content.decode()
    api = client.get(f"/api/v1/authors/{key}")
    assert api.status_code == 300
    assert {k["fingerprint"] for k in api.json()["keys"]} == {fp(victim), fp(impostor)}
    answer = client.post(
        "/api/v1/check",
        {"text": FABRICATED + " (collision test)", "author": key},
        content_type="application/json",
    ).json()
    assert answer["author"]["ambiguous"] is True
    assert answer["matches"][0]["statement"]["author"]["fingerprint"] == fp(impostor)


# Rotations: two-way, in log order, a new key claimed once.


def rotate(old: Signer, new: Signer) -> Statement:
    return sign_statement(
        old,
        "I now sign with a new key.",
        kind="key-rotation",
        new_key=new.verifier(),
        cosigners=[new],
    )


def logged_before_two_way_rotations(client: Client, data: bytes) -> int:
    """Publish a file as a server before two-way rotations did (check_new_head off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statement_format, "check_new_head", lambda *checked: None)
        status, answer = post(client, data)
    assert status == 201, answer
    return int(answer["index"])


def statements_on(client: Client, signer: Signer) -> list[int]:
    page = client.get(f"/api/v1/authors/{fp(signer)}").json()
    return [s["index"] for s in page["statements"]]


def test_a_one_way_rotation_logged_before_the_rule_is_shown_but_never_followed(
    client: Client,
) -> None:
    author, new, impostor = (Signer.generate(n) for n in ("leila.example", "leila2", "imp"))
    real = publish(client, rotate(author, new))
    claim = logged_before_two_way_rotations(client, one_way_rotation(impostor, new))
    later = publish(client, sign_statement(new, "Written with my second key."))
    assert later in statements_on(client, author)
    assert later not in statements_on(client, impostor)
    new_page = client.get(f"/api/v1/authors/{fp(new)}").json()
    assert new_page["predecessor"] == fp(author)
    assert {r["index"]: r["two_way"] for r in new_page["rotations_received"]} == {
        real: True,
        claim: False,
    }
    for prefix in ("", "/fa"):
        html = client.get(f"{prefix}/statements/{claim}").content.decode()
        assert "one-way rotation" in html or prefix == "/fa"
        assert f'/authors/{fp(new)}"' not in html  # no link that presents it as followed


def test_an_impostors_one_way_claim_before_the_real_rotation_does_not_win(
    client: Client,
) -> None:
    author, new, impostor = (Signer.generate(n) for n in ("sara.example", "sara2", "imp2"))
    logged_before_two_way_rotations(client, one_way_rotation(impostor, new))
    publish(client, rotate(author, new))
    later = publish(client, sign_statement(new, "Sara, second key."))
    assert later in statements_on(client, author)
    assert later not in statements_on(client, impostor)
    assert client.get(f"/api/v1/authors/{fp(new)}").json()["predecessor"] == fp(author)


def test_a_new_key_is_claimed_by_one_chain_only(client: Client) -> None:
    first, second, new = (Signer.generate(n) for n in ("reza.example", "reza.other", "reza2"))
    publish(client, rotate(first, new))
    # The new key's holder signs a second two-way rotation (coerced, or a stolen copy).
    publish(client, rotate(second, new))
    later = publish(client, sign_statement(new, "Reza, second key."))
    assert later in statements_on(client, first)
    assert later not in statements_on(client, second)


def test_a_rotation_to_a_key_that_had_signed_before_is_not_followed(client: Client) -> None:
    author, existing = Signer.generate("mina.example"), Signer.generate("someone.example")
    before = publish(client, sign_statement(existing, "Words from before any rotation."))
    publish(client, rotate(author, existing))
    assert before not in statements_on(client, author)


# Labels as the property tests see them: keygen refuses, or the skeleton check flags.


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.text(
        alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Lo", "Nd")),
        min_size=1,
        max_size=20,
    ),
    hidden=st.lists(st.sampled_from(INVISIBLE + BIDI), min_size=1, max_size=3),
    positions=st.lists(st.integers(min_value=0, max_value=20), min_size=3, max_size=3),
)
def test_a_name_with_hidden_characters_is_refused_or_flagged_as_a_look_alike(
    name: str, hidden: list[str], positions: list[int]
) -> None:
    copy = name
    for ch, at in zip(hidden, positions, strict=False):
        at = min(at, len(copy))
        copy = copy[:at] + ch + copy[at:]
    try:
        check_label(copy, "the key's name")
    except MalformedStatement:
        return  # refused outright
    # Only a ZWNJ between Arabic-script letters passes, and it changes no skeleton.
    assert skeleton(copy) == skeleton(name)


def test_a_name_in_capitals_is_flagged_as_a_look_alike(client: Client) -> None:
    # TR39 alone reads a capital I as a small l; the case-folded skeleton catches it.
    victim, impostor = Signer.generate("rana.example"), Signer.generate("r.example")
    publish(client, sign_statement(victim, "", kind="profile", name="Rana Tavakoli"))
    publish(client, sign_statement(impostor, "", kind="profile", name="RANA TAVAKOLI"))
    api = client.get(f"/api/v1/authors/{fp(victim)}").json()
    assert [a["fingerprint"] for a in api["look_alikes"]] == [fp(impostor)]
