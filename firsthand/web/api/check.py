"""POST /api/v1/check and /api/v1/check/batch: who said this text? Passage by passage.

The check itself is firsthand.attribution.check; this module reads the
request, says which author was asked about, and turns findings into what a
reader needs to check them: the statement's log index, its page, its proof
bundle, the word diff of a near copy, the context of a quote, the denial,
and for each passage of the text (each sentence, each quoted sentence, each
frame around a quote) which of these it rests on. The page "Who said it?"
(firsthand/web/pages/check.py) uses ``who_said`` too, so the page and the
API never disagree.

Checks have a rate limit of their own (the "check" budget of ratelimit.py),
counted in texts: a batch of 100 texts spends 100. Nothing here stores the text checked.
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
    DiffSegment,
    Finding,
    NothingToCheck,
    Passage,
    TextTooLong,
    check,
    numbered,
)
from firsthand.log.errors import LogError
from firsthand.log.note import Verifier
from firsthand.statements.identity import fingerprint, short_fingerprint
from firsthand.web import runtime
from firsthand.web.api import ratelimit
from firsthand.web.api.attribution_index import IndexNotReady, site_index
from firsthand.web.api.authors import KnownKey, keys_named, keys_with_display_name, keys_with_key_id
from firsthand.web.api.errors import ApiError, say, size
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.revocations import revoked

# A check takes at most 1,000,000 characters (attribution.check): in UTF-8 Persian that is
# about 2 MB, and JSON escapes add some more.
DEFAULT_MAX_CHECK_BYTES = 4_000_000
# A batch: up to 100 texts, and at most as many bytes as a few long articles (the check's
# time grows with the words, so a batch is bounded by both).
MAX_BATCH_TEXTS = 100
DEFAULT_MAX_BATCH_BYTES = 8_000_000
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
    # Signed at or after the point its author reported the key stolen or lost
    # (web/api/revocations.py): the revocation's index, else None.
    stolen_by: int | None = None

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

    @property
    def stolen_key(self) -> bool:
        """Whether the headline rests on a statement signed by a key its author reported
        stolen or lost: then it must not say "signed" plainly (docs/recovery.md, rule 3)."""
        if self.result.verdict not in SAYS_SIGNED:
            return False
        return any(
            (row := self.logged.get(f.statement.leaf_hash)) is not None
            and row.stolen_by is not None
            for f in self.result.findings
            if f.verdict != "denied"
        )


# Headlines that say the author's words are in a signed statement.
SAYS_SIGNED = frozenset({"signed", "contained", "mixed", "altered"})
STOLEN_KEY_MESSAGE = (
    "Signed by a key its author reported stolen or lost, after the point they revoked it: these "
    "may not be the author's words. "
)


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
                say(
                    "the author is not a verifier key (name+hhhhhhhh+base64): give the whole "
                    "key, its 64-hex fingerprint, its 8-hex key ID, or the key's name"
                )
            ) from None
        return AuthorAsked(given, "key", (fingerprint(key),))
    if _FINGERPRINT.fullmatch(given):
        return AuthorAsked(given, "fingerprint", (given.lower(),))
    if _KEY_ID.fullmatch(given):
        keys = tuple(keys_with_key_id(given))
        return AuthorAsked(given, "key ID", tuple(k.fingerprint for k in keys), keys)
    if len(given) > 200:
        raise BadCheck(say("the author is longer than any key name: give a fingerprint or a key"))
    # Exactly this name, as a key's name or as a signed display name: no case folding, since
    # a name is the key holder's choice and "maryam" may be someone else than "Maryam".
    found = {k.fingerprint: k for k in (*keys_named(given), *keys_with_display_name(given))}
    keys = tuple(sorted(found.values(), key=lambda k: (-k.statements, k.fingerprint)))
    return AuthorAsked(given, "name", tuple(k.fingerprint for k in keys), keys)


def _about_nobody(result: CheckResult) -> CheckResult:
    """No author here goes by the name asked about: nothing of theirs decides."""
    others = (*result.findings, *result.other_findings)
    passages = tuple(
        replace(
            p,
            verdict="unknown",
            finding=None,
            also=(p.finding, *p.also) if p.finding else p.also,
            cut_before=0,
        )
        for p in result.passages
    )
    return replace(result, verdict="unknown", findings=(), other_findings=others, passages=passages)


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


def _every_finding(result: CheckResult) -> list[Finding]:
    found = [*result.findings, *result.other_findings]
    for passage in result.passages:
        found += [f for f in (passage.finding, *passage.also) if f is not None]
    return found


def _logged(result: CheckResult) -> dict[str, Logged]:
    leaves = {
        leaf
        for f in _every_finding(result)
        for leaf in (f.statement.leaf_hash, *f.statement.followed_by)
    }
    rows = PublishedStatement.objects.filter(leaf_hash__in=leaves, index__isnull=False)
    found = list(
        rows.values_list(
            "leaf_hash",
            "index",
            "kind",
            "lang",
            "author_key",
            "author_key_id",
            "author_fingerprint",
        )
    )
    points = revoked({row[-1] for row in found})

    def stolen_by(index: int, fp: str) -> int | None:
        point = points.get(fp)
        return point.by_index if point is not None and index >= point.since else None

    return {
        leaf: Logged(index, leaf, kind, lang, key, key_id, fp, stolen_by(index, fp))
        for leaf, index, kind, lang, key, key_id, fp in found
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
        # The revocation's index when the key was reported stolen before this was logged.
        "stolen_key_by": row.stolen_by,
        "author": {
            "key": row.author_key,
            "fingerprint": row.author_fingerprint,
            "key_id": row.author_key_id,
            "name": row.author_name,
        },
        **_urls(request, row.index),
    }


def _segment(segment: DiffSegment) -> dict[str, Any]:
    data: dict[str, Any] = {"op": segment.op, "signed": segment.signed, "checked": segment.checked}
    if segment.look_alike:  # the two sides look the same: letters of another alphabet
        data["look_alike"] = True
    if segment.scripts:
        data["scripts"] = list(segment.scripts)
    return data


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
        "diff": [_segment(s) for s in finding.diff] or None,
        "gaps": finding.gaps,
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


def _passage(
    request: HttpRequest, answer: Answer, number: int | None, passage: Passage
) -> dict[str, Any]:
    return {
        "number": number,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "verdict": passage.verdict,
        "quoted": passage.quoted,
        "frame": passage.frame,
        "gaps": passage.gaps,
        "cut_before": passage.cut_before,
        "match": None if passage.finding is None else _finding(request, answer, passage.finding),
        "also": [_finding(request, answer, f) for f in passage.also],
    }


def checkpoint_json() -> dict[str, Any] | None:
    """The log's latest checkpoint (origin, size, root): what a citation of a check names."""
    try:
        note = runtime.published_checkpoint().note
    except LogError:  # no checkpoint yet: the answer stands without it
        return None
    lines = note.decode("utf-8", "replace").split("\n")
    if len(lines) < 3 or not lines[1].isdigit():
        return None
    return {"origin": lines[0], "size": int(lines[1]), "root": lines[2]}


