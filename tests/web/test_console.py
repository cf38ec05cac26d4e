"""The operator's console and readers' reports (web/console): a report keeps nothing about its
sender; the console lets in only a code the operator key signed; a withholding made there is
the same signed, logged notice, and is refused without the key."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.models import PublishedStatement
from firsthand.web.console import signin, views
from firsthand.web.console.models import OperatorSession, Report
from tests.web.conftest import log_of_its_own

TEXT = "text/plain; charset=utf-8"
DOXXING = "He lives at 9 Quillon Street and parks a blue van outside at night."
READER = "198.51.100.77"


@pytest.fixture(scope="module")
def log(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with log_of_its_own(tmp_path_factory.mktemp("console-log")) as (instance, _):
        runtime.operator()  # the operator key, in the data directory
        yield instance.directory


@pytest.fixture(autouse=True)
def fresh(log: Path) -> None:
    ratelimit.reset()
    Report.objects.all().delete()
    OperatorSession.objects.all().delete()


def published(text: str) -> int:
    statement = sign_statement(Signer.generate("poster.example"), text)
    answer = Client().post("/api/v1/statements", data=statement.file_bytes(), content_type=TEXT)
    assert answer.status_code == 201, answer.json()
    return int(answer.json()["index"])


def report(index: int, reason: str = "private", **extra: Any) -> Any:
    return Client(enforce_csrf_checks=True).post(
        f"/statements/{index}/report",
        {"reason": reason, "details": "That is her real street."},
        REMOTE_ADDR=READER,
        **extra,
    )


def operator_client() -> Client:
    client = Client(enforce_csrf_checks=True)
    code = signin.sign_in_code(runtime.operator(), runtime.log().signer.name)
    form = client.get("/operator/sign-in")
    answer = client.post(
        "/operator/sign-in", {"code": code, "csrfmiddlewaretoken": form.cookies["csrftoken"].value}
    )
    assert answer.status_code == 302 and answer["Location"] == "/operator/"
    return client


def csrf(client: Client) -> str:
    return str(client.cookies["csrftoken"].value)


def test_a_reader_reports_a_statement_from_its_page_and_nothing_about_them_is_kept() -> None:
    index = published(DOXXING)
    page = Client().get(f"/statements/{index}")
    assert f'action="/statements/{index}/report"' in page.content.decode()
    assert not page.cookies
    answer = report(index, HTTP_USER_AGENT="Reader's browser 1.0")
    assert answer.status_code == 201
    assert not answer.cookies  # no cookie, no CSRF token: nothing to follow a reader with
    kept = Report.objects.get()
    stored = " ".join(str(getattr(kept, f.attname)) for f in Report._meta.concrete_fields)
    assert READER not in stored and "browser" not in stored
    receipt = answer.content.decode().split('class="receipt-link">')[1].split("<")[0]
    shown = Client().get(receipt.removeprefix("http://testserver"))
    assert "has not answered yet" in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"


def test_the_report_form_is_in_persian_too() -> None:
    index = published("A statement to report in Persian.")
    page = Client().get(f"/fa/statements/{index}").content.decode()
    assert f'action="/fa/statements/{index}/report"' in page
    assert "گزارش این بیانیه به گردانندهٔ سایت" in page
    answer = Client().post(f"/fa/statements/{index}/report", {"reason": "private"})
    assert (
        answer.status_code == 201
        and "سپاس: گرداننده گزارش شما را می‌خواند" in answer.content.decode()
    )


def test_a_report_with_no_reason_is_refused_and_reports_have_their_own_small_limit() -> None:
    index = published("Reported too often.")
    assert report(index, reason="spite").status_code == 400
    with override_settings(FIRSTHAND_REPORT_RATE_PER_MINUTE=2):
        assert [report(index).status_code for _ in range(3)] == [201, 201, 429]
        # Publishing is another budget.
        assert published("Still publishing.") >= 0


def test_the_console_lets_in_only_a_code_the_operator_key_signed_and_only_once() -> None:
    assert Client().get("/operator/")["Location"] == "/operator/sign-in"
    client = Client()
    origin = runtime.log().signer.name
    stranger = signin.sign_in_code(Signer.generate(runtime.operator().name), origin)
    expired = signin.sign_in_code(runtime.operator(), origin, now=0)
    other_log = signin.sign_in_code(runtime.operator(), "another.example/log")
    for code in (stranger, expired, other_log, "not a code"):
        refused = client.post("/operator/sign-in", {"code": code})
        assert refused.status_code == 403 and not refused.cookies.get(signin.COOKIE)
    good = signin.sign_in_code(runtime.operator(), origin)
    first = client.post("/operator/sign-in", {"code": good})
    cookie = first.cookies[signin.COOKIE]
    assert first.status_code == 302 and cookie["httponly"] and cookie["samesite"] == "Strict"
    assert OperatorSession.objects.get().token_sha256 != cookie.value  # only its hash is kept
    assert Client().post("/operator/sign-in", {"code": good}).status_code == 403  # used once
    assert client.get("/operator/").status_code == 200
    client.post("/operator/sign-out")
    assert client.get("/operator/").status_code == 302


def test_the_operator_sees_the_report_and_withholds_with_a_signed_logged_notice() -> None:
    index = published(DOXXING + " (again)")
    report(index)
    client = operator_client()
    queue = client.get("/operator/").content.decode()
    assert "Quillon Street" in queue and "That is her real street." in queue
    assert client.post(f"/operator/statements/{index}/withhold", {"reason": "x"}).status_code == 403
    done = client.post(
        f"/operator/statements/{index}/withhold",
        {"reason": "it gives a private address", "csrfmiddlewaretoken": csrf(client)},
    )
    assert done.status_code == 201, done.content.decode()
    row = PublishedStatement.objects.get(index=index)
    notice = row.withheld_by
    assert row.body == "" and notice is not None and notice.index is not None
    assert (
        notice.kind == "withholding" and notice.author_key == runtime.operator().verifier().text()
    )
    assert Report.objects.get().status == "withheld"
    listed = client.get("/operator/withholdings").content.decode()
    assert "it gives a private address" in listed
    shown = Client().get(f"/api/v1/statements/{index}").json()
    assert shown["body"] is None and shown["withheld"]["notice_index"] == notice.index


def test_the_console_never_withholds_without_the_operator_key_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = published("Reported, but the key is elsewhere.")
    client = operator_client()
    monkeypatch.setattr(views, "_operator_key_here", lambda: False)
    before = runtime.log().reader.latest().size
    refused = client.post(
        f"/operator/statements/{index}/withhold",
        {"reason": "a court order", "csrfmiddlewaretoken": csrf(client)},
    )
    assert refused.status_code == 409
    assert "firsthand withhold --data" in refused.content.decode()
    command = html.unescape(refused.content.decode())
    assert f"--reason 'a court order' {index}</pre>" in command
    assert runtime.log().reader.latest().size == before
    assert PublishedStatement.objects.get(index=index).withheld_by is None


def test_the_operator_answers_a_report_and_the_reader_reads_the_answer() -> None:
    index = published("Reported, and kept.")
    receipt = report(index).content.decode().split('class="receipt-link">')[1].split("<")[0]
    client = operator_client()
    kept = Report.objects.get()
    client.post(
        f"/operator/reports/{kept.pk}/answer",
        {
            "answer": "This is a public figure's office address.",
            "csrfmiddlewaretoken": csrf(client),
        },
    )
    shown = Client().get(receipt.removeprefix("http://testserver")).content.decode()
    assert "public figure's office address" in html.unescape(shown)


def test_health_and_metrics_say_how_the_log_is() -> None:
    published("Counted.")
    health = Client().get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["log_size"] == runtime.log().reader.latest().size
    metrics = Client().get("/metrics").content.decode()
    assert f"firsthand_log_entries {runtime.log().reader.latest().size}\n" in metrics
    assert "firsthand_statements_pending 0\n" in metrics
    assert "# TYPE firsthand_sequencer_lag_seconds gauge" in metrics
