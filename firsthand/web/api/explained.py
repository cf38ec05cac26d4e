"""The English messages of the layers below the web, in the reader's language.

firsthand.media, .statements and .log know no Django and write their errors
in English, for the CLI and the logs. What reaches a person through the site
is put in their language here: a message whose shape is known is translated
with its details (``_KNOWN``); any other is replaced, in a language other
than English, by a sentence its kind of error always deserves (the caller's
``otherwise``), so that no English sentence reaches a Persian page.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from firsthand.web.api.errors import say
from firsthand.web.pages import localise

# (the English message as a pattern, its msgid with the pattern's groups as {places})
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (
            r"unknown file type \(it starts with (?P<start>[0-9a-f ]*)\); we accept JPEG, PNG, "
            r"WebP, HEIC, GIF, MP4, MOV, WebM and MKV",
            gettext_noop(
                "unknown file type (it starts with {start}); we accept JPEG, PNG, WebP, HEIC, "
                "GIF, MP4, MOV, WebM and MKV"
            ),
        ),
        (r"the file is empty", gettext_noop("the file is empty")),
        (
            r"this is a camera raw photo \(DNG\); export it as JPEG first",
            gettext_noop("this is a camera raw photo (DNG); export it as JPEG first"),
        ),
        (
            r"this is a Canon raw photo \(CR2\); export it as JPEG first",
            gettext_noop("this is a Canon raw photo (CR2); export it as JPEG first"),
        ),
        (
            r"the (?P<kind>[^ ]+) is (?P<size>[0-9.]+) MiB; the limit is (?P<limit>[0-9]+) MiB",
            gettext_noop("the file is {size} MiB; the limit is {limit} MiB"),
        ),
        (
            r"the (?P<kind>[^ ]+) has too many pixels to decode safely",
            gettext_noop("the picture has too many pixels to decode safely"),
        ),
        (
            r"the key name (?P<name>'.*'|\".*\") contains the space (?P<code>U\+[0-9A-F]{4,6})",
            gettext_noop("the key name {name} contains the space {code}"),
        ),
        (
            r"the key name (?P<name>'.*'|\".*\") contains the character (?P<code>U\+[0-9A-F]{4,6})",
            gettext_noop("the key name {name} contains the character {code}"),
        ),
        (
            r"wrong passphrase or damaged key file",
            gettext_noop("wrong passphrase or damaged key file"),
        ),
    )
)

# The sentences each kind of error deserves when its own message is not known here.
UNSUPPORTED_MEDIA = gettext_noop(
    "this kind of file is not accepted; we accept JPEG, PNG, WebP, HEIC, GIF, MP4, MOV, WebM "
    "and MKV"
)
# (these two follow "this file cannot be published safely:" and "...too large to publish here:")
MEDIA_TOO_LARGE = gettext_noop("it is larger than this site takes")
MEDIA_UNSAFE = gettext_noop("it is damaged, or it holds details that could not be removed")
STATEMENT_REFUSED = gettext_noop(
    "this statement file is not one the log can take: it is damaged, or not made by firsthand"
)


_SIZES = frozenset({"size", "limit"})


def _digits(value: str) -> str:
    return localise.digits(value, translation.get_language() or settings.LANGUAGE_CODE)


def explained(error: Exception, otherwise: str) -> str:
    """``error``'s message in the request's language: its own when its shape is known or
    the language is English, else ``otherwise`` (a msgid)."""
    text = str(error)
    for pattern, message in _KNOWN:
        found = pattern.fullmatch(text)
        if found:
            # Sizes in the reader's digits; other values stay as they were: a key name is
            # the author's text, the first bytes of a file are hexadecimal.
            values = {
                name: _digits(value) if name in _SIZES else value
                for name, value in found.groupdict().items()
            }
            return say(message, **values)
    if (translation.get_language() or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE:
        return text
    return say(otherwise)
