"""web/wsgi.py: pages are handed to the server whole, streamed answers untouched."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import FileResponse, HttpResponse

from firsthand.web.wsgi import answered_whole


def _django_answering(response: HttpResponse | FileResponse) -> Callable[..., Any]:
    def django(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [])
        return response

    return django


def test_a_page_in_memory_is_one_item_and_django_hears_the_request_is_over() -> None:
    finished: list[object] = []

    def heard(**_: object) -> None:
        finished.append(True)

    request_finished.connect(heard)
    try:
        response = HttpResponse(b"<p>whole</p>")
        answer = answered_whole(_django_answering(response))({}, lambda *a: None)
    finally:
        request_finished.disconnect(heard)
    assert answer == [b"<p>whole</p>"]
    assert finished == [True]


def test_a_streamed_answer_is_handed_on_to_be_streamed_and_closed_by_the_server(
    tmp_path: Any,
) -> None:
    (tmp_path / "video").write_bytes(b"x" * 10_000)
    response = FileResponse((tmp_path / "video").open("rb"))
    answer = answered_whole(_django_answering(response))({}, lambda *a: None)
    assert answer is response
    assert b"".join(answer) == b"x" * 10_000
    response.close()


def test_the_site_answers_a_page_through_it(database: None) -> None:
    from firsthand.web.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/identity", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
    }  # fmt: skip
    statuses: list[str] = []
    answer = application(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["200 OK"] and isinstance(answer, list) and len(answer) == 1
    assert b"<html" in answer[0]
