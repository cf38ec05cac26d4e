"""The API's read side: a statement, its offline bundle, an author's page, the OpenAPI document."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from firsthand.log.errors import LogError, NotFound
from firsthand.log.note import Verifier, parse_note
from firsthand.statements.bundle import WithholdingNotice, make_bundle
from firsthand.statements.format import parse_head_text
from firsthand.web import runtime
from firsthand.web.api.errors import error_response
from firsthand.web.api.models import PublishedStatement, statement_at
from firsthand.web.api.openapi import document

_JSON = {"ensure_ascii": False}
MAX_TEXT_BYTES = 1_000_000


def _time(row: PublishedStatement) -> str:
    return f"{row.signed_at:%Y-%m-%dT%H:%M:%SZ}"


def _published(index: int) -> PublishedStatement | None:
    return statement_at(index)


def _unknown(index: int) -> JsonResponse:
    return error_response(404, f"this log has no statement {index}; check the number")


@require_safe
def statement(request: HttpRequest, index: int) -> JsonResponse:
    row = _published(index)
    if row is None:
        return _unknown(index)
    author = Verifier.from_text(row.author_key)
    notice = row.withheld_by
    data = {
        "index": row.index,
        "leaf_hash": row.leaf_hash,
        "author": {"key": row.author_key, "key_id": row.author_key_id, "name": author.name},
        "kind": row.kind,
        "lang": row.lang,
        "time": _time(row),
        "body": None if notice else row.body,
        "withheld": None if notice is None else withholding_summary(notice),
        "refers": row.refers,
        "media": row.media,
        "head": row.head,
    }
    return JsonResponse(data, json_dumps_params=_JSON)


def withholding_summary(notice: PublishedStatement) -> dict[str, Any]:
    """What readers see in place of a withheld body: who, when, why, and where it is logged."""
    head = parse_head_text(parse_note(notice.head.encode("utf-8")).text)
    date = f"{notice.signed_at:%Y-%m-%d}"
    return {
        "date": date,
        "reason": head.reason,
        "notice_index": notice.index,
        "notice_leaf_hash": notice.leaf_hash,
        "operator_key": notice.author_key,
        "message": f"withheld by the operator on {date}: {head.reason}",
    }


def bundle_for(row: PublishedStatement) -> dict[str, Any]:
    """The offline bundle of a logged row: its body, or the operator's notice in its place."""
    assert row.index is not None
    notice = row.withheld_by
    withheld = (
        None
        if notice is None or notice.index is None
        else WithholdingNotice(notice.index, notice.head.encode("utf-8"))
    )
    needed = row.index if withheld is None else max(row.index, withheld.index)
    return make_bundle(
        runtime.log().reader,
        index=row.index,
        head=row.head.encode("utf-8"),
        body=None if notice else row.body,
        withheld=withheld,
        checkpoint=runtime.checkpoint_for_entry(needed),
    )


@require_safe
def bundle(request: HttpRequest, index: int) -> JsonResponse:
    row = _published(index)
    if row is None:
        return _unknown(index)
    try:
        data = bundle_for(row)
    except NotFound as error:
        return error_response(404, str(error))
    except LogError as error:
        # The table and the log disagree: a fault of this server, not of the request.
        return error_response(500, f"the bundle cannot be made: {error}")
    response = JsonResponse(data, json_dumps_params=_JSON)
    response["Content-Disposition"] = f'attachment; filename="statement-{index}.bundle.json"'
    return response


def _summary(row: PublishedStatement) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "index": row.index,
        "leaf_hash": row.leaf_hash,
        "kind": row.kind,
        "lang": row.lang,
        "time": _time(row),
        "refers": row.refers,
    }
    if row.kind == "key-rotation":
        new_key = parse_head_text(parse_note(row.head.encode("utf-8")).text).new_key
        summary["new_key"] = None if new_key is None else new_key.text()
    return summary


