"""POST /api/v1/check: who said this text? The verdict, and the statements it rests on.

The check itself is firsthand.attribution.check; this module reads the
request, says which author was asked about, and turns findings into what a
reader needs to check them: the statement's log index, its page, its proof
bundle, the word diff of a near copy, the context of a quote, the denial.
The page "Who said it?" (firsthand/web/pages/check.py) uses ``who_said``
too, so the page and the API never disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from firsthand.attribution import (
    NEAR_THRESHOLD,
    AttributionError,
    CheckResult,
    Finding,
    NothingToCheck,
    TextTooLong,
    check,
)
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.statements.identity import fingerprint, short_fingerprint
from firsthand.web.api import ratelimit
from firsthand.web.api.attribution_index import IndexNotReady, site_index
from firsthand.web.api.authors import KnownKey, keys_named, keys_with_display_name, keys_with_key_id
from firsthand.web.api.errors import ApiError
from firsthand.web.api.models import PublishedStatement

# A check takes at most 1,000,000 characters (attribution.check): in UTF-8 Persian that is
# about 2 MB, and JSON escapes add some more.
DEFAULT_MAX_CHECK_BYTES = 4_000_000
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
_FINGERPRINT = re.compile(r"[0-9a-fA-F]{64}")
_ACCEPTED_TYPES = ("application/json", "text/plain", "")
_JSON = {"ensure_ascii": False}


class BadCheck(Exception):
    """The text or the author given cannot be checked; the message says what to change."""

    def __init__(self, message: str, status: int = 400, code: str = "author") -> None:
        super().__init__(message)
        self.status = status
        self.code = code  # "author", "no words" or "too long": pages say it in their language


@dataclass(frozen=True)
class AuthorAsked:
    """Who the check was about: what was typed, and every key here it may mean.

    A whole key or a fingerprint means one key. A name or an 8-hex key ID is not an
    identity: it means every key here that carries it (exact name, or signed display
    name; key ID), which may be several, and the verdict must then say which key.
    """

    given: str
    how: str  # "key", "fingerprint", "key ID" or "name"
    fingerprints: tuple[str, ...]
    keys: tuple[KnownKey, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.fingerprints) > 1


@dataclass(frozen=True)
class Logged:
    """A finding's statement as this site holds it."""

    index: int
    leaf_hash: str
    kind: str
    lang: str
    author_key: str
    author_key_id: str
    author_fingerprint: str

    @property
    def author_name(self) -> str:
        return self.author_key.split("+", 1)[0]


@dataclass(frozen=True)
class Answer:
    """A check's result with what the site knows about each statement it names."""

    result: CheckResult
    author: AuthorAsked | None
    logged: dict[str, Logged]  # leaf hash -> row, for every statement a finding names

    @property
    def best(self) -> Finding | None:
        return self.result.findings[0] if self.result.findings else None


def resolve_author(given: str) -> AuthorAsked | None:
    """A verifier key, a fingerprint, an 8-hex key ID, or a name, as the keys it may mean."""
    given = given.strip()
    if not given:
        return None
    if "+" in given:
        try:
            key = Verifier.from_text(given)
        except (LogError, ValueError):
            raise BadCheck(
                "the author is not a verifier key (name+hhhhhhhh+base64): give the whole key, "
                "its 64-hex fingerprint, its 8-hex key ID, or the key's name"
            ) from None
        return AuthorAsked(given, "key", (fingerprint(key),))
    if _FINGERPRINT.fullmatch(given):
        return AuthorAsked(given, "fingerprint", (given.lower(),))
    if _KEY_ID.fullmatch(given):
        keys = tuple(keys_with_key_id(given))
        return AuthorAsked(given, "key ID", tuple(k.fingerprint for k in keys), keys)
    if len(given) > 200:
        raise BadCheck("the author is longer than any key name: give a fingerprint or a key")
    # Exactly this name, as a key's name or as a signed display name: no case folding, since
    # a name is the key holder's choice and "maryam" may be someone else than "Maryam".
    found = {k.fingerprint: k for k in (*keys_named(given), *keys_with_display_name(given))}
    keys = tuple(sorted(found.values(), key=lambda k: (-k.statements, k.fingerprint)))
    return AuthorAsked(given, "name", tuple(k.fingerprint for k in keys), keys)


def _about_nobody(result: CheckResult) -> CheckResult:
    """No author here goes by the name asked about: nothing of theirs decides."""
    others = (*result.findings, *result.other_findings)
    return replace(result, verdict="unknown", findings=(), other_findings=others)


def who_said(text: str, author: str = "") -> Answer:
    """Check text against what this site's authors signed and denied."""
    asked = resolve_author(author)
    try:
        with site_index().reading() as index:
            if asked is not None and not asked.fingerprints:
                result = _about_nobody(check(index, text))
                result = replace(result, message=_nobody_message(asked, result))
            else:
                result = check(index, text, asked.fingerprints if asked else ())
                if asked is not None and asked.ambiguous:
                    result = replace(result, message=_several_message(asked, result))
    except TextTooLong as error:
        raise BadCheck(str(error), 413, "too long") from None
    except NothingToCheck as error:
        raise BadCheck(str(error), 400, "no words") from None
    except AttributionError as error:
        raise BadCheck(str(error)) from None
    return Answer(result, asked, _logged(result))


def _nobody_message(asked: AuthorAsked, result: CheckResult) -> str:
    return (
        f"No author named {asked.given!r} has published here, so nothing decides. " + result.message
    )


