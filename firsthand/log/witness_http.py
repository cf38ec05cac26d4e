"""The witness over HTTP: ``POST /add-checkpoint`` (tlog-witness v1.0.0), as a WSGI app.

Plain WSGI, served by waitress (HTTP/1.1 keep-alive, as the spec recommends),
so the witness needs neither Django nor a web framework. ``GET /`` answers the
witness's verifier key(s), one per line, so an operator can check what a
deployed witness will sign with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from waitress.server import create_server

from firsthand.log.witness import MAX_REQUEST_SIZE, Witness

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    422: "Unprocessable Entity",
}


def _reply(
    start_response: StartResponse,
    status: int,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
    extra: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *extra,
    ]
    start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
    return [body]


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, or None if it is larger than any valid request."""
    stream = environ["wsgi.input"]
    length_text = environ.get("CONTENT_LENGTH") or ""
    if length_text:
        try:
            length = int(length_text)
        except ValueError:
            return None
        if length > MAX_REQUEST_SIZE:
            return None
        data: bytes = stream.read(length)
        return data
    # Chunked upload (waitress decodes it): read one byte past the limit to notice excess.
    data = stream.read(MAX_REQUEST_SIZE + 1)
    return None if len(data) > MAX_REQUEST_SIZE else data


def make_app(witness: Witness) -> WSGIApp:
    keys = "".join(v.text() + "\n" for v in witness.verifiers()).encode()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/add-checkpoint":
            if method != "POST":
                return _reply(start_response, 405, b"use POST\n", extra=[("Allow", "POST")])
            body = _read_body(environ)
            if body is None:
                message = f"a request is at most {MAX_REQUEST_SIZE} bytes\n".encode()
                return _reply(start_response, 413, message)
            answer = witness.add_checkpoint(body)
            return _reply(start_response, answer.status, answer.body, answer.content_type)
        if path == "/" and method in ("GET", "HEAD"):
            return _reply(start_response, 200, keys)
        return _reply(start_response, 404, b"not found: this witness serves POST /add-checkpoint\n")

    return app


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> Any:
    """A waitress server for the witness (port 0 picks a free one: see ``.effective_port``).

    Call ``.run()`` to serve and ``.close()`` to stop.
    """
    return create_server(
        make_app(witness),
        host=host,
        port=port,
        threads=threads,
        ident="firsthand-witness",
        # A witness answers small requests; a slow client must not pin a thread for long.
        channel_timeout=30,
    )
