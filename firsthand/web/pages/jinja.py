"""The pages' template environment: Jinja2, with Django's translations, URLs and filters.

The pages were Django templates. At a million statements a statement page
cost about 3 ms of CPU, more than half of it in Django's template engine
(a hundred nodes a page, each resolved and rendered through several layers
of Python); a mixed read load spent most of its time there, and the two
cores could not serve 2,000 reads a second. Jinja2 compiles a template to
Python once, and renders the same page for a fraction of that.

What the templates use, and where it comes from:
- ``{% trans %}``/``_()``: Django's gettext and ngettext for the active
  language (jinja2.ext.i18n), so the catalogues in web/locale are the same.
  The message ids are the ones Django's tags produced (``%(name)s``
  placeholders), so no translation was lost. Django's makemessages does not
  read Jinja2 templates: a new string goes into web/locale's catalogue by
  hand (as the Persian one has been kept), or through Babel's Jinja2
  extractor.
- ``url(name, *args)``: Django's reverse, with each answer remembered
  (``_RememberedURLs``); ``static(path)``; ``in_language(request, code)``.
- ``language()`` and ``language_is_bidi()``: the reader's language.
- Filters: the localise.py ones (digits and dates as the reader's language
  writes them), and Django's own linebreaks, truncatechars,
  filesizeformat and json_script, so the pages read as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from django.template.defaultfilters import (
    filesizeformat,
    linebreaks_filter,
    linebreaksbr,
    truncatechars,
)
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse, translate_url
from django.utils import translation
from django.utils.html import json_script

from firsthand.web.pages import localise

_MAX_URLS = 10_000
_urls: dict[tuple[object, ...], str] = {}


def url(name: str, *args: object) -> str:
    """reverse(name, args=args), remembered.

    A statement page reverses about a dozen URLs, most the same on every page
    (the header and footer). A URL depends only on what is in the key, all of
    it fixed while the process runs but the language (i18n_patterns adds /fa/).
    """
    key = (name, args, translation.get_language(), get_script_prefix(), get_urlconf())
    try:
        found = _urls.get(key)
    except TypeError:  # an argument that cannot be a key: reverse it every time
        return reverse(name, args=args)
    if found is None:
        found = reverse(name, args=args)
        if len(_urls) >= _MAX_URLS:
            _urls.clear()
        _urls[key] = found
    return found


_translated: dict[tuple[str | None, str], str] = {}


def gettext(message: str) -> str:
    """Django's gettext, each answer remembered by language: a statement page asks for
    thirty, and each went through Django's translation lookups anew."""
    key = (translation.get_language(), message)
    found = _translated.get(key)
    if found is None:
        found = translation.gettext(message)
        if len(_translated) >= _MAX_URLS:  # only the templates' literals: never reached
            _translated.clear()
        _translated[key] = found
    return found


def in_language(request: Any, language: str) -> str:
    """This page's address in another language (the switch in the header)."""
    path = request.get_full_path() if request is not None else "/"
    return translate_url(path, language)


def language() -> str:
    return translation.get_language() or "en"


def _short_language() -> str:
    return language().split("-")[0]


def iso_time(value: datetime) -> str:
    """A machine-readable time for <time datetime>: Django's date:'c'."""
    return value.isoformat()


def environment(**options: Any) -> jinja2.Environment:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], **options)
    # Old style, as Django's tags behave: _("...") is escaped like any value, and a
    # {% trans %} block's own text is trusted while the values put into it are escaped.
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext, translation.ngettext, newstyle=False
    )
    env.globals.update(
        url=url,
        static=static,
        in_language=in_language,
        language=language,
        language_is_bidi=translation.get_language_bidi,
    )
    env.filters.update(
        localdigits=lambda value: localise.digits(value, _short_language()),
        localnumber=lambda value: localise.number(value, _short_language()),
        localdate=lambda value: localise.date(value, _short_language()),
        localdatetime=lambda value: localise.date(value, _short_language(), with_time=True),
        shortkey=lambda value: value[:8] + "…" + value[-4:] if len(value) > 16 else value,
        iso_time=iso_time,
        linebreaks=lambda value: linebreaks_filter(value, autoescape=True),
        linebreaksbr=lambda value: linebreaksbr(value, autoescape=True),
        truncatechars=truncatechars,
        filesizeformat=filesizeformat,
        json_script=json_script,
    )
    return env
