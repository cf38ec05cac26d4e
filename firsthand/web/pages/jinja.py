"""The pages' template environment: Jinja2, with Django's translations, URLs and filters.

The pages were Django templates. At a million statements a statement page
cost about 3 ms of CPU, more than half of it in Django's template engine
(a hundred nodes a page, each resolved and rendered through several layers
of Python); a mixed read load spent most of its time there, and the two
cores could not serve 2,000 reads a second. Jinja2 compiles a template to
Python once, and renders the same page for a fraction of that.

What the templates use, and where it comes from:
- ``{% trans %}``/``_()``: Django's gettext and ngettext (jinja2.ext.i18n),
  so the catalogues in web/locale are the same. Each language has its own
  compiled copy of every template (``PagesEnvironment``), with each fixed
  message translated once, when the template is compiled: a statement page
  has some fifty, and calling gettext for each on every page cost a fifth
  of its rendering. Messages with a plural, or built at run time, are
  translated as the page renders.
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

import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import jinja2
from django.conf import settings
from django.template import defaultfilters
from django.template.defaultfilters import filesizeformat, linebreaks_filter, linebreaksbr
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse, translate_url
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.html import json_script
from django.utils.text import add_truncation_text, calculate_truncate_chars_length
from jinja2 import nodes
from jinja2.ext import InternationalizationExtension
from jinja2.lexer import Token, TokenStream

from firsthand.statements.identity import (
    fingerprint,
    grouped_fingerprint,
    short_fingerprint,
    visible_label,
)
from firsthand.web.pages import localise

_MAX_REMEMBERED = 10_000
_urls: dict[tuple[object, ...], str] = {}


def _remembered(table: dict[Any, str], key: Any, make: Callable[[], str]) -> str:
    """``table[key]``, made by ``make()`` the first time. The table is emptied when it is
    full, so it stays bounded; a key that cannot be hashed is made every time."""
    try:
        found = table.get(key)
    except TypeError:
        return make()
    if found is None:
        found = make()
        if len(table) >= _MAX_REMEMBERED:
            table.clear()
        table[key] = found
    return found


def url(name: str, *args: object) -> str:
    """reverse(name, args=args), remembered.

    A statement page reverses about a dozen URLs, most the same on every page
    (the header and footer). A URL depends only on what is in the key, all of
    it fixed while the process runs but the language (i18n_patterns adds /fa/).
    A URL of one index (a statement, its bundle) is different on nearly every
    page, so it is made from its route's shape instead (_index_shape).
    """
    key = (name, args, translation.get_language(), get_script_prefix(), get_urlconf())
    if len(args) == 1 and type(args[0]) is int and args[0] >= 0:
        shape = _index_shapes.get(key[0:1] + key[2:])
        if shape is None:
            shape = _index_shapes[key[0:1] + key[2:]] = _index_shape(name)
        if shape:
            return f"{shape[0]}{args[0]}{shape[1]}"
    return _remembered(_urls, key, lambda: reverse(name, args=args))


# Digits that no log's index reaches and that no route holds elsewhere.
_MARK = 918_273_645_546_372_819
_index_shapes: dict[tuple[object, ...], tuple[str, str] | tuple[()]] = {}


def _index_shape(name: str) -> tuple[str, str] | tuple[()]:
    """What comes before and after the index in route ``name``'s URL, or () when the
    route cannot be made so (not one integer, or one it constrains).

    Reversing costs some 40 us; the same route with another index differs only
    in those digits, which Django's int converter writes as str() does and
    which need no quoting. Three other indices check the shape against reverse().
    """
    try:
        marked = reverse(name, args=[_MARK])
    except NoReverseMatch:
        return ()
    if marked.count(str(_MARK)) != 1:
        return ()
    before, after = marked.split(str(_MARK))
    try:
        if any(reverse(name, args=[n]) != f"{before}{n}{after}" for n in (0, 7, 10**6)):
            return ()
    except NoReverseMatch:  # a route that refuses some numbers: reversed every time
        return ()
    return before, after


def _remembered_urls() -> Any:
    """url() for pages rendered in one language, under one script prefix and URL conf
    (page_helpers keeps one for each)."""
    remembered: dict[tuple[object, ...], str] = {}

    def url_here(name: str, *args: object) -> str:
        if len(args) == 1 and type(args[0]) is int:
            return url(name, *args)  # one of a million indices: made from its shape, not kept
        return _remembered(remembered, (name, args), lambda: url(name, *args))

    return url_here


_url_functions: dict[tuple[object, ...], Any] = {}


def page_helpers(request: Any) -> dict[str, Any]:
    """A context processor: what a page needs that depends on the language and the
    URL settings, looked up once per page instead of once per use (a statement page
    reverses a dozen URLs, and each looked up three thread-locals)."""
    key = (translation.get_language(), get_script_prefix(), get_urlconf())
    found = _url_functions.get(key)
    if found is None:
        found = _url_functions[key] = _remembered_urls()
    return {"url": found}


_static: dict[str, str] = {}


def static_url(path: str) -> str:
    """Django's static(), remembered: STATIC_URL and the files' names do not change."""
    return _remembered(_static, path, lambda: static(path))


def truncatechars(value: Any, length: Any) -> Any:
    """Django's truncatechars, without its loop over every character when none combines.

    A statement page cuts its excerpt for the description, and Django's loop
    asks unicodedata about each of the 280 characters. With no combining
    character each counts as one, so slicing gives the same text.
    """
    if type(value) is not str or type(length) is not int or length <= 0:
        return defaultfilters.truncatechars(value, length)  # (safe text stays safe there)
    text = unicodedata.normalize("NFC", value)
    if text.isascii() or not any(map(unicodedata.combining, text)):
        if len(text) <= length:
            return text
        return add_truncation_text(text[: calculate_truncate_chars_length(length, None)])
    return defaultfilters.truncatechars(value, length)


_translated: dict[tuple[str | None, str], str] = {}


def gettext(message: str) -> str:
    """Django's gettext, each answer remembered by language: a statement page asks for
    thirty, and each went through Django's translation lookups anew."""
    return _remembered(
        _translated, (translation.get_language(), message), lambda: translation.gettext(message)
    )


