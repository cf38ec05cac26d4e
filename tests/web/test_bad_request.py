"""A request Django will not read (more form fields than it parses) answers 400 in the
reader's language: a page under the language's prefix, the API's JSON error under /api/,
never Django's bare English "Bad Request (400)"."""

from __future__ import annotations

import json

from django.test import Client, RequestFactory
from django.utils import translation

from firsthand.web.api.errors import bad_request

TOO_MANY_FIELDS = {f"f{n}": "" for n in range(1100)}  # Django reads at most 1,000


def test_a_request_too_large_to_read_is_refused_in_persian(database: None) -> None:
    page = Client().post("/fa/check", TOO_MANY_FIELDS)
    assert page.status_code == 400
    shown = page.content.decode()
    assert "درخواست خوانده نشد" in shown and 'lang="fa"' in shown
    assert "Bad Request" not in shown
    english = Client().post("/check", TOO_MANY_FIELDS)
    assert (
        english.status_code == 400 and "The request could not be read" in english.content.decode()
    )


def test_under_api_the_refusal_is_the_apis_json_error() -> None:
    with translation.override("fa"):
        answer = bad_request(RequestFactory().post("/api/v1/statements"))
    assert answer.status_code == 400 and answer["Content-Type"] == "application/json"
    assert (
        json.loads(answer.content)["error"]
        == "این درخواست خوانده نشد: بیش از اندازه بزرگ یا نادرست است"
    )