def answer_json(
    request: HttpRequest, answer: Answer, checkpoint: dict[str, Any] | None = None
) -> dict[str, Any]:
    result = answer.result
    best = answer.best
    stolen = answer.stolen_key
    return {
        "verdict": result.verdict,
        # A stolen-key statement is never called signed plainly: the message says so first.
        "stolen_key": stolen,
        "message": (STOLEN_KEY_MESSAGE if stolen else "") + result.message,
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
        "passages": [_passage(request, answer, n, p) for n, p in numbered(result.passages)],
        "mixed_scripts": [
            {"word": w.word, "start": w.start, "end": w.end, "scripts": list(w.scripts)}
            for w in result.mixed_scripts
        ],
        "checkpoint": checkpoint,
    }


# The view.


def _read_json(request: HttpRequest, limit: int, example: str) -> Any:
    too_large = ApiError(413, say("a check request may be at most {size} bytes", size=size(limit)))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, say("the Content-Length header is not a number")) from None
    if declared > limit:
        raise too_large
    if request.content_type not in _ACCEPTED_TYPES:
        raise ApiError(415, say("send JSON: {example}", example=example))
    data = request.read(limit + 1)
    if len(data) > limit:
        raise too_large
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(
            400, say("the request is not JSON in UTF-8; send {example}", example=example)
        ) from None


