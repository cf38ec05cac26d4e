"""The page "Who said it?": paste a text, and the server says who signed or denied it.

A plain form posted to the server (with Django's CSRF token), so it works
with JavaScript off; the verdict is rendered here from the same ``who_said``
the API answers with (firsthand/web/api/check.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from firsthand.attribution import NEAR_THRESHOLD, DiffSegment, Finding, Quote
from firsthand.web.api import ratelimit
from firsthand.web.api.attribution_index import IndexNotReady
from firsthand.web.api.check import Answer, BadCheck, Logged, who_said
from firsthand.web.api.errors import ApiError
from firsthand.web.pages.presenting import KIND_LABELS

MAX_AUTHOR_CHARS = 300


@dataclass(frozen=True)
class ShownMatch:
    """One finding as the page shows it."""

    verdict: str
    how: str
    percent: int  # similarity, as a whole percentage
    statement: Logged | None
    kind_label: str
    followed_by: list[tuple[Logged, str]] = field(default_factory=list)
    diff: tuple[DiffSegment, ...] = ()
    quote: Quote | None = None
    denied_text: str | None = None


def _shown(answer: Answer, finding: Finding) -> ShownMatch:
    statement = answer.logged.get(finding.statement.leaf_hash)
    later = [answer.logged[leaf] for leaf in finding.statement.followed_by if leaf in answer.logged]
    return ShownMatch(
        verdict=finding.verdict,
        how=finding.how,
        percent=int(finding.similarity * 100),  # floor: 69.9% never shows as 70%
        statement=statement,
        kind_label=str(KIND_LABELS.get(finding.statement.kind, finding.statement.kind)),
        followed_by=[(row, str(KIND_LABELS.get(row.kind, row.kind))) for row in later],
        diff=finding.diff,
        quote=finding.quote,
        denied_text=finding.denied_text,
    )


def _problem(error: BadCheck) -> str:
    if error.code == "no words":
        return _("The text has no words to check: only spaces, punctuation or symbols.")
    if error.code == "too long":
        return _("The text is too long to check: at most 1,000,000 characters.")
    return _(
        "The author is not a key this site can read. Give the whole key "
        "(name+hhhhhhhh+base64), its fingerprint, or the key's name."
    )


@require_http_methods(["GET", "HEAD", "POST"])
def check_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "text": "",
        "author": "",
        "threshold_percent": round(NEAR_THRESHOLD * 100),
    }
    status = 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        author = request.POST.get("author", "")[:MAX_AUTHOR_CHARS]
        context.update(text=text, author=author)
        try:
            if not text.strip():
                raise BadCheck("empty", 400, "no words")
            ratelimit.require_token(request)
            answer = who_said(text, author)
        except ApiError as error:
            status = error.status
            context["problem"] = _(
                "Too many requests from your connection. Wait a minute and try again."
            )
        except BadCheck as error:
            status = error.status
            context["problem"] = _problem(error)
        except IndexNotReady:
            status = 503
            context["problem"] = _(
                "This server is still preparing its statements for checking. Try again in a minute."
            )
        else:
            context.update(
                answer=answer,
                verdict=answer.result.verdict,
                matches=[_shown(answer, f) for f in answer.result.findings],
                others=[_shown(answer, f) for f in answer.result.other_findings],
                nobody_named=answer.author is not None and not answer.author.fingerprints,
            )
    response = render(request, "pages/check.html", context, status=status)
    response["Cache-Control"] = "no-store"  # a check names what a reader pasted
    # The site's policy is no-referrer, under which a browser posts this form with
    # "Origin: null" and Django's CSRF check refuses it; same-origin still tells no one else.
    response["Referrer-Policy"] = "same-origin"
    return response
