"""What a page shows of a published statement: its row, the server's verdict, its neighbours.

The server checks each statement it shows exactly as an offline reader
would (statements.bundle.verify_bundle_object on the bundle it serves), so the
badge on the page is a verdict, not a label. Verdicts are kept per tree
size: a bundle against the same checkpoint gives the same answer.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from firsthand.log.errors import LogError
from firsthand.log.note import Verifier, parse_note
from firsthand.statements.bundle import Verdict, verify_bundle_object
from firsthand.statements.format import Head, parse_head_text, rotation_is_two_way
from firsthand.web import runtime
from firsthand.web.api import media_store
from firsthand.web.api.devices import SpeaksFor, speaking_for, stolen_points
from firsthand.web.api.media_serving import withheld_media
from firsthand.web.api.models import (
    PublishedStatement,
    StatementReference,
    quoted,
    statements_selected,
)
from firsthand.web.api.revocations import Revoked, is_stolen
from firsthand.web.api.views import bundle_for

KIND_LABELS = {
    "declaration": _("Declaration"),
    "testimony": _("Testimony"),
    "denial": _("Denial"),
    "correction": _("Correction"),
    "retraction": _("Retraction"),
    "vouch": _("Vouch"),
    "key-rotation": _("Key rotation"),
    "withholding": _("Withholding notice"),
    "profile": _("Profile"),
    "revocation": _("Revocation"),
    "recovery": _("Key recovery"),
    "contacts": _("Trusted contacts"),
    "social-recovery": _("Recovery by trusted contacts"),
    "device": _("New device"),
    "device-revocation": _("Device revocation"),
}
_CACHED_VERDICTS = 2048


@dataclass(frozen=True)
class ShownMedia:
    """A photo or video a statement's head lists, and whether this server can show it."""

    sha256: str
    type: str
    size: int
    held: bool  # this server keeps the cleaned file
    withheld: bool  # a withheld statement lists it, so it is not served

    @property
    def is_video(self) -> bool:
        return self.type.startswith("video/")


def _media(head: Head) -> list[ShownMedia]:
    withheld = withheld_media([m.sha256 for m in head.media]) if head.media else set()
    return [
        ShownMedia(m.sha256, m.type, m.size, media_store.holds(m.sha256), m.sha256 in withheld)
        for m in head.media
    ]


@dataclass
class Shown:
    """One statement as pages show it."""

    row: PublishedStatement
    head: Head
    author: Verifier
    kind_label: str
    withheld_reason: str | None = None
    withheld_on: Any = None
    refers_to: list[PublishedStatement] = field(default_factory=list)
    denied_texts: list[str] = field(default_factory=list)
    media: list[ShownMedia] = field(default_factory=list)
    two_way: bool = False  # a key rotation signed by its new key too (followed)
    # Signed by its key at or after the point its author reported the key stolen or lost.
    stolen: Revoked | None = None
    # Signed by a device key: the identity it speaks for (web/api/devices.py).
    device: SpeaksFor | None = None

    @property
    def index(self) -> int:
        return self.row.index or 0

    @property
    def excerpt(self) -> str:
        body = self.row.body
        return body if len(body) <= 280 else body[:277].rstrip() + "…"


def show(
    row: PublishedStatement,
    points: dict[str, Revoked] | None = None,
    devices: dict[str, SpeaksFor] | None = None,
) -> Shown:
    """One statement as pages show it; ``points``: revocations of its author's key, and
    ``devices``: the identity a device key speaks for, if the caller looked them up for
    many rows at once (devices.stolen_points, devices.speaking_for)."""
    if points is None:
        points = stolen_points([row.author_fingerprint])
    if devices is None:
        devices = speaking_for([row.author_fingerprint])
    head = parse_head_text(parse_note(row.head.encode("utf-8")).text)
    shown = Shown(row, head, head.author, str(KIND_LABELS.get(head.kind, head.kind)))
    notice = row.withheld_by
    if notice is not None:
        notice_head = parse_head_text(parse_note(notice.head.encode("utf-8")).text)
        shown.withheld_reason = notice_head.reason
        shown.withheld_on = notice_head.time
    leaves = [r.sha256 for r in head.refers if r.kind == "leaf"]
    if leaves:
        shown.refers_to = list(PublishedStatement.objects.filter(leaf_hash__in=leaves))
    shown.denied_texts = [r.sha256 for r in head.refers if r.kind == "text"]
    shown.media = _media(head)
    if head.kind == "key-rotation":
        shown.two_way = rotation_is_two_way(row.head.encode("utf-8"))
    if is_stolen(row, points):
        shown.stolen = points[row.author_fingerprint]
    shown.device = devices.get(row.author_fingerprint)
    return shown


def show_all(rows: list[PublishedStatement]) -> list[Shown]:
    authors = {row.author_fingerprint for row in rows}
    points = stolen_points(authors)  # one query for the page
    devices = speaking_for(authors)
    return [show(row, points, devices) for row in rows]


def responses_to(row: PublishedStatement) -> list[Shown]:
    """Later statements that refer to this one: corrections, retractions, withholdings."""
    # Only these kinds may refer to a statement by its leaf hash (statements/format.py); the
    # references listing's index on (kind, hash) finds them, each listed once per statement.
    return show_all(statements_selected(_responses_tail(), [row.leaf_hash]))


# Run on every statement page: written out once, as models.statement_at is.
@functools.cache
def _responses_tail() -> str:
    statements = quoted(PublishedStatement._meta.db_table)
    references = quoted(StatementReference._meta.db_table)
    index = quoted("index")
    return (
        f"FROM {statements} s JOIN {references} r ON r.statement_id = s.id "
        f"WHERE s.{index} IS NOT NULL "
        "AND s.kind IN ('correction', 'retraction', 'withholding') "
        f"AND r.kind = 'leaf' AND r.sha256 = %s ORDER BY s.{index}"
    )


@dataclass(frozen=True)
class Checked:
    bundle: dict[str, Any]
    verdict: Verdict | None
    problem: str | None


_lock = threading.Lock()
_verdicts: OrderedDict[tuple[int, tuple[int, int]], Checked] = OrderedDict()


def checked(row: PublishedStatement) -> Checked:
    """The bundle this server serves for the row, and what verifying it says."""
    assert row.index is not None
    key = (row.index, runtime.log_state())
    with _lock:
        found = _verdicts.get(key)
        if found is not None:
            _verdicts.move_to_end(key)
            return found
    try:
        bundle = bundle_for(row)
        witnesses = [w.verifier for w in runtime.witnesses()]
        verdict = verify_bundle_object(bundle, runtime.log().verifier, witnesses=witnesses)
        result = Checked(bundle, verdict, None)
    except LogError as error:
        result = Checked({}, None, str(error))
    with _lock:
        _verdicts[key] = result
        while len(_verdicts) > _CACHED_VERDICTS:
            _verdicts.popitem(last=False)
    return result