def _several_message(asked: AuthorAsked, result: CheckResult) -> str:
    keys = "; ".join(f"{k.name} {short_fingerprint(k.fingerprint)}" for k in asked.keys)
    return (
        f"{len(asked.fingerprints)} different keys here go by {asked.given!r} ({keys}): a name "
        "or key ID is not an identity, so each finding names the key that signed it. "
        + result.message
    )


def _logged(result: CheckResult) -> dict[str, Logged]:
    leaves = {
        leaf
        for f in (*result.findings, *result.other_findings)
        for leaf in (f.statement.leaf_hash, *f.statement.followed_by)
    }
    rows = PublishedStatement.objects.filter(leaf_hash__in=leaves, index__isnull=False)
    return {
        leaf: Logged(index, leaf, kind, lang, key, key_id, fp)
        for leaf, index, kind, lang, key, key_id, fp in rows.values_list(
            "leaf_hash",
            "index",
            "kind",
            "lang",
            "author_key",
            "author_key_id",
            "author_fingerprint",
        )
    }


# The API's JSON.


def _urls(request: HttpRequest, index: int) -> dict[str, str]:
    return {
        "url": request.build_absolute_uri(reverse("pages:statement", args=[index])),
        "api_url": request.build_absolute_uri(reverse("api:statement", args=[index])),
        "bundle_url": request.build_absolute_uri(reverse("api:statement-bundle", args=[index])),
    }


def _statement(request: HttpRequest, answer: Answer, leaf: str) -> dict[str, Any] | None:
    row = answer.logged.get(leaf)
    if row is None:  # logged a moment ago and not in this answer's query: rare
        return None
    return {
        "index": row.index,
        "leaf_hash": leaf,
        "kind": row.kind,
        "lang": row.lang,
        "author": {
            "key": row.author_key,
            "fingerprint": row.author_fingerprint,
            "key_id": row.author_key_id,
            "name": row.author_name,
        },
        **_urls(request, row.index),
    }


def _finding(request: HttpRequest, answer: Answer, finding: Finding) -> dict[str, Any]:
    ref = finding.statement
    data: dict[str, Any] = {
        "verdict": finding.verdict,
        "how": finding.how,
        "similarity": round(finding.similarity, 4),
        "statement": _statement(request, answer, ref.leaf_hash),
        "followed_by": [
            s for s in (_statement(request, answer, leaf) for leaf in ref.followed_by) if s
        ],
        "diff": [{"op": s.op, "signed": s.signed, "checked": s.checked} for s in finding.diff]
        or None,
        "context": None
        if finding.quote is None
        else {
            "before": finding.quote.before,
            "quote": finding.quote.quote,
            "after": finding.quote.after,
        },
    }
    if finding.verdict == "denied":
        data["denial"] = {
            "denied_text": finding.denied_text,
            "refers": [r.line() for r in finding.denial_refs],
        }
    return data


def answer_json(request: HttpRequest, answer: Answer) -> dict[str, Any]:
    result = answer.result
    best = answer.best
    return {
        "verdict": result.verdict,
        "message": result.message,
        "proves_nothing": result.verdict == "unknown",
        "similarity": None if best is None else round(best.similarity, 4),
        "threshold": NEAR_THRESHOLD,
        "normalised_hash": result.normalised_hash,
        "author": None
        if answer.author is None
        else {
            "given": answer.author.given,
            "as": answer.author.how,
            "fingerprints": list(answer.author.fingerprints),
            "ambiguous": answer.author.ambiguous,
            "keys": [
                {"fingerprint": k.fingerprint, "key": k.key, "name": k.name}
                for k in answer.author.keys
            ],
        },
        "matches": [_finding(request, answer, f) for f in result.findings],
        "other_matches": [_finding(request, answer, f) for f in result.other_findings],
    }


# The view.


def _read_request(request: HttpRequest) -> tuple[str, str]:
    limit = int(getattr(settings, "FIRSTHAND_MAX_CHECK_BYTES", DEFAULT_MAX_CHECK_BYTES))
    too_large = ApiError(413, f"a check request may be at most {limit:,} bytes")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, "the Content-Length header is not a number") from None
    if declared > limit:
        raise too_large
    if request.content_type not in _ACCEPTED_TYPES:
        raise ApiError(415, 'send JSON: {"text": "...", "author": "..."}')
    data = request.read(limit + 1)
    if len(data) > limit:
        raise too_large
    try:
        sent = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(
            400, 'the request is not JSON in UTF-8; send {"text": "...", "author": "..."}'
        ) from None
    if not isinstance(sent, dict) or not isinstance(sent.get("text"), str):
        raise ApiError(400, 'the request needs "text": the words to check, as a string')
    author = sent.get("author")
    if author is not None and not isinstance(author, str):
        raise ApiError(400, '"author" is a key, a key ID or a name, as a string (or left out)')
    return sent["text"], author or ""


@csrf_exempt  # no cookie and no state: it only reads what the log holds
@require_POST
def check_text(request: HttpRequest) -> JsonResponse:
    try:
        ratelimit.require_token(request)
        text, author = _read_request(request)
        try:
            answer = who_said(text, author)
        except BadCheck as error:
            raise ApiError(error.status, str(error)) from None
        except IndexNotReady as error:
            raise ApiError(503, str(error), retry_after=30) from None
    except ApiError as error:
        return error.response()
    response = JsonResponse(answer_json(request, answer), json_dumps_params=_JSON)
    response["Cache-Control"] = "no-store"
    return response
