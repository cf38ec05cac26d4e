"""Rendered pages kept per log state: a page changes only when the log grows or is cosigned.

Everything a reading page shows (statements, their verdicts and proofs,
withholdings, the replies to a statement) changes only through a new log
entry, and the witnesses named on it through a new cosigned checkpoint, so
(path, language, host, log size, cosigned checkpoint) names one rendering. The cache is
per process, bounded, and empty after a restart; a publish is never slowed by it.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from firsthand.web import runtime

MAX_PAGES = 2048

_lock = threading.Lock()
_pages: OrderedDict[tuple[str, str, str, tuple[int, int]], tuple[bytes, str, int]] = OrderedDict()

View = Callable[..., HttpResponse]


def clear() -> None:
    with _lock:
        _pages.clear()


def by_log_size(view: View) -> View:
    @functools.wraps(view)
    def cached(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        state = runtime.log_state()
        key = (request.get_full_path(), translation.get_language() or "", request.get_host(), state)
        with _lock:
            hit = _pages.get(key)
            if hit is not None:
                _pages.move_to_end(key)
        if hit is not None:
            content, content_type, status = hit
            return HttpResponse(content, content_type=content_type, status=status)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            with _lock:
                _pages[key] = (response.content, response["Content-Type"], 200)
                while len(_pages) > MAX_PAGES:
                    _pages.popitem(last=False)
        return response

    return cached