def in_language(request: Any, language: str) -> str:
    """This page's address in another language (the switch in the header).

    What translate_url does, from the route Django already matched for this
    request instead of matching the path again through every pattern.
    """
    if request is None:
        return translate_url("/", language)
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return translate_url(request.get_full_path(), language)
    # A route's named values, in the order its pattern names them, reverse it as arguments.
    try:
        with translation.override(language):
            address = url(match.view_name, *(match.args or match.kwargs.values()))
    except NoReverseMatch:  # (a route given extra values, say): Django's way, which keeps it
        return translate_url(request.get_full_path(), language)
    query = request.META.get("QUERY_STRING", "")
    return f"{address}?{iri_to_uri(query)}" if query else address


def translated(language: str, message: str) -> str:
    """Django's gettext of ``message`` in ``language``, whatever language is active."""
    with translation.override(language):
        return translation.gettext(message)


class CompiledTranslations(InternationalizationExtension):
    """jinja2.ext.i18n that, in a language's own environment, translates fixed messages
    as the template is compiled: ``_("...")`` becomes the translated string, and a
    ``{% trans %}`` block without a plural its translated format.

    The results are exactly what the run-time calls gave: the same message ids,
    Django's gettext for the same language, and the same escaping (a ``_()``
    string is escaped like any value; a block's own text is trusted and the
    values put into it are escaped).
    """

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        language = getattr(self.environment, "language", None)
        if language is None:
            return stream
        return _translated_calls(list(stream), language)

    def _make_node(
        self,
        singular: str,
        plural: str | None,
        context: str | None,
        variables: dict[str, nodes.Expr],
        plural_expr: nodes.Expr | None,
        vars_referenced: bool,
        num_called_num: bool,
    ) -> nodes.Output:
        language = getattr(self.environment, "language", None)
        if language is None or plural_expr is not None or context is not None:
            return super()._make_node(
                singular, plural, context, variables, plural_expr, vars_referenced, num_called_num
            )
        if not vars_referenced:  # as the run-time call is made: "%%" is "%" without values
            singular = singular.replace("%%", "%")
        node: nodes.Expr = nodes.MarkSafeIfAutoescape(nodes.Const(translated(language, singular)))
        if variables:
            pairs = [nodes.Pair(nodes.Const(key), value) for key, value in variables.items()]
            node = nodes.Mod(node, nodes.Dict(pairs))
        return nodes.Output([node])