def _text_and_author(sent: Any, where: str = "") -> tuple[str, str]:
    if not isinstance(sent, dict) or not isinstance(sent.get("text"), str):
        raise ApiError(
            400, where + say('the request needs "text": the words to check, as a string')
        )
    author = sent.get("author")
    if author is not None and not isinstance(author, str):
        raise ApiError(
            400, where + say('"author" is a key, a key ID or a name, as a string (or left out)')
        )
    return sent["text"], author or ""


def _read_request(request: HttpRequest) -> tuple[str, str]:
    limit = int(getattr(settings, "FIRSTHAND_MAX_CHECK_BYTES", DEFAULT_MAX_CHECK_BYTES))
    sent = _read_json(request, limit, '{"text": "...", "author": "..."}')
    return _text_and_author(sent)


def _read_batch(request: HttpRequest) -> list[tuple[str, str]]:
    limit = int(getattr(settings, "FIRSTHAND_MAX_CHECK_BATCH_BYTES", DEFAULT_MAX_BATCH_BYTES))
    sent = _read_json(request, limit, '{"checks": [{"text": "...", "author": "..."}, ...]}')
    checks = sent.get("checks") if isinstance(sent, dict) else None
    if not isinstance(checks, list) or not checks:
        raise ApiError(
            400, say('the request needs "checks": a list of {{"text": "...", "author": "..."}}')
        )
    if len(checks) > MAX_BATCH_TEXTS:
        raise ApiError(
            413,
            say(
                "a batch holds at most {most} texts; this one holds {count}",
                most=MAX_BATCH_TEXTS,
                count=len(checks),
            ),
        )
    return [_text_and_author(one, f"checks[{i}]: ") for i, one in enumerate(checks)]


def _answer(request: HttpRequest, text: str, author: str, checkpoint: Any) -> dict[str, Any]:
    """One text's answer; the errors a text can have become ApiErrors."""
    try:
        answer = who_said(text, author)
    except BadCheck as error:
        raise ApiError(error.status, str(error)) from None
    except IndexNotReady as error:
        raise ApiError(503, str(error), retry_after=30) from None
    return answer_json(request, answer, checkpoint)


@csrf_exempt  # no cookie and no state: it only reads what the log holds
@require_POST
def check_text(request: HttpRequest) -> JsonResponse:
    try:
        ratelimit.require_token(request, "checks", "check")
        text, author = _read_request(request)
        answer = _answer(request, text, author, checkpoint_json())
    except ApiError as error:
        return error.response()
    response = JsonResponse(answer, json_dumps_params=_JSON)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def check_batch(request: HttpRequest) -> JsonResponse:
    """Up to 100 texts at once, for archives: one answer, or one error, per text, in order."""
    try:
        ratelimit.require_token(request, "checks", "check")
        checks = _read_batch(request)
        # The first text took one token above; the others take theirs now, all or nothing.
        if len(checks) > 1:
            ratelimit.require_token(request, "checks", "check", cost=len(checks) - 1)
        checkpoint = checkpoint_json()
        results: list[dict[str, Any]] = []
        for text, author in checks:
            try:
                results.append(_answer(request, text, author, checkpoint))
            except ApiError as error:
                if error.status == 503:
                    raise
                results.append({"error": error.message, "status": error.status})
    except ApiError as error:
        return error.response()
    response = JsonResponse({"results": results, "checkpoint": checkpoint}, json_dumps_params=_JSON)
    response["Cache-Control"] = "no-store"
    return response
