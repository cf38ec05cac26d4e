"""POST /api/v1/statements: check a signed statement, keep it, and log its head.

The order of the checks is the order of their cost: the declared size, the
content type, the bytes read, then the statement's own checks
(format.read_statement), and only then the client's publishing budget
(ratelimit.py); a client may have only a few bodies in flight meanwhile
(at_once.py), so slow bodies cannot hold every request thread. A request that
fails a check before the budget spends a token of a small budget of its own
("malformed") instead, and is answered 429 once that is spent: so 30 empty or
unsigned POSTs from an address cannot lock its authors out of publishing,
while a flood of them is still cut short. A row is saved before the head is
submitted, so the body is never lost for a head the log holds; the row gets
its index once the sequencer has durably logged the head. Sending the same
statement again is safe: the log keeps one entry and the answer names the
first index.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from firsthand.log.errors import LogError
from firsthand.log.sequencer import PoolFull, Sequenced, Sequencer
from firsthand.statements.errors import (
    BodyMismatch,
    BodyTooLarge,
    StatementFromTheFuture,
    WrongAuthor,
)
from firsthand.statements.format import Head, Statement, read_statement
from firsthand.statements.identity import fingerprint
from firsthand.web import erasure, runtime
from firsthand.web.api import at_once, media, ratelimit
from firsthand.web.api.errors import ApiError
from firsthand.web.api.group_commit import GroupCommit, site_write_lock
from firsthand.web.api.intake import IntakeUnavailable
from firsthand.web.api.models import PublishedStatement, list_contents, list_labels, quoted
from firsthand.web.api.revocations import REVOKING_KINDS, recovery_key_of
from firsthand.web.api.sequencing import PENDING, SEQUENCED, notify, row_ids_payload

DEFAULT_MAX_REQUEST_BYTES = 1_100_000
WAIT_SECONDS = 30.0
# Parsed and signed, but refused on what it says: 422 rather than 400.
_UNPROCESSABLE = (WrongAuthor, BodyMismatch, StatementFromTheFuture)
_UTF8 = ("utf-8", "utf8")


@csrf_exempt  # the client is a script or fetch() with a signed statement, not a cookie session
@require_POST
def publish(request: HttpRequest) -> JsonResponse:
    try:
        return _publish(request)
    except ApiError as error:
        return error.response()


def _publish(request: HttpRequest) -> JsonResponse:
    try:
        with at_once.one_of_a_few(request):  # a slow body holds a thread: a few per client
            data = _read_body(request)
        statement = _read_statement(data)
    except ApiError as error:
        if error.status != 429:
            ratelimit.require_token(request, "requests that are not signed statements", "malformed")
        raise
    ratelimit.require_token(request, "statements")
    index, checkpoint, new = accept(statement)
    return _answer(index, statement.leaf_hash.hex(), checkpoint, status=201 if new else 200)


def accept(statement: Statement) -> tuple[int, bytes, bool]:
    """Check a verified statement against what the log holds, store it and log its head:
    (index, checkpoint note, whether new). The API's path, and the operator console's."""
    _check_kind(statement)
    media.refuse_unheld(statement.head.media)  # a head never lists a file no one can fetch
    sequencer = runtime.sequencer()
    if sequencer is None and not runtime.sequenced_elsewhere():
        raise ApiError(
            503,
            "this server process does not run the log's sequencer; "
            "publish through the server started with `firsthand serve`",
        )
    return record_statement(statement, sequencer)


def record_statement(statement: Statement, sequencer: Sequencer | None) -> tuple[int, bytes, bool]:
    """Store a verified statement and log its head: (index, checkpoint note, whether new).

    The row is stored by leaf hash before the head is logged, so a crash in
    between loses nothing: the author's retry finds the row and the log's
    first index (and `firsthand serve` logs such rows when it starts). Rows
    and indices are written by group commit, a transaction for all the
    requests waiting at that moment. Without a ``sequencer`` here,
    `firsthand sequencer` logs it: on SQLite this process hands it the
    statement and it does all of the above (intake.py, record_files), as on
    PostgreSQL with FIRSTHAND_INTAKE; otherwise on PostgreSQL this process
    stores the row and it logs it (sequencing.py).
    Raises ApiError when the log cannot take it now.
    """
    if sequencer is None and (intake := runtime.intake()) is not None:
        try:
            recorded = intake.record(statement.file_bytes(), WAIT_SECONDS)
        except IntakeUnavailable as error:
            if error.status != 503:
                raise ApiError(error.status, str(error)) from None
            if not settings.FIRSTHAND_DATABASE_URL:
                raise ApiError(
                    503,
                    f"the log's sequencer could not take the statement ({error}); send it "
                    "again, it will not be logged twice",
                    retry_after=5,
                ) from None
            # PostgreSQL: this machine's sequencer is being started again, or stands by for
            # one elsewhere. Store the row for whichever holds the log's lock (idempotent:
            # a statement the socket did take is found by its leaf hash).
        else:
            return recorded.index, recorded.checkpoint, recorded.new
    pk, index, created = _ROWS.run(statement)
    if index is not None:
        return index, runtime.log().reader.latest().note, False
    if sequencer is None:
        index = _sequenced_elsewhere(pk, wake=not created)
        # The checkpoint the waiter read when it woke us holds the entry: no query of our own.
        checkpoint = runtime.sequenced_waiter().checkpoint_holding(index)
        if checkpoint is None:
            checkpoint = runtime.log().reader.latest()
        return index, checkpoint.note, created
    index, checkpoint, duplicate = _sequence(sequencer, statement)
    _INDICES.run((pk, index))
    if statement.head.kind == "withholding":
        withhold_named(PublishedStatement.objects.get(pk=pk))
    return index, checkpoint, not duplicate


def record_files(files: list[bytes]) -> list[dict[str, Any]]:
    """The sequencer process's side of intake.py: what record_statement does, for every
    statement a batch of web workers sent, in one thread. An answer for each file."""
    answers: list[dict[str, Any]] = [{} for _ in files]
    statements: list[tuple[int, Statement]] = []
    for position, data in enumerate(files):
        try:
            statements.append((position, read_statement(data)))
        except LogError as error:  # a worker checked it: only a clock gone back can do this
            answers[position] = {"status": 400, "error": str(error)}
    if not statements:
        return answers
    sequencer = runtime.sequencer()
    if sequencer is None:
        raise LogError("this process does not run the log's sequencer")
    rows = _store_rows([statement for _, statement in statements])
    unlogged = [k for k, (_, index, _) in enumerate(rows) if index is None]
    logged = runtime.log().reader.latest().note if len(unlogged) < len(rows) else b""
    heads = [
        (rows[k][0], statements[k][1].head_bytes, statements[k][1].head.kind) for k in unlogged
    ]
    results = dict(zip(unlogged, log_rows(sequencer, heads, WAIT_SECONDS), strict=True))
    if heads and connection.vendor == "postgresql":
        # A worker on another machine may have stored one of these too, and waits to hear.
        notify(SEQUENCED, row_ids_payload([pk for pk, _, _ in heads]))
    for k, ((position, _), (_, index, created)) in enumerate(zip(statements, rows, strict=True)):
        if k in results:
            result = results[k]
            answer = (result.index, result.checkpoint.note, created and not result.duplicate)
        else:
            answer = (index, logged, False)
        answers[position] = {
            "index": answer[0], "checkpoint": answer[1].decode("utf-8"), "new": answer[2]
        }  # fmt: skip
    return answers


def log_rows(
    sequencer: Sequencer, rows: Sequence[tuple[int, bytes, str]], timeout: float
) -> list[Sequenced]:
    """Log the heads of stored rows now, give the rows their indices, and carry out the
    withholding notices among them. ``rows``: (row id, head, kind) each; their results."""
    if not rows:
        return []
    tickets = sequencer.submit_many([head for _, head, _ in rows])
    sequencer.wake()  # now: the caller, not the sequencer's own period, spaces the batches
    results = [ticket.wait(timeout) for ticket in tickets]
    write_indices([(pk, result.index) for (pk, _, _), result in zip(rows, results, strict=True)])
    for pk, _, kind in rows:
        if kind == "withholding":
            withhold_named(PublishedStatement.objects.get(pk=pk))
    return results


def _store_rows(statements: Sequence[Statement]) -> list[tuple[int, int | None, bool]]:
    """Each statement's (row id, index if logged, whether this call stored its row).

    The new rows are written in one transaction holding SQLite's write lock
    (site_write_lock), which the other processes' writers wait for: so the
    transaction holds nothing but the INSERT. The values are converted before
    it, and the rows already stored are looked up before it (a WAL read waits
    for no one).
    """
    leaves = [s.leaf_hash.hex() for s in statements]
    stored = _rows_by_leaf(set(leaves))
    new = {
        leaf: {"leaf_hash": leaf, **row_fields(s)}
        for leaf, s in zip(leaves, statements, strict=True)
        if leaf not in stored
    }
    inserted: dict[str, int] = {}
    if new:
        values = _column_values(new.values())
        postgresql = connection.vendor == "postgresql"
        with site_write_lock(), transaction.atomic():
            # Another process may store the same statement at once (several workers): its
            # row wins, and both requests get the one log index.
            inserted = _insert_ignoring_conflicts(values)
            # Their media and references, listed for lookups by hash (models.StatementMedia).
            list_contents(
                (inserted[leaf], row["refers"], row["media"])
                for leaf, row in new.items()
                if leaf in inserted and (row["refers"] or row["media"])
            )
            # The names their authors carry, for the look-alike warnings (models.AuthorLabel).
            list_labels(
                s.head for leaf, s in zip(leaves, statements, strict=True) if leaf in inserted
            )
            if postgresql and inserted and runtime.sequenced_elsewhere():
                notify(PENDING)  # one NOTIFY for the group, delivered when it commits
        stored.update((leaf, (pk, None)) for leaf, pk in inserted.items())
        if raced := set(new) - set(inserted):
            stored.update(_rows_by_leaf(raced))
    return [(*stored[leaf], leaf in inserted) for leaf in leaves]


def _rows_by_leaf(leaves: set[str]) -> dict[str, tuple[int, int | None]]:
    """(row id, index) of the rows stored under these leaf hashes."""
    if not leaves:
        return {}
    marks = ", ".join(["%s"] * len(leaves))
    with connection.cursor() as cursor:
        cursor.execute(f"{_ROWS_BY_LEAF_SQL} ({marks})", list(leaves))
        return {leaf: (pk, index) for leaf, pk, index in cursor.fetchall()}


def _column_values(rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """Each new row's values for _ROW_FIELDS, each through its field's conversion for this
    database (JSON, time zones), as Django's own INSERT would do."""
    unset = {"index": None, "withheld_by_id": None, "received_at": timezone.now()}
    # A column added to the model and set by neither row_fields nor ``unset`` fails here
    # (KeyError) rather than being stored empty.
    return [
        [f.get_db_prep_save({**unset, **row}[f.attname], connection) for f in _ROW_FIELDS]
        for row in rows
    ]


