"""POST /api/v1/check and the site's attribution index, with the real sequencer logging heads."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import zlib
from collections.abc import Iterator
from html import unescape
from typing import Any

import jsonschema
import pytest
from django.test import Client, override_settings
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from firsthand.attribution import normalised_hash
from firsthand.log.note import Signer
from firsthand.publishing.rows import row_fields
from firsthand.statements.format import Reference, Statement, sign_statement
from firsthand.statements.identity import fingerprint, short_fingerprint
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.attribution_index import ReadersWriterLock, SiteIndex, site_index
from firsthand.web.api.models import PublishedStatement
from tests.web.conftest import log_of_its_own

URL = "/api/v1/check"
RANA = Signer.from_seed("rana.example", bytes(range(32)))
OMID = Signer.from_seed("omid.example", bytes(range(1, 33)))
LEFT = (
    "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019. "
    "I never supported their council, and I never asked anyone to join them."
)
PERSIAN = "من، امید فراهانی، در تابستان ۱۳۹۸ در اردوی حلقه بودم و نه روز تلفن‌هایمان را گرفتند."
FAKE = "I ask every former member to return to the elders of the Circle of Dawn before winter."
UNRELATED = "The bakery on the corner sells rye bread on Tuesdays and closes early in August."
FIRST = "I, Rana Tavakoli, declare that I left the Circle of Dawn in March 2019."
INVENTED = "Today I regret it and I want to come back to the elders."


def publish(client: Client, statement: Statement) -> int:
    response = client.post(
        "/api/v1/statements", data=statement.file_bytes(), content_type="text/plain"
    )
    assert response.status_code in (200, 201), response.json()
    return int(response.json()["index"])


@pytest.fixture(scope="module")
def site(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with log_of_its_own(tmp_path_factory.mktemp("check-log")):
        site_index().forget()  # the table was emptied: rows of other modules' logs are gone
        client = Client()
        ratelimit.reset()
        indices = {
            "profile": publish(
                client, sign_statement(RANA, "", kind="profile", name="Rana Tavakoli")
            ),
            "left": publish(client, sign_statement(RANA, LEFT)),
            "persian": publish(client, sign_statement(OMID, PERSIAN, lang="fa")),
            "denial": publish(
                client,
                sign_statement(
                    RANA,
                    f"I never wrote this: «{FAKE}»",
                    kind="denial",
                    refers=[Reference("text", normalised_hash(FAKE))],
                ),
            ),
        }
        yield {"client": client, "indices": indices}
        site_index().forget()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


def ask(site: dict[str, Any], text: str, author: str | None = None, **extra: Any) -> Any:
    sent: dict[str, Any] = {"text": text}
    if author is not None:
        sent["author"] = author
    response = site["client"].post(URL, data=json.dumps(sent), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()


def error(site: dict[str, Any], data: bytes | str, content_type: str = "application/json") -> Any:
    response = site["client"].post(URL, data=data, content_type=content_type)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()["error"]


def test_an_exact_copy_is_signed_with_its_index_author_and_urls(site: dict[str, Any]) -> None:
    answer = ask(site, "  " + LEFT.upper().replace(" ", "\n", 3))
    assert answer["verdict"] == "signed"
    assert answer["similarity"] == 1.0
    assert answer["threshold"] == 0.7
    assert answer["proves_nothing"] is False
    [match] = answer["matches"]
    statement = match["statement"]
    assert statement["index"] == site["indices"]["left"]
    assert statement["author"]["key_id"] == RANA.verifier().key_id.hex()
    assert statement["author"]["name"] == "rana.example"
    assert statement["url"].endswith(f"/statements/{statement['index']}")
    assert statement["bundle_url"].endswith(f"/api/v1/statements/{statement['index']}/bundle")


def test_persian_with_arabic_letters_and_latin_digits_is_signed(site: dict[str, Any]) -> None:
    variant = PERSIAN.replace("ی", "ي").replace("ک", "ك").replace("۱۳۹۸", "1398")
    answer = ask(site, variant, author="omid.example")
    assert answer["verdict"] == "signed"
    assert answer["matches"][0]["statement"]["index"] == site["indices"]["persian"]


def test_a_dropped_negation_is_altered_with_the_word_diff(site: dict[str, Any]) -> None:
    answer = ask(site, LEFT.replace("I never supported", "I supported"))
    assert answer["verdict"] == "altered"
    assert 0.7 <= answer["similarity"] < 1.0
    [match] = answer["matches"]
    assert match["statement"]["index"] == site["indices"]["left"]
    deleted = [s for s in match["diff"] if s["op"] != "equal"]
    assert deleted == [{"op": "delete", "signed": "never", "checked": ""}]
    assert "".join(s["checked"] for s in match["diff"] if s["op"] == "equal").startswith("I,")


def test_a_quote_is_contained_with_its_context(site: dict[str, Any]) -> None:
    answer = ask(site, "left the Circle of Dawn in March 2019")
    assert answer["verdict"] == "contained"
    context = answer["matches"][0]["context"]
    assert context["quote"].startswith("left the Circle of Dawn in March 2019")
    assert context["before"].endswith("declare that I ")


def test_a_denied_text_is_denied_with_the_denial(site: dict[str, Any]) -> None:
    answer = ask(site, FAKE, author=RANA.verifier().text())
    assert answer["verdict"] == "denied"
    match = answer["matches"][0]
    assert match["statement"]["index"] == site["indices"]["denial"]
    assert match["statement"]["kind"] == "denial"
    assert match["denial"]["denied_text"] == FAKE
    assert match["denial"]["refers"] == [f"text:{normalised_hash(FAKE)}"]


def test_an_unrelated_text_is_unknown_and_says_it_proves_nothing(site: dict[str, Any]) -> None:
    answer = ask(site, UNRELATED)
    assert answer["verdict"] == "unknown"
    assert answer["proves_nothing"] is True
    assert answer["similarity"] is None
    assert answer["matches"] == []
    assert "proves nothing either way" in answer["message"]


def test_asked_about_another_author_a_signed_text_is_unknown_and_reported_beside(
    site: dict[str, Any],
) -> None:
    answer = ask(site, LEFT, author=OMID.verifier().key_id.hex().upper())
    assert answer["verdict"] == "unknown"
    omid = fingerprint(OMID.verifier())
    assert answer["author"] == {
        "given": OMID.verifier().key_id.hex().upper(),
        "as": "key ID",
        "fingerprints": [omid],
        "ambiguous": False,
        "keys": [{"fingerprint": omid, "key": OMID.verifier().text(), "name": "omid.example"}],
    }
    assert [m["verdict"] for m in answer["other_matches"]] == ["signed"]


def test_an_author_name_nobody_here_has_is_unknown_and_says_so(site: dict[str, Any]) -> None:
    answer = ask(site, LEFT, author="nobody.example")
    assert answer["verdict"] == "unknown"
    assert answer["author"]["fingerprints"] == []
    assert "nobody.example" in answer["message"]
    assert answer["other_matches"][0]["statement"]["index"] == site["indices"]["left"]


def test_an_author_name_with_a_nul_is_nobody_not_a_server_error(site: dict[str, Any]) -> None:
    # PostgreSQL's text cannot hold U+0000, so the name is never asked of the database
    # (schemathesis found the 500 through /api/v1/check/batch).
    answer = ask(site, LEFT, author="omid\x00.example")
    assert answer["verdict"] == "unknown" and answer["author"]["fingerprints"] == []


def test_a_statement_published_after_the_first_check_is_found_by_the_next(
    site: dict[str, Any],
) -> None:
    text = "On the last night of the retreat the lights went out and nobody was allowed to leave."
    assert ask(site, text)["verdict"] == "unknown"
    index = publish(site["client"], sign_statement(OMID, text))
    answer = ask(site, text)
    assert answer["verdict"] == "signed"
    assert answer["matches"][0]["statement"]["index"] == index


def test_a_withheld_statement_is_never_matched_nor_shown(site: dict[str, Any]) -> None:
    text = "Mina lives at 12 Example Lane, flat 3, and she leaves for work at eight every day."
    target = sign_statement(OMID, text)
    publish(site["client"], target)
    assert ask(site, text)["verdict"] == "signed"  # indexed before it is withheld
    notice = sign_statement(
        runtime.operator(),
        "a private address",
        kind="withholding",
        refers=[Reference("leaf", target.leaf_hash.hex())],
        reason="a private address",
    )
    publish(site["client"], notice)
    for variant in (text, text.replace("eight", "nine"), "lives at 12 Example Lane, flat 3"):
        answer = ask(site, variant)
        assert answer["verdict"] == "unknown", answer
        assert "Example Lane" not in json.dumps(answer["other_matches"])


def test_a_withheld_body_is_not_indexed_when_the_index_is_built(site: dict[str, Any]) -> None:
    # The text above was withheld before this rebuild: it must not come back.
    site_index().forget()
    text = "Mina lives at 12 Example Lane, flat 3, and she leaves for work at eight every day."
    assert ask(site, text)["verdict"] == "unknown"
    assert ask(site, LEFT)["verdict"] == "signed"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "says"),
    [
        (b"{not json", "application/json", 400, "not JSON"),
        (b"\xff\xfe", "application/json", 400, "not JSON"),
        (b"[1, 2]", "application/json", 400, '"text"'),
        (b'{"author": "rana.example"}', "application/json", 400, '"text"'),
        (b'{"text": 12}', "application/json", 400, '"text"'),
        (b'{"text": "ok ok", "author": 3}', "application/json", 400, '"author"'),
        (b'{"text": " ,.!? "}', "application/json", 400, "no words"),
        (b'{"text": "some words", "author": "x+y+z"}', "application/json", 400, "verifier key"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "send JSON"),
    ],
)
def test_bad_requests_get_a_json_error_never_a_500(
    site: dict[str, Any], data: bytes, content_type: str, status: int, says: str
) -> None:
    got, message = error(site, data, content_type)
    assert got == status
    assert says in message


def test_a_plain_text_content_type_is_read_as_json_too(site: dict[str, Any]) -> None:
    response = site["client"].post(
        URL, data=json.dumps({"text": LEFT}), content_type="text/plain; charset=utf-8"
    )
    assert response.json()["verdict"] == "signed"


@override_settings(FIRSTHAND_MAX_CHECK_BYTES=1000)
def test_a_request_over_the_limit_is_413(site: dict[str, Any]) -> None:
    status, message = error(site, json.dumps({"text": "word " * 400}))
    assert status == 413
    assert "1,000 bytes" in message


def test_a_text_over_a_million_characters_is_413(site: dict[str, Any]) -> None:
    status, message = error(site, json.dumps({"text": "a" * 1_000_001}))
    assert status == 413
    assert "1,000,000" in message


def test_only_post_is_allowed(site: dict[str, Any]) -> None:
    assert site["client"].get(URL).status_code == 405


@override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=1, FIRSTHAND_CHECK_RATE_PER_MINUTE=2)
def test_checks_have_a_per_client_rate_limit_of_their_own(site: dict[str, Any]) -> None:
    body = json.dumps({"text": UNRELATED})
    # Publishing spends its own budget, not the checks'.
    site["client"].post("/api/v1/statements", data=b"junk", content_type="text/plain")
    statuses = [
        site["client"].post(URL, data=body, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = site["client"].post(URL, data=body, content_type="application/json")
    assert int(refused["Retry-After"]) >= 1
    assert "too many checks" in refused.json()["error"]


def test_a_large_table_is_indexed_in_the_background_and_checks_wait_with_503(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from firsthand.web.api import attribution_index

    site_index().forget()
    monkeypatch.setattr(attribution_index, "BUILD_INLINE_UP_TO", 0)
    body = json.dumps({"text": LEFT})
    refused = site["client"].post(URL, data=body, content_type="application/json")
    assert refused.status_code == 503
    assert refused["Retry-After"] == "30"
    assert "indexing its" in refused.json()["error"]
    builder = site_index()._builder
    assert builder is not None
    builder.join(30)
    assert ask(site, LEFT)["verdict"] == "signed"


def valid(answer: Any, name: str) -> None:
    """The answer matches what /api/v1/openapi.json publishes for it."""
    from firsthand.web.api.openapi import document

    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:firsthand", resource)
    schema = {"$ref": f"urn:firsthand#/components/schemas/{name}"}
    jsonschema.Draft202012Validator(schema, registry=registry).validate(answer)


def test_one_true_sentence_beside_an_invented_one_is_mixed_never_signed(
    site: dict[str, Any],
) -> None:
    for text in (f"{FIRST} {INVENTED}", f"{INVENTED} {FIRST}"):
        answer = ask(site, text, author=RANA.verifier().text())
        assert answer["verdict"] == "mixed"
        assert answer["message"].startswith("Mixed:")
        verdicts = {p["text"]: p["verdict"] for p in answer["passages"]}
        assert verdicts == {FIRST: "contained", INVENTED: "unknown"}
        [mine] = [p for p in answer["passages"] if p["verdict"] == "contained"]
        assert mine["match"]["statement"]["index"] == site["indices"]["left"]
        assert text[mine["start"] : mine["end"]] == FIRST
        valid(answer, "CheckResult")


def test_a_statement_quoted_in_an_article_is_contained_and_its_frame_is_the_writers(
    site: dict[str, Any],
) -> None:
    answer = ask(site, f"He said in an interview: “{LEFT}”", author="rana.example")
    assert answer["verdict"] == "contained"
    frame, *quoted = answer["passages"]
    assert frame["frame"] and frame["number"] is None and frame["verdict"] == "unknown"
    assert [p["verdict"] for p in quoted] == ["contained", "contained"]
    assert all(p["quoted"] for p in quoted)


def test_a_denied_letter_quoted_in_the_news_finds_the_denial(site: dict[str, Any]) -> None:
    text = f"A letter circulating in her name says: «{FAKE}» She has denied writing it."
    answer = ask(site, text)
    assert answer["verdict"] == "denied"
    assert answer["matches"][0]["statement"]["index"] == site["indices"]["denial"]
    [denied] = [p for p in answer["passages"] if p["verdict"] == "denied"]
    assert denied["text"] == FAKE and denied["match"]["statement"]["kind"] == "denial"


def test_a_quote_with_an_ellipsis_is_a_gap_not_an_alteration(site: dict[str, Any]) -> None:
    text = "She wrote: “I, Rana Tavakoli, declare that I left … in March 2019.”"
    answer = ask(site, text)
    assert answer["verdict"] == "contained"
    [quote] = [p for p in answer["passages"] if p["quoted"]]
    assert quote["gaps"] == 1 and quote["match"]["gaps"] == 1


def test_persian_typed_with_spaces_for_zwnj_is_still_signed(site: dict[str, Any]) -> None:
    answer = ask(site, PERSIAN.replace("\u200c", " "), author="omid.example")
    assert answer["verdict"] == "signed"


def test_an_author_by_signed_display_name_is_found_and_named_by_key(site: dict[str, Any]) -> None:
    answer = ask(site, LEFT, author="Rana Tavakoli")
    assert answer["author"]["as"] == "name"
    assert answer["author"]["fingerprints"] == [fingerprint(RANA.verifier())]
    assert answer["verdict"] == "signed"


def test_look_alike_letters_are_named_in_the_answer_and_the_diff(site: dict[str, Any]) -> None:
    answer = ask(site, LEFT.replace("Dawn", "D\u0430wn"))
    assert answer["verdict"] == "altered"
    assert answer["mixed_scripts"][0]["word"] == "D\u0430wn"
    assert answer["mixed_scripts"][0]["scripts"] == ["Latin", "Cyrillic"]
    assert "mix" in answer["message"]
    changed = [s for s in answer["matches"][0]["diff"] if s["op"] != "equal"]
    assert changed[0]["look_alike"] is True


def test_the_batch_answers_up_to_100_texts_in_order(site: dict[str, Any]) -> None:
    checks = [{"text": LEFT}, {"text": f"{FIRST} {INVENTED}", "author": "rana.example"}]
    checks.append({"text": " ,.!? "})
    response = site["client"].post(
        URL + "/batch", data=json.dumps({"checks": checks}), content_type="application/json"
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    answer = response.json()
    first, second, third = answer["results"]
    assert first["verdict"] == "signed" and second["verdict"] == "mixed"
    assert third["status"] == 400 and "no words" in third["error"]
    assert answer["checkpoint"]["size"] > site["indices"]["denial"]
    valid(answer, "CheckBatchResult")
    too_many = {"checks": [{"text": UNRELATED}] * 101}
    refused = site["client"].post(
        URL + "/batch", data=json.dumps(too_many), content_type="application/json"
    )
    assert refused.status_code == 413 and "at most 100" in refused.json()["error"]


@override_settings(FIRSTHAND_CHECK_RATE_PER_MINUTE=5)
def test_a_batch_spends_one_check_a_text(site: dict[str, Any]) -> None:
    batch = json.dumps({"checks": [{"text": UNRELATED}] * 4})
    post = site["client"].post
    assert post(URL + "/batch", data=batch, content_type="application/json").status_code == 200
    assert post(URL + "/batch", data=batch, content_type="application/json").status_code == 429


def test_a_name_nobody_has_leaves_every_passage_unknown(site: dict[str, Any]) -> None:
    answer = ask(site, f"{FIRST} {INVENTED}", author="nobody.example")
    assert answer["verdict"] == "unknown"
    assert {p["verdict"] for p in answer["passages"]} == {"unknown"}
    assert answer["passages"][0]["also"][0]["statement"]["index"] == site["indices"]["left"]


def page(site: dict[str, Any], text: str, author: str = "", prefix: str = "") -> tuple[int, str]:
    client = Client(enforce_csrf_checks=True)
    form = client.get(f"{prefix}/check")
    assert form.status_code == 200
    response = client.post(f"{prefix}/check", {"text": text, "author": author})
    return response.status_code, response.content.decode()


def test_the_page_form_posts_and_shows_the_signed_statement(
    site: dict[str, Any],
) -> None:
    status, html = page(site, LEFT)
    assert status == 200
    assert "Signed: these are the exact words" in html
    assert f'href="/statements/{site["indices"]["left"]}"' in html
    assert f'href="/api/v1/statements/{site["indices"]["left"]}/bundle"' in html


def test_the_page_sets_no_cookie_on_a_reader_and_needs_none_to_post(site: dict[str, Any]) -> None:
    """The form changes nothing, so it is exempt from CSRF: no one-year csrftoken identifier."""
    client = Client(enforce_csrf_checks=True)
    for prefix in ("", "/fa"):
        form = client.get(f"{prefix}/check")
        assert not form.cookies and "Set-Cookie" not in form
        assert "csrfmiddlewaretoken" not in form.content.decode()
        answer = client.post(
            f"{prefix}/check", {"text": LEFT}, HTTP_ORIGIN="https://elsewhere.example"
        )
        assert answer.status_code == 200 and not answer.cookies


def test_the_persian_page_shows_the_diff_with_del_ins_and_persian_digits(
    site: dict[str, Any],
) -> None:
    status, html = page(site, PERSIAN.replace("نه روز", "ده روز"), prefix="/fa")
    assert status == 200
    assert '<del><span class="visually-hidden">' in html
    assert "<ins>" in html
    index = site["indices"]["persian"]
    assert f'href="/fa/statements/{index}"' in html
    assert str(index).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in html


def tags(html: str) -> list[str]:
    """The label shown before each passage of the marked text."""
    found = re.findall(
        r'<span class="passage-tag"><span aria-hidden="true">(.)</span>(.*?)</span>', html
    )
    return [" ".join(f"{mark} {unescape(label)}".split()) for mark, label in found]


def _fragment_text(html: str) -> dict[str, str]:
    fragment = re.search(r'id="share-link" href="[^"#]*#check=([^"]+)"', html)
    assert fragment is not None
    packed = base64.urlsafe_b64decode(fragment.group(1) + "=" * (-len(fragment.group(1)) % 4))
    return json.loads(zlib.decompress(packed, -15).decode("utf-8"))


def test_the_page_marks_each_passage_and_shares_the_check_without_storing_it(
    site: dict[str, Any],
) -> None:
    text = f"{FIRST} {INVENTED}"
    status, html = page(site, text, "rana.example")
    assert status == 200
    assert "Mixed: part of this text is in signed statements" in html
    assert "Signed: these are the exact words" not in html
    assert tags(html) == ["❝ 1 Quoted", "? 2 In no statement"]  # a text label, not colour alone
    assert f'href="/statements/{site["indices"]["left"]}"' in html
    # The link carries the text in its fragment, which no server sees, and nothing else.
    assert _fragment_text(html) == {"t": text, "a": "rana.example"}
    assert "?text=" not in html
    citation = unescape(re.search(r'<textarea id="citation"[^>]*>(.*?)</textarea>', html, re.S)[1])
    assert f"http://testserver/statements/{site['indices']['left']}" in citation
    assert (
        "Log checkpoint: firsthand" in citation
        and "Check again: http://testserver/check#" in citation
    )
    assert short_fingerprint(fingerprint(RANA.verifier())) in citation


def test_the_persian_page_marks_passages_in_persian(site: dict[str, Any]) -> None:
    status, html = page(site, f"{FIRST} {INVENTED}", prefix="/fa")
    assert status == 200 and 'dir="rtl"' in html
    assert tags(html) == ["❝ ۱ نقل‌شده", "? ۲ در هیچ بیانیه‌ای نیست"]
    assert "پیوند به این بررسی" in html


def test_the_page_says_an_unknown_text_proves_nothing(site: dict[str, Any]) -> None:
    status, html = page(site, UNRELATED)
    assert status == 200
    assert "That proves nothing either way" in html


def test_the_page_answers_a_text_without_words_with_400_and_a_reason(
    site: dict[str, Any],
) -> None:
    status, html = page(site, "?!")
    assert status == 400
    assert "no words to check" in html


def test_the_lock_lets_readers_share_and_makes_a_writer_wait_for_them() -> None:
    lock = ReadersWriterLock()
    events: list[str] = []
    first_in = threading.Event()

    def read(name: str, hold: float) -> None:
        with lock.reading():
            events.append(f"{name} in")
            first_in.set()
            time.sleep(hold)
            events.append(f"{name} out")

    def write() -> None:
        first_in.wait()
        with lock.writing():
            events.append("writer in")

    threads = [
        threading.Thread(target=read, args=("a", 0.2)),
        threading.Thread(target=read, args=("b", 0.2)),
        threading.Thread(target=write),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert events.index("writer in") > max(events.index("a out"), events.index("b out"))
    # Both readers were in before either left: they did not wait for each other.
    assert max(events.index("a in"), events.index("b in")) < min(
        events.index("a out"), events.index("b out")
    )


def test_checks_in_threads_beside_publishing_all_answer_and_see_every_statement(
    site: dict[str, Any],
) -> None:
    texts = [f"Witness {n} saw the elders burn the letters of year {1990 + n}." for n in range(6)]
    failures: list[str] = []

    def checker() -> None:
        client = Client()
        for _ in range(6):
            response = client.post(
                URL, data=json.dumps({"text": LEFT}), content_type="application/json"
            )
            if response.status_code != 200 or response.json()["verdict"] != "signed":
                failures.append(response.content.decode()[:200])

    with override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=10_000):
        threads = [threading.Thread(target=checker) for _ in range(3)]
        for thread in threads:
            thread.start()
        for text in texts:
            publish(site["client"], sign_statement(OMID, text))
        for thread in threads:
            thread.join(60)
    assert not failures
    for text in texts:
        assert ask(site, text)["verdict"] == "signed"


def test_the_command_line_lists_the_passages_and_exits_7_for_mixed(site: dict[str, Any]) -> None:
    from firsthand.cli.check import EXIT_CODES, human

    answer = ask(site, f"{FIRST} {INVENTED}", author="rana.example")
    shown = human(answer)
    assert "verdict: mixed" in shown and "passage by passage:" in shown
    assert f"1. contained (statement {site['indices']['left']} by rana.example" in shown
    assert f"2. unknown: {INVENTED}" in shown
    assert EXIT_CODES["mixed"] == 7


def test_rows_whose_index_arrives_late_are_indexed_all_the_same(database: None) -> None:
    """A batch's rows get their indices in any order: 11 may reach the table before 10.

    Last in this module: it empties the table the module's site serves."""
    from tests.web.conftest import forget_published_rows

    forget_published_rows()
    index = SiteIndex()
    texts = [f"Statement number {n} says the meeting was on day {n} of the month." for n in (1, 2)]
    rows = [
        PublishedStatement.objects.create(leaf_hash=s.leaf_hash.hex(), **row_fields(s))
        for s in (sign_statement(RANA, text) for text in texts)
    ]
    PublishedStatement.objects.filter(pk=rows[1].pk).update(index=11)
    assert index.catch_up() == 1
    PublishedStatement.objects.filter(pk=rows[0].pk).update(index=10)
    assert index.catch_up() == 1
    assert index.catch_up() == 0
    with index.reading() as attribution:
        assert len(attribution) == 2
    forget_published_rows()
