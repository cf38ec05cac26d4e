"""The API's read side: a statement, its offline bundle, an author's page, the OpenAPI document."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from firsthand.log.errors import LogError, NotFound
from firsthand.log.note import parse_note
from firsthand.statements.bundle import WithholdingNotice, make_bundle
from firsthand.statements.format import parse_head_text, rotation_is_two_way
from firsthand.web import runtime
from firsthand.web.api.authors import (
    KnownKey,
    key_chain,
    keys_with_key_id,
    look_alikes,
    predecessor,
)
from firsthand.web.api.carried import carried_succession
from firsthand.web.api.devices import devices_of, speaking_for, stolen_points
from firsthand.web.api.errors import error_response, say, size
from firsthand.web.api.models import PublishedStatement, statement_at
from firsthand.web.api.once_per_request import answered_once
from firsthand.web.api.openapi import document
from firsthand.web.api.revocations import carried_in_bundles, is_stolen, trusted_contacts

_JSON = {"ensure_ascii": False}
# Whether a bundle's checkpoint carries the witnesses' cosignatures, on a log that has some.
COSIGNED_HEADER = "Firsthand-Cosigned"
MAX_TEXT_BYTES = 1_000_000


def _time(row: PublishedStatement) -> str:
    return f"{row.signed_at:%Y-%m-%dT%H:%M:%SZ}"


def _published(index: int) -> PublishedStatement | None:
    return statement_at(index)


def _unknown(index: int) -> JsonResponse:
    return error_response(
        404, say("this log has no statement {index}; check the number", index=index)
    )


@require_safe
@answered_once
def statement(request: HttpRequest, index: int) -> JsonResponse:
    row = _published(index)
    if row is None:
        return _unknown(index)
    notice = row.withheld_by
    data = {
        "index": row.index,
        "leaf_hash": row.leaf_hash,
        "author": author_identity(row),
        "kind": row.kind,
        "lang": row.lang,
        "time": _time(row),
        "body": None if notice else row.body,
        "withheld": None if notice is None else withholding_summary(notice),
        "stolen_key": stolen_key(row),
        "device_of": device_of_author(row),
        "refers": row.refers,
        "media": row.media,
        "head": row.head,
    }
    return JsonResponse(data, json_dumps_params=_JSON)


def stolen_key(row: PublishedStatement) -> dict[str, Any] | None:
    """Whether the author reported this statement's key stolen or lost before it was logged:
    from which log index, and in which statement (web/api/revocations.py)."""
    points = stolen_points([row.author_fingerprint])  # a revoked device's too
    if not is_stolen(row, points):
        return None
    point = points[row.author_fingerprint]
    return {
        "since": point.since,
        "by_index": point.by_index,
        "message": say(
            "signed by a key its author reported stolen or lost from log entry {since} on "
            "(statement {index})",
            since=point.since,
            index=point.by_index,
        ),
    }


def _contacts(key: str) -> dict[str, Any] | None:
    """The trusted contacts in force for the chain's current key: k of n, by fingerprint."""
    found = trusted_contacts(key)
    if found is None:
        return None
    return {
        "statement_index": found.index,
        "threshold": found.threshold,
        "contacts": sorted(found.contacts),
    }


def device_of_author(row: PublishedStatement) -> dict[str, Any] | None:
    """When a device key signed ``row``: the identity it speaks for (web/api/devices.py)."""
    found = speaking_for([row.author_fingerprint]).get(row.author_fingerprint)
    if found is None:
        return None
    return {"identity_fingerprint": found.identity, "device_fingerprint": found.device}


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
    # The key's revocations travel with the bundle, so that `firsthand verify` and the
    # browser's verifier can say, offline, that the author reported the key stolen.
    revocations, commitment = carried_in_bundles(row.author_fingerprint)
    # And what decides the rest, as the site's rules read it: social recoveries with the
    # contacts they rely on, a device key's certificate and revocations (carried.py).
    succession = carried_succession(
        row.author_fingerprint,
        [r.index for r in revocations] + ([] if commitment is None else [commitment.index]),
    )
    needed = max(
        [
            row.index,
            *(() if withheld is None else (withheld.index,)),
            *(r.index for r in revocations),
            *(r.index for r in succession),
        ]
    )
    return make_bundle(
        runtime.log().reader,
        index=row.index,
        head=row.head.encode("utf-8"),
        body=None if notice else row.body,
        withheld=withheld,
        checkpoint=runtime.checkpoint_for_entry(needed),
        revocations=revocations,
        recovery_commitment=commitment,
        succession=succession,
    )