def _translated_calls(tokens: list[Token], language: str) -> Iterator[Token]:
    """The tokens with each ``_("fixed message")`` replaced by its translation, a string."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            token.type == "name"
            and token.value == "_"
            and i + 3 < len(tokens)
            and [t.type for t in tokens[i + 1 : i + 4]] == ["lparen", "string", "rparen"]
            and (i == 0 or tokens[i - 1].type != "dot")
        ):
            yield Token(token.lineno, "string", translated(language, tokens[i + 2].value))
            i += 4
        else:
            yield token
            i += 1


class PagesEnvironment(jinja2.Environment):
    """The pages' environment: hands each template over to the active language's own
    environment (an overlay with its own compiled templates, see CompiledTranslations).

    Templates loaded in a language's environment (``extends``, ``include``) stay
    in it. A language not in settings.LANGUAGES is rendered here, translating as
    the page renders.
    """

    language: str | None = None

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._by_language: dict[str, PagesEnvironment] = {}
        self._overlay_lock = threading.Lock()

    def for_language(self, language: str | None) -> PagesEnvironment:
        if self.language is not None or language is None:
            return self
        found = self._by_language.get(language)
        if found is not None:
            return found
        if language not in {code for code, _ in settings.LANGUAGES}:
            return self
        with self._overlay_lock:
            found = self._by_language.get(language)
            if found is None:
                # An overlay shares loader, globals and filters; its own cache, as its
                # compiled templates differ from every other language's.
                found = self.overlay(cache_size=getattr(self.cache, "capacity", 400))
                found.language = language
                self._by_language[language] = found
        return found

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> jinja2.Template:
        target = self.for_language(translation.get_language())
        if target is not self:
            return target.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)


def language() -> str:
    return translation.get_language() or "en"


def _short_language() -> str:
    return language().split("-")[0]


def iso_time(value: datetime) -> str:
    """A machine-readable time for <time datetime>: Django's date:'c'."""
    return value.isoformat()


def environment(**options: Any) -> PagesEnvironment:
    env = PagesEnvironment(extensions=[CompiledTranslations], **options)
    # Old style, as Django's tags behave: _("...") is escaped like any value, and a
    # {% trans %} block's own text is trusted while the values put into it are escaped.
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext, translation.ngettext, newstyle=False
    )
    env.globals.update(
        url=url,
        static=static_url,
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
        # A value put into a sentence where no <bdi> can go (an attribute): on a
        # right-to-left page, Unicode's first-strong isolate keeps a token's order.
        isolated=lambda value: f"\u2068{value}\u2069" if translation.get_language_bidi() else value,
        # Authors: a name as it really is (hidden characters shown), a fingerprint as read.
        label=visible_label,
        fingerprint_short=short_fingerprint,
        fingerprint_grouped=grouped_fingerprint,
        fingerprint_of=fingerprint,
        iso_time=iso_time,
        linebreaks=lambda value: linebreaks_filter(value, autoescape=True),
        linebreaksbr=lambda value: linebreaksbr(value, autoescape=True),
        truncatechars=truncatechars,
        filesizeformat=filesizeformat,
        json_script=json_script,
    )
    return env