def _insert_ignoring_conflicts(values: Sequence[Sequence[Any]]) -> dict[str, int]:
    """INSERT the rows, keeping any row already stored under the same leaf hash; the ids
    of the rows inserted, by leaf hash.

    One statement for them all, not bulk_create's model instances and compiled
    query (the largest single cost of publishing once), nor one statement per
    row: each is a trip out of the GIL and back, taken while holding the lock
    every other writer of the file waits for.
    """
    table = quoted(PublishedStatement._meta.db_table)
    columns = ", ".join(quoted(f.column) for f in _ROW_FIELDS)
    row = "(" + ", ".join(["%s"] * len(_ROW_FIELDS)) + ")"
    inserted: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(values), _ROWS_PER_INSERT):
            part = values[start : start + _ROWS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(part))} "
                "ON CONFLICT DO NOTHING RETURNING leaf_hash, id",
                [value for row_values in part for value in row_values],
            )
            inserted.update(cursor.fetchall())
    return inserted


# Every stored column but the id, which the database assigns.
_ROW_FIELDS = [f for f in PublishedStatement._meta.concrete_fields if not f.primary_key]
# SQLite takes at most 32,766 parameters a statement (13 columns a row).
_ROWS_PER_INSERT = 1000
_ROWS_BY_LEAF_SQL = (
    f"SELECT leaf_hash, id, {quoted('index')} FROM {quoted(PublishedStatement._meta.db_table)} "
    "WHERE leaf_hash IN"
)


