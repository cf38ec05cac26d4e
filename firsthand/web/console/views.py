"""The operator's console (/operator/) and readers' reports (/statements/<index>/report).

Readers report a statement with the form on its page: a reason and, if they
like, a few words. The report stores nothing about who sent it, and the
reader gets a receipt link (/reports/<token>) to read the operator's answer.
The form is exempt from CSRF for the same reason as "Who said it?": no cookie
or session stands behind it, so a forged post could only file a report, which
anyone may do; the ``report`` limit (api/ratelimit.py) counts them.

The operator signs in with a code the operator key signed (signin.py) and
then sees the queue of open reports with the statement each names, the log of
withholdings, the witnesses and the sequencer. A withholding made here is the
same signed, logged notice `firsthand withhold` makes: it is signed with the
operator key in this server's data directory, and the console refuses to act
(and prints the `firsthand withhold` command to run where the key is) when
the key is not here. Nothing can be withheld without the key's signature.
"""

from __future__ import annotations

import hashlib
import secrets
import shlex
from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from firsthand.statements.format import Reference, sign_statement
from firsthand.statements.keys import OPERATOR_KEY_FILE
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.errors import ApiError
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.views import withholding_summary
from firsthand.web.console import signin
from firsthand.web.console.models import ANSWERED, OPEN, REASONS, WITHHELD, Report

MAX_DETAILS = 2000
MAX_REASON = 300
_REASON_CODES = {code for code, _ in REASONS}


# Readers' side.


@csrf_exempt  # no cookie or session stands behind it: see the module's docstring
@require_POST
def report(request: HttpRequest, index: int) -> HttpResponse:
    row = PublishedStatement.objects.filter(index=index).exclude(kind="withholding").first()
    if row is None:
        raise Http404(f"statement {index}")
    reason = request.POST.get("reason", "")
    details = request.POST.get("details", "").strip()[:MAX_DETAILS]
    context: dict[str, Any] = {"index": index}
    if reason not in _REASON_CODES:
        context["problem"] = "reason"
        return _no_store(render(request, "console/reported.html", context, status=400))
    try:
        ratelimit.require_token(request, "reports", "report")
    except ApiError as error:
        context["problem"] = "limit"
        return _no_store(render(request, "console/reported.html", context, status=error.status))
    receipt = secrets.token_urlsafe(24)
    Report.objects.create(
        statement=row, reason=reason, details=details, receipt_sha256=_sha256(receipt)
    )
    context["receipt_url"] = request.build_absolute_uri(reverse("reports:receipt", args=[receipt]))
    return _no_store(render(request, "console/reported.html", context, status=201))


@require_safe
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    found = Report.objects.select_related("statement").filter(receipt_sha256=_sha256(token)).first()
    if found is None:
        raise Http404("report")
    response = render(request, "console/receipt.html", {"report": found})
    response["X-Robots-Tag"] = "noindex"
    return _no_store(response)


# The operator's side.


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponseBase:
    context: dict[str, Any] = {"code": request.GET.get("code", "")}
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            nonce = signin.check_code(
                code, runtime.operator().verifier(), runtime.log().signer.name
            )
            response = HttpResponseRedirect(reverse("console:queue"))
            signin.start_session(request, nonce, response)
            return response
        except signin.BadSignIn as error:
            context.update(code=code, problem=str(error))
            page = render(request, "console/sign_in.html", context, status=403)
            return signin.console_response(page)
    return signin.console_response(render(request, "console/sign_in.html", context))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(reverse("console:sign-in"))
    signin.end_session(request, response)
    return response


@signin.operator_only
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    from firsthand.web.health import health
    from firsthand.web.pages.witness_status import witness_status

    reports = list(
        Report.objects.select_related("statement", "statement__withheld_by")
        .filter(status=OPEN)
        .order_by("received_at")[:200]
    )
    by_statement: dict[int, list[Report]] = {}
    for item in reports:
        by_statement.setdefault(item.statement_id, []).append(item)  # type: ignore[attr-defined]
    groups = [(items[0].statement, items) for items in by_statement.values()]
    return render(
        request,
        "console/queue.html",
        {
            "groups": groups,
            "health": health(),
            "witnesses": witness_status(),
            "key_here": _operator_key_here(),
            "reasons": dict(REASONS),
        },
    )


@signin.operator_only
@require_POST
def withhold(request: HttpRequest, index: int) -> HttpResponse:
    row = PublishedStatement.objects.filter(index=index).first()
    if row is None:
        raise Http404(f"statement {index}")
    reason = " ".join(request.POST.get("reason", "").split())[:MAX_REASON]
    explanation = request.POST.get("explanation", "").strip()[:MAX_DETAILS]
    context: dict[str, Any] = {"row": row, "reason": reason, "command": _command(index, reason)}
    if not reason:
        context["problem"] = "Give the reason readers will see in place of the text."
        return render(request, "console/withhold.html", context, status=400)
    if not _operator_key_here():
        context["problem"] = (
            "The operator key is not in this server's data directory, so this console cannot "
            "sign the notice. Run the command below where the key is."
        )
        return render(request, "console/withhold.html", context, status=409)
    if row.kind == "withholding" or row.withheld_by_id is not None:
        context["problem"] = "This statement cannot be withheld (again)."
        return render(request, "console/withhold.html", context, status=409)
    from firsthand.web.api.publish import accept

    notice = sign_statement(
        runtime.operator(),
        explanation or reason,
        kind="withholding",
        refers=[Reference("leaf", row.leaf_hash)],
        reason=reason,
    )
    try:
        notice_index, _, _ = accept(notice)
    except ApiError as error:
        context["problem"] = f"The log did not take the notice: {error}"
        return render(request, "console/withhold.html", context, status=error.status)
    Report.objects.filter(statement=row, status=OPEN).update(
        status=WITHHELD, answer=f"Withheld: {reason}", answered_at=timezone.now()
    )
    context["notice_index"] = notice_index
    return render(request, "console/withhold.html", context, status=201)


@signin.operator_only
@require_POST
def answer(request: HttpRequest, report_id: int) -> HttpResponse:
    text = request.POST.get("answer", "").strip()[:MAX_DETAILS]
    Report.objects.filter(pk=report_id, status=OPEN).update(
        status=ANSWERED, answer=text or "Kept: the operator read the report and kept the text.",
        answered_at=timezone.now(),
    )  # fmt: skip
    return HttpResponseRedirect(reverse("console:queue"))


@signin.operator_only
@require_safe
def withholdings(request: HttpRequest) -> HttpResponse:
    notices = list(
        PublishedStatement.objects.filter(kind="withholding", index__isnull=False)
        .order_by("-index")[:500]
    )  # fmt: skip
    targets = {
        row.withheld_by_id: row  # type: ignore[attr-defined]
        for row in PublishedStatement.objects.filter(withheld_by__in=notices)
    }
    shown = [(withholding_summary(n), targets.get(n.pk)) for n in notices]
    return render(request, "console/withholdings.html", {"notices": shown})


def _operator_key_here() -> bool:
    return (runtime.log().directory / OPERATOR_KEY_FILE).is_file()


def _command(index: int, reason: str) -> str:
    server = getattr(settings, "FIRSTHAND_PUBLIC_URL", "") or "http://127.0.0.1:8000"
    data = str(settings.DATA_DIR)
    return (
        f"firsthand withhold --data {shlex.quote(data)} --server {shlex.quote(server)} "
        f"--reason {shlex.quote(reason or 'REASON')} {index}"
    )


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
