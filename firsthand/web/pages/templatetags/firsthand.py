"""Template filters for what the reader's language changes (digits and dates), and {% url %}."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template import defaulttags
from django.template.defaulttags import URLNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import conditional_escape

from firsthand.web.pages import localise

register = template.Library()


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


@register.filter
def localdigits(value: object) -> str:
    return localise.digits(value, _language())


@register.filter
def localnumber(value: int) -> str:
    return localise.number(value, _language())


@register.filter
def localdate(value: datetime) -> str:
    return localise.date(value, _language())


@register.filter
def localdatetime(value: datetime) -> str:
    return localise.date(value, _language(), with_time=True)


@register.filter
def shortkey(value: str) -> str:
    """A key ID or hash cut to what a person compares by eye."""
    return value[:8] + "…" + value[-4:] if len(value) > 16 else value


@register.simple_tag(takes_context=True)
def in_language(context: template.Context, language: str) -> str:
    """This page's address in another language (the switch in the header)."""
    from django.urls import translate_url

    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    return translate_url(path, language)


class _RememberedURLNode(URLNode):
    """Django's {% url %}, with each answer remembered.

    A statement page reverses 13 URLs, nine of them the same on every page (the
    site's header and footer). A URL depends only on what is in the key below,
    all of which is fixed while the process runs but for the language
    (i18n_patterns adds /fa/).
    """

    def render(self, context: template.Context) -> str:
        if self.asvar:
            return str(super().render(context))
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        app = _current_app(context)
        key = (self.view_name.resolve(context), args, kwargs, app, translation.get_language())
        key += (get_script_prefix(), get_urlconf())
        try:
            url = _urls.get(key)
        except TypeError:  # an argument that cannot be a key: reverse it every time
            return str(super().render(context))
        if url is None:
            url = reverse(key[0], args=args, kwargs=dict(kwargs), current_app=app)
            if len(_urls) >= _MAX_URLS:
                _urls.clear()
            _urls[key] = url
        return str(conditional_escape(url)) if context.autoescape else url


def _current_app(context: template.Context) -> str | None:
    """As Django's URLNode chooses it."""
    try:
        return context.request.current_app  # type: ignore[attr-defined, no-any-return]
    except AttributeError:
        try:
            return context.request.resolver_match.namespace  # type: ignore[attr-defined, no-any-return]
        except AttributeError:
            return None


_MAX_URLS = 10_000
_urls: dict[tuple[object, ...], str] = {}


@register.tag("url")
def url(parser: template.base.Parser, token: template.base.Token) -> _RememberedURLNode:
    node = defaulttags.url(parser, token)
    return _RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
