"""say() (web/api/errors.py) and explained(): the API's sentences in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from firsthand.log.errors import MalformedNote
from firsthand.media.errors import UnsupportedMedia
from firsthand.web.api.errors import say, size
from firsthand.web.api.explained import STATEMENT_REFUSED, UNSUPPORTED_MEDIA, explained


def test_numbers_are_written_in_the_readers_digits_and_text_is_left_alone() -> None:
    message = "this log has no statement {index}; check the number"
    with translation.override("fa"):
        assert say(message, index=99) == "این دفتر بیانیهٔ شمارهٔ ۹۹ ندارد؛ شماره را بررسی کنید"
        # A path is text: its digits stay as the reader must type them.
        said = say("there is nothing at {path}; see /api/v1/openapi.json", path="/api/v2/x9")
        assert "/api/v2/x9" in said and "/api/v1/openapi.json" in said
        assert size(1_000_000) == "۱٬۰۰۰٬۰۰۰"
    with translation.override("en"):
        assert say(message, index=99) == "this log has no statement 99; check the number"
        assert size(1_000_000) == "1,000,000"


def test_a_hostile_value_is_put_in_as_text_never_formatted_again() -> None:
    hostile = "{index} <img src=x onerror=alert(1)> {0} %(s)s"
    with translation.override("fa"):
        said = say(
            "no statement in this log is by key ID {key_id}; check the key ID", key_id=hostile
        )
    assert hostile in said  # JSON text, shown with textContent; braces in it are not places


@pytest.mark.parametrize(
    ("error", "persian"),
    [
        (
            MalformedNote("the key name 'a b' contains the space U+0020"),
            "نام کلید 'a b' فاصلهٔ U+0020 دارد",
        ),
        (UnsupportedMedia("the file is empty"), "پرونده خالی است"),
        (UnsupportedMedia("this is a BMP image, not a photo or video we accept"), None),
    ],
)
def test_the_layers_below_are_explained_in_persian(error: Exception, persian: str | None) -> None:
    with translation.override("fa"):
        said = explained(error, UNSUPPORTED_MEDIA)
    with translation.override("fa"):
        expected = persian or translation.gettext(UNSUPPORTED_MEDIA)
    assert said == expected
    with translation.override("en"):  # in English, the message as the CLI says it
        assert explained(error, STATEMENT_REFUSED) == str(error)


def test_a_key_name_that_mimics_the_message_is_still_only_the_name() -> None:
    name = "'x' contains the space U+0020 <b>"
    error = MalformedNote(f"the key name {name!r} contains the space U+00A0")
    with translation.override("fa"):
        said = explained(error, STATEMENT_REFUSED)
    assert said.startswith("نام کلید ") and said.endswith("فاصلهٔ U+00A0 دارد")
    assert repr(name) in said
