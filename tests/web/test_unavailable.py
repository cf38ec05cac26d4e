"""A database that cannot answer now gives 503 and Retry-After, never a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from firsthand.log.note import Signer
from firsthand.log.storage_pg import StorageUnavailable
from firsthand.statements.format import sign_statement
from firsthand.web.unavailable import DatabaseUnavailableMiddleware
from tests.web.conftest import log_of_its_own


def _middleware() -> DatabaseUnavailableMiddleware:
    return DatabaseUnavailableMiddleware(lambda request: HttpResponse("ok"))


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("FATAL:  sorry, too many clients already"),
        StorageUnavailable("cannot connect to the PostgreSQL database"),
        OperationalError("database is locked"),
    ],
)
def test_the_api_answers_503_in_json(error: Exception) -> None:
    request = RequestFactory().post("/api/v1/statements")
    response = _middleware().process_exception(request, error)
    assert response is not None and response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "try again" in json.loads(response.content)["error"]


def test_a_page_answers_503_in_plain_text() -> None:
    request = RequestFactory().get("/statements/3")
    response = _middleware().process_exception(request, OperationalError("server closed"))
    assert response is not None and response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")


def test_other_errors_are_left_to_django() -> None:
    request = RequestFactory().get("/")
    assert _middleware().process_exception(request, ValueError("a bug")) is None


def test_a_publish_that_loses_its_database_answers_503(
    database: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from firsthand.publishing import process

    def refused(item: object) -> None:
        raise OperationalError("connection failed: FATAL:  sorry, too many clients already")

    statement = sign_statement(Signer.generate("busy.example"), "Sent while the database is full.")
    with log_of_its_own(tmp_path):
        monkeypatch.setattr(process.rows().stores, "run", refused)
        response = Client().post(
            "/api/v1/statements",
            statement.file_bytes(),
            content_type="text/plain; charset=utf-8",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