def key_chain(key_id: str) -> list[tuple[str, int]]:
    """The key and its successors: (key ID, log index from which its statements count).

    A rotation is signed by the old key, so following it forward is the author's
    own word. Backward is not: anyone can sign "my key rotates to yours", so a
    rotation naming this key as new is listed, never merged. Nor is a rotation to
    a key that had signed in this log before it: a real rotation names a fresh key,
    while an impostor can only name keys it has seen, and would thereby claim
    another person's words as its own. Each key's first logged rotation is the
    one that counts; a later one (from a stolen old key?) is shown, not followed.
    """
    chain = [(key_id, 0)]
    seen = {key_id}
    logged = PublishedStatement.objects.filter(index__isnull=False)
    while True:
        first = (
            logged.filter(kind="key-rotation", author_key_id=chain[-1][0]).order_by("index").first()
        )
        if first is None or first.index is None or first.subject_key_id in seen:
            return chain
        if logged.filter(author_key_id=first.subject_key_id, index__lt=first.index).exists():
            return chain
        chain.append((first.subject_key_id, first.index + 1))
        seen.add(first.subject_key_id)


def latest_profile(rows: list[PublishedStatement]) -> dict[str, Any] | None:
    """The newest signed profile among an author's rows (newest first): display name and bio.

    A withheld profile keeps its name, which is in the logged head, but not its bio.
    """
    row = next((r for r in rows if r.kind == "profile"), None)
    if row is None:
        return None
    head = parse_head_text(parse_note(row.head.encode("utf-8")).text)
    withheld = row.withheld_by_id is not None
    return {
        "name": head.name,
        "bio": None if withheld else row.body,
        "lang": row.lang,
        "index": row.index,
        "withheld": withheld,
    }


def chain_statements(chain: list[tuple[str, int]]) -> list[PublishedStatement]:
    """Every logged statement of a key chain, newest first by log order (not backdatable).

    A successor key's statements count from its rotation on.
    """
    rows = [
        row
        for successor, since in chain
        for row in PublishedStatement.objects.filter(
            author_key_id=successor, index__gte=since
        ).select_related("withheld_by")
    ]
    rows.sort(key=lambda row: -(row.index or 0))
    return rows


@require_safe
def author(request: HttpRequest, key_id: str) -> JsonResponse:
    key_id = key_id.lower()
    published = PublishedStatement.objects.filter(index__isnull=False).order_by("-index")
    chain = key_chain(key_id)
    # Newest first by log order, which the author cannot backdate. A successor key's
    # statements count from its rotation on.
    rows = chain_statements(chain)
    vouches = list(published.filter(kind="vouch", subject_key_id=key_id))
    claimed = list(published.filter(kind="key-rotation", subject_key_id=key_id))
    if not rows and not vouches and not claimed:
        return error_response(
            404, f"no statement in this log is by or about key ID {key_id}; check the key ID"
        )
    data = {
        "key_id": key_id,
        "profile": latest_profile(rows),
        "keys": sorted({row.author_key for row in rows}),
        "successor_key_ids": [successor for successor, _ in chain[1:]],
        "statements": [_summary(row) for row in rows],
        "denials": [_summary(row) for row in rows if row.kind == "denial"],
        "vouches_received": [{**_summary(row), "author_key": row.author_key} for row in vouches],
        "rotations": [_summary(row) for row in rows if row.kind == "key-rotation"],
        "rotations_received": [{**_summary(row), "author_key": row.author_key} for row in claimed],
    }
    return JsonResponse(data, json_dumps_params=_JSON)


@require_safe
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(document(), json_dumps_params=_JSON)


@csrf_exempt  # no cookie, no state: it hashes the text it is given
@require_POST
def text_hash(request: HttpRequest) -> JsonResponse:
    """The normalised SHA-256 of a text (docs/normalisation.md): what a denial refers to.

    The page asks the server so that one implementation of the normalisation
    decides every hash; the denial quotes the text too, so anyone can recompute it.
    """
    from firsthand.attribution.normalise import normalise, normalised_hash

    if request.content_type != "text/plain":
        return error_response(415, "send the text as text/plain; charset=utf-8")
    data = request.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        return error_response(413, f"a text may be at most {MAX_TEXT_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return error_response(400, "the text is not valid UTF-8")
    if not text.strip():
        return error_response(400, "the text is empty")
    return JsonResponse(
        {"sha256": normalised_hash(text), "normalised": normalise(text)}, json_dumps_params=_JSON
    )
