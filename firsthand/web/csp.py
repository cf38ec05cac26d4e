"""The Content-Security-Policy header, built once rather than on every response.

django-csp builds the header from settings on every response: two policies
(enforced and report-only), each through dataclasses.asdict and a deep copy
of the directives. On a statement POST that was an eighth of the request's
CPU in the one process that holds the GIL. Our policy is the same for every
response (settings.CONTENT_SECURITY_POLICY: no nonce, no per-view policy), so
the header text is kept, keyed on the settings it was built from. A response
or request that asks for anything particular (a nonce, a view's
@csp_update/@csp_replace/@csp_exempt, DEBUG's error pages) goes through
django-csp's own path, unchanged.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Response attributes by which django-csp's decorators ask for a policy of their own.
_PARTICULAR = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
)  # fmt: skip


class CachedCSPMiddleware(CSPMiddleware):
    """CSPMiddleware with the site-wide header text computed once per settings."""

    _built_for: tuple[Any, Any] | None = None
    _headers: tuple[str, str] = ("", "")

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PARTICULAR)
            or HEADER in response
            or HEADER_REPORT_ONLY in response
        ):
            return super().process_response(request, response)
        enforced, report_only = self._site_headers()
        if enforced and not self._excluded(request, "CONTENT_SECURITY_POLICY"):
            response[HEADER] = enforced
        if report_only and not self._excluded(request, "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response

    def _site_headers(self) -> tuple[str, str]:
        # Keyed on the settings objects themselves, so override_settings in tests (and
        # any change of the policy) builds it again.
        key = (
            getattr(settings, "CONTENT_SECURITY_POLICY", None),
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
        )
        if (
            self._built_for is None
            or self._built_for[0] is not key[0]
            or (self._built_for[1] is not key[1])
        ):
            self._headers = (build_policy(), build_policy(report_only=True))
            self._built_for = key
        return self._headers

    @staticmethod
    def _excluded(request: HttpRequest, setting: str) -> bool:
        prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
        return bool(prefixes) and request.path_info.startswith(tuple(prefixes))
