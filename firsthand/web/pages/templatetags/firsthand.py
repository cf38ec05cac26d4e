"""Template filters for what the reader's language changes: digits and dates."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import translation

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