@require_safe
@answered_once
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
        return error_response(500, say("the bundle cannot be made: {error}", error=str(error)))
    response = JsonResponse(data, json_dumps_params=_JSON)
    response["Content-Disposition"] = f'attachment; filename="statement-{index}.bundle.json"'
    if runtime.witnessed():
        # docs/bundle-format.md, "Witness cosignatures": a bundle of an entry no cosigned
        # checkpoint holds yet says so, and a client may ask again for the cosigned proof.
        cosigned = len(parse_note(data["checkpoint"].encode("utf-8")).signatures) > 1
        response[COSIGNED_HEADER] = "yes" if cosigned else "pending"
        if not cosigned:
            response["Retry-After"] = "1"
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
        summary["new_key_fingerprint"] = row.subject_fingerprint
        # Two-way: the new key signed it too. One-way rotations are never followed.
        summary["two_way"] = rotation_is_two_way(row.head.encode("utf-8"))
    return summary


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
            author_fingerprint=successor, index__gte=since
        ).select_related("withheld_by")
    ]
    # And the statements of the devices these keys added, from each device's certification on.
    for device in devices_of(key for key, _ in chain):
        rows.extend(
            PublishedStatement.objects.filter(
                author_fingerprint=device.key, index__gt=device.index
            ).select_related("withheld_by")
        )
    rows.sort(key=lambda row: -(row.index or 0))
    return rows


def author_identity(row: PublishedStatement) -> dict[str, Any]:
    """How the API names a statement's author: the whole key and its fingerprint.

    The name is the key holder's label; ``key_id`` is the C2SP key ID, a hint for
    matching signature lines, never an identity (32 bits, and the name is hashed in).
    """
    return {
        "key": row.author_key,
        "fingerprint": row.author_fingerprint,
        "key_id": row.author_key_id,
        "name": row.author_key.split("+", 1)[0],
    }


def _known_key(key: KnownKey) -> dict[str, Any]:
    return {"fingerprint": key.fingerprint, "key": key.key, "name": key.name}


@require_safe
def author_by_key_id(request: HttpRequest, key_id: str) -> HttpResponse:
    """An old /authors/<8-hex key ID> link: never one key chosen silently.

    One key with that ID here: a redirect to its fingerprint. Several (someone made
    a key whose ID collides, as anyone can in minutes): 300 Multiple Choices, listing
    them all, so no one's words are shown under another's identity.
    """
    keys = keys_with_key_id(key_id)
    if not keys:
        return error_response(
            404,
            say("no statement in this log is by key ID {key_id}; check the key ID", key_id=key_id),
        )
    if len(keys) == 1:
        return redirect("api:author", keys[0].fingerprint)
    data = {
        "error": say(
            "{count} different keys here share the short key ID {key_id}; a key ID is "
            "not an identity: choose one by its fingerprint",
            count=len(keys),
            key_id=key_id,
        ),
        "keys": [_known_key(k) for k in keys],
    }
    return JsonResponse(data, status=300, json_dumps_params=_JSON)


@require_safe
@answered_once
def author(request: HttpRequest, fingerprint: str) -> JsonResponse:
    published = PublishedStatement.objects.filter(index__isnull=False).order_by("-index")
    chain = key_chain(fingerprint)
    # Newest first by log order, which the author cannot backdate. A successor key's
    # statements count from its rotation on.
    rows = chain_statements(chain)
    vouches = list(published.filter(kind="vouch", subject_fingerprint=fingerprint))
    claimed = list(published.filter(kind="key-rotation", subject_fingerprint=fingerprint))
    if not rows and not vouches and not claimed:
        return error_response(
            404,
            say(
                "no statement in this log is by or about the key {fingerprint}; check the "
                "fingerprint",
                fingerprint=fingerprint,
            ),
        )
    data = {
        "fingerprint": fingerprint,
        "profile": latest_profile(rows),
        "keys": sorted({row.author_key for row in rows}),
        "successors": [successor for successor, _ in chain[1:]],
        "predecessor": predecessor(fingerprint),
        "look_alikes": [
            {"fingerprint": a.fingerprint, "name": a.label, "looks_like": a.mine}
            for a in look_alikes(fingerprint)
        ],
        "statements": [_summary(row) for row in rows],
        "contacts": _contacts(chain[-1][0]),
        "devices": [
            {
                "fingerprint": d.key,
                "added_by_index": d.index,
                "revoked_since": d.revoked_since,
                "revoked_by_index": d.revoked_by,
            }
            for d in devices_of(key for key, _ in chain)
        ],
        "denials": [_summary(row) for row in rows if row.kind == "denial"],
        "vouches_received": [{**_summary(row), "author": author_identity(row)} for row in vouches],
        "rotations": [_summary(row) for row in rows if row.kind == "key-rotation"],
        "rotations_received": [
            {**_summary(row), "author": author_identity(row)} for row in claimed
        ],
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
        return error_response(415, say("send the text as text/plain; charset=utf-8"))
    data = request.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        return error_response(
            413, say("a text may be at most {size} bytes", size=size(MAX_TEXT_BYTES))
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return error_response(400, say("the text is not valid UTF-8"))
    if not text.strip():
        return error_response(400, say("the text is empty"))
    return JsonResponse(
        {"sha256": normalised_hash(text), "normalised": normalise(text)}, json_dumps_params=_JSON
    )