def write_indices(placed: Sequence[tuple[int, int]]) -> list[None]:
    """Give logged rows their indices: (row id, index) pairs, in one transaction."""
    table = connection.ops.quote_name(PublishedStatement._meta.db_table)
    column = connection.ops.quote_name("index")
    with site_write_lock(), transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {column} = %s WHERE id = %s AND {column} IS NULL",
            [(index, pk) for pk, index in placed],
        )
    return [None] * len(placed)


_ROWS: GroupCommit[Statement, tuple[int, int | None, bool]] = GroupCommit(_store_rows)
_INDICES: GroupCommit[tuple[int, int], None] = GroupCommit(write_indices)


def withhold_named(notice: PublishedStatement) -> None:
    """Stop serving the body the logged notice names, and erase it here.

    Only after the notice is in the log: a withholding is never silent. The
    head stays in the log, so a copy of the body kept elsewhere still verifies.
    """
    leaf = next(r.removeprefix("leaf:") for r in notice.refers if r.startswith("leaf:"))
    with erasure.erasing():  # and from every file of the database, the WAL included
        PublishedStatement.objects.filter(leaf_hash=leaf, withheld_by__isnull=True).update(
            withheld_by=notice, body=""
        )


def _read_body(request: HttpRequest) -> bytes:
    limit = int(getattr(settings, "FIRSTHAND_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))
    too_large = ApiError(413, f"a statement file may be at most {limit:,} bytes")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiError(400, "the Content-Length header is not a number") from None
    if declared > limit:
        raise too_large
    if declared == 0:
        raise ApiError(400, "the request is empty; send the statement file as its body")
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if request.content_type != "text/plain" or charset not in _UTF8:
        raise ApiError(
            415, "send the statement file as the body, with Content-Type: text/plain; charset=utf-8"
        )
    data = request.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def _read_statement(data: bytes) -> Statement:
    try:
        return read_statement(data)
    except BodyTooLarge as error:
        raise ApiError(413, str(error)) from None
    except _UNPROCESSABLE as error:
        raise ApiError(422, str(error)) from None
    except LogError as error:
        raise ApiError(400, str(error)) from None


def _check_kind(statement: Statement) -> None:
    """Rules that depend on what the log already holds, not on the statement alone."""
    head = statement.head
    if head.recovery is not None or head.kind in REVOKING_KINDS:
        _check_recovery_rules(head)
    if head.kind not in ("correction", "retraction", "withholding"):
        return
    leaf = next(r.sha256 for r in head.refers if r.kind == "leaf")  # format checked: one
    referred = PublishedStatement.objects.filter(leaf_hash=leaf, index__isnull=False).first()
    if referred is None:
        raise ApiError(
            422, f"the {head.kind} refers to leaf:{leaf}, which is not a statement in this log"
        )
    if head.kind == "withholding":
        _check_withholding(statement, referred)
        return
    if referred.author_key != head.author.text():
        raise ApiError(
            422,
            f"a {head.kind} must be signed by the key that signed the statement it refers to "
            f"(key ID {referred.author_key_id}), not by key ID {head.author.key_id.hex()}",
        )


def _check_recovery_rules(head: Head) -> None:
    """Who may name a recovery key, revoke a key, or recover it (web/api/revocations.py)."""
    author = fingerprint(head.author)
    if head.recovery is not None:
        committed = recovery_key_of(author)
        if committed is not None and committed != fingerprint(head.recovery):
            raise ApiError(
                422,
                "this key's recovery key is the one its first statement named; a later "
                "statement cannot name another",
            )
        if (
            committed is None
            and PublishedStatement.objects.filter(
                author_fingerprint=author, index__isnull=False
            ).exists()
        ):
            raise ApiError(
                422,
                "a recovery key is named in a key's first statement only, so that a thief "
                "holding the key cannot add one; this key has published without one",
            )
    if head.kind not in REVOKING_KINDS or head.subject is None:
        return
    subject = fingerprint(head.subject)
    if head.kind == "revocation" and subject == author:
        if head.revoked_from is not None:
            raise ApiError(
                422,
                "a key revoking itself does so from now on: only its recovery key may say "
                "from which earlier log index ('from')",
            )
        return
    if recovery_key_of(subject) != author:
        raise ApiError(
            422,
            f"a {head.kind} of a key is signed by that key's recovery key (named in its first "
            "statement)" + (" or by the key itself" if head.kind == "revocation" else ""),
        )


def _check_withholding(notice: Statement, referred: PublishedStatement) -> None:
    operator = runtime.operator().verifier()
    if notice.head.author != operator:
        raise ApiError(
            403,
            "only this log's operator key may withhold a statement "
            f"(key ID {operator.key_id.hex()}); the operator uses `firsthand withhold`",
        )
    if referred.kind == "withholding":
        raise ApiError(422, "a withholding notice cannot itself be withheld")
    if referred.withheld_by_id is not None and referred.withheld_by.leaf_hash != (
        notice.leaf_hash.hex()
    ):
        raise ApiError(
            409,
            f"statement {referred.index} is already withheld by notice "
            f"{referred.withheld_by.index}",
        )


def row_fields(statement: Statement) -> dict[str, Any]:
    head = statement.head
    about = head.subject if head.subject is not None else head.new_key
    return {
        "head": statement.head_bytes.decode("utf-8"),
        "body": statement.body,
        "author_key": head.author.text(),
        "author_fingerprint": fingerprint(head.author),
        "author_key_id": head.author.key_id.hex(),
        "kind": head.kind,
        "lang": head.lang,
        "signed_at": head.time,
        "refers": [r.line() for r in head.refers],
        "media": [{"sha256": m.sha256, "type": m.type, "size": m.size} for m in head.media],
        # A vouch's subject, or a rotation's new key: the key this statement is about.
        "subject_key_id": "" if about is None else about.key_id.hex(),
        "subject_fingerprint": "" if about is None else fingerprint(about),
    }


def _sequence(sequencer: Sequencer, statement: Statement) -> tuple[int, bytes, bool]:
    """Log the head; its index, a checkpoint covering it, and whether it was logged before."""
    try:
        result = sequencer.submit(statement.head_bytes).wait(timeout=WAIT_SECONDS)
    except PoolFull as error:
        raise ApiError(503, str(error), retry_after=1) from None
    except TimeoutError:
        raise ApiError(
            503,
            "the log did not take the statement in time; send it again, "
            "it will not be logged twice",
            retry_after=5,
        ) from None
    except LogError as error:
        raise ApiError(503, f"the log could not take the statement now: {error}") from None
    return result.index, result.checkpoint.note, result.duplicate


def _sequenced_elsewhere(pk: int, *, wake: bool) -> int:
    """Wait until the sequencer process has logged the row; ``wake`` it first for an old row
    (a new row's group commit has woken it)."""
    if wake:
        notify(PENDING)
    index = runtime.sequenced_waiter().wait_for_index(pk, WAIT_SECONDS)
    if index is None:
        raise ApiError(
            503,
            "the log's sequencer did not take the statement in time; send it again, "
            "it will not be logged twice",
            retry_after=5,
        )
    return index


def _bundle_url(index: int) -> str:
    """reverse("api:statement-bundle", args=[index]), from a pattern reversed once: under a
    load of statements, reversing on every answer cost a twentieth of the request."""
    before, after = _bundle_url_around(get_script_prefix(), get_urlconf())
    return f"{before}{index}{after}"


@functools.lru_cache(maxsize=8)
def _bundle_url_around(script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    marker = 987654321987654321  # an index, so the URL's converter takes it
    before, found, after = reverse("api:statement-bundle", args=[marker]).partition(str(marker))
    assert found, "the bundle URL holds the index"
    return before, after


def _answer(index: int, leaf_hash: str, checkpoint: bytes, *, status: int) -> JsonResponse:
    body = {
        "index": index,
        "leaf_hash": leaf_hash,
        "checkpoint": checkpoint.decode("utf-8"),
        "bundle_url": _bundle_url(index),
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
