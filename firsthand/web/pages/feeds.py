"""Atom feeds (RFC 4287): the whole site, and one per author.

A feed reader is a second renderer of what authors write, outside this site's
templates and its Content-Security-Policy. So everything an author chose (the
body, a profile's display name, the key's name) goes out as Atom text
constructs, ``type="text"`` (RFC 4287 section 3.1.1.1): a reader shows
``<img src=x onerror=...>`` as those characters and never parses them as markup.

An entry's dates are the statement's own: the time line of its signed head, as
logged, which any reader of the log can check. The server's receipt time is
its own business and not part of the statement. The feed's ``updated`` is the
newest entry's.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator

from firsthand.log.note import Verifier, parse_note
from firsthand.statements.format import parse_head_text
from firsthand.statements.identity import short_fingerprint, visible_label
from firsthand.web.api.devices import SpeaksFor, devices_of, speaking_for, stolen_points
from firsthand.web.api.models import PublishedStatement
from firsthand.web.api.revocations import is_stolen
from firsthand.web.pages.presenting import KIND_LABELS

FEED_SIZE = 50

# What XML 1.0 cannot carry at all (section 2.2, Char). A body may hold U+FFFE or
# U+FFFF, which are valid UTF-8; written as they are, one statement would make the
# whole feed malformed for every reader. Shown as U+FFFD instead.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with each character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


class PlainTextAtom(Atom1Feed):
    """Atom 1.0 whose entry summaries are text, not HTML.

    Django's Atom1Feed writes every summary as ``type="html"``: escaped once for
    the XML, then rendered as HTML by the reader, so an author's markup would run
    there. Titles and names are text constructs already; all three are cleaned of
    characters XML cannot hold.
    """

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        cleaned = {
            key: xml_text(item[key]) for key in ("title", "author_name") if item[key] is not None
        }
        super().add_item_elements(handler, {**item, **cleaned, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", xml_text(item["description"]), {"type": "text"})


def _published() -> QuerySet[PublishedStatement]:
    return (
        PublishedStatement.objects.filter(index__isnull=False)
        .exclude(kind="withholding")
        .select_related("withheld_by")
        .order_by("-index")
    )


def signed_time(item: PublishedStatement) -> datetime:
    """The time line of the statement's signed head, to the second (the format has no finer)."""
    return item.signed_at.replace(microsecond=0)


class StatementFeed(Feed):  # type: ignore[type-arg]
    feed_type = PlainTextAtom

    def title(self) -> str:
        return _("firsthand: latest signed statements")

    def link(self) -> str:
        return reverse("pages:home")

    def subtitle(self) -> str:
        return _("First-person statements, signed by their authors and kept in a public log.")

    def items(self) -> list[PublishedStatement]:
        return _marking_stolen(_published()[:FEED_SIZE])

    def item_title(self, item: PublishedStatement) -> str:
        title = f"{KIND_LABELS.get(item.kind, item.kind)} · {_author(item)} · #{item.index}"
        if getattr(item, "stolen_key", False):
            return _("[Signed by a key its author reported stolen or lost]") + " " + title
        return title

    def item_description(self, item: PublishedStatement) -> str:
        # A withheld statement's body is erased from its row, and never goes out here either.
        if item.withheld_by_id is not None:
            text = _("The text of this statement is withheld by the operator.")
        else:
            text = item.body
        if item.kind == "profile":
            # The display name is in the signed head, which withholding leaves in the log:
            # the author page keeps showing it too (api.views.latest_profile).
            head = parse_head_text(parse_note(item.head.encode("utf-8")).text)
            text = _("Display name: %(name)s") % {"name": head.name} + "\n\n" + text
        return text

    def item_link(self, item: PublishedStatement) -> str:
        return reverse("pages:statement", args=[item.index])

    def item_pubdate(self, item: PublishedStatement) -> datetime:
        return signed_time(item)

    def item_updateddate(self, item: PublishedStatement) -> datetime:
        # RFC 4287 requires an entry's updated; a logged statement never changes.
        return signed_time(item)

    def item_author_name(self, item: PublishedStatement) -> str:
        return _author(item)

    def item_author_link(self, item: PublishedStatement) -> str:
        device = _device(item)
        identity = item.author_fingerprint if device is None else device.identity
        return reverse("pages:author", args=[identity])


def _marking_stolen(rows: QuerySet[PublishedStatement]) -> list[PublishedStatement]:
    """The feed's entries, each marked ``stolen_key`` when its key had been reported stolen
    by then, and ``speaks_for`` when a device key signed it after its certification: the
    revocations and devices of all the feed's keys are looked up once, not per entry."""
    entries = list(rows)
    keys = {row.author_fingerprint for row in entries}
    points = stolen_points(keys)  # devices' too
    devices = speaking_for(keys)
    for row in entries:
        row.stolen_key = is_stolen(row, points)  # type: ignore[attr-defined]
        device = devices.get(row.author_fingerprint)
        if device is not None and row.index is not None and row.index > device.added_by_index:
            row.speaks_for = device  # type: ignore[attr-defined]
    return entries


def _device(item: PublishedStatement) -> SpeaksFor | None:
    found: SpeaksFor | None = getattr(item, "speaks_for", None)
    return found


def _author(item: PublishedStatement) -> str:
    """The key's name (hidden characters shown) and the start of its fingerprint: the name
    alone is a label anyone can copy. A device's statement is the identity's, "from device"
    the device key: the identity is who the author is (docs/recovery.md, "Devices")."""
    device = _device(item)
    if device is not None:
        identity = visible_label(device.identity_name)
        return _("%(identity)s, from device %(device)s") % {
            "identity": f"{identity} ({short_fingerprint(device.identity)})",
            "device": f"{visible_label(device.device_name)} ({short_fingerprint(device.device)})",
        }
    name = visible_label(Verifier.from_text(item.author_key).name)
    return f"{name} ({short_fingerprint(item.author_fingerprint)})"


class AuthorFeed(StatementFeed):
    def get_object(self, request: HttpRequest, fingerprint: str) -> object:  # type: ignore[override]
        if not PublishedStatement.objects.filter(author_fingerprint=fingerprint).exists():
            raise Http404(fingerprint)
        return fingerprint

    def title(self, obj: object = None) -> str:  # type: ignore[override]
        # The key by the start of its fingerprint: the feed's own URL holds the whole.
        return _("firsthand: statements signed by key %(key_id)s") % {
            "key_id": short_fingerprint(str(obj))
        }

    def link(self, obj: object = None) -> str:  # type: ignore[override]
        return reverse("pages:author", args=[obj])

    def items(self, obj: object = None) -> list[PublishedStatement]:  # type: ignore[override]
        # The key's own statements, and its devices' from each device's certification on.
        mine = Q(author_fingerprint=obj)
        for device in devices_of([str(obj)]):
            mine |= Q(author_fingerprint=device.key, index__gt=device.index)
        return _marking_stolen(_published().filter(mine)[:FEED_SIZE])
