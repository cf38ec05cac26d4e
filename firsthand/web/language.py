"""The reader's language, from the address alone: / is English, /fa/ is Persian.

Django's LocaleMiddleware, for the URLs this site has (i18n_patterns with
prefix_default_language=False), always ends with the language the path names,
or settings.LANGUAGE_CODE when it names none. On the way it reads the
language cookie and parses Accept-Language, only to set them aside: some
40 us of every request, reads of tiles and checkpoints included. This does
what it ends with. Under any other URL configuration it is Django's own.

The JSON API under /api/ is the exception: its addresses name no language, and
its answers (error messages, the labels of removed metadata) reach a person
through the page that called it. There the language is the request's
Accept-Language, which the page scripts set to the page's own (<html lang>).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import trans_real

_API = "/api/"


def _accepted_language(request: HttpRequest) -> str | None:
    """The first of the site's languages the Accept-Language header names, if any.

    Only the header: no cookie (readers get none) and no path. Django's parser
    keeps its answers, and a header it cannot read gives none.
    """
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if not header:
        return None
    for accepted, _quality in trans_real.parse_accept_lang_header(header):
        if accepted == "*":
            return None
        try:
            return translation.get_supported_language_variant(accepted)
        except LookupError:
            continue
    return None


class PathLanguageMiddleware(LocaleMiddleware):
    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        used, prefixed_default = is_language_prefix_patterns_used(settings.ROOT_URLCONF)
        self._by_path_alone = used and not prefixed_default

    def process_request(self, request: HttpRequest) -> None:
        if not self._by_path_alone or hasattr(request, "urlconf"):
            super().process_request(request)
            return
        from_path = translation.get_language_from_path(request.path_info)
        request._language_from_path = from_path  # type: ignore[attr-defined]
        if not from_path and request.path_info.startswith(_API):
            from_path = _accepted_language(request)
        translation.activate(from_path or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> Any:
        if not hasattr(request, "_language_from_path"):
            return super().process_response(request, response)
        # What Django's does when the default language has no prefix: no redirect,
        # and a Vary where the path names no language.
        if not request._language_from_path:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
