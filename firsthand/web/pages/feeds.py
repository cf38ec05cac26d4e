"""Atom feeds: the whole site, and one per author (by key ID)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from firsthand.log.note import Verifier
from firsthand.web.api.models import PublishedStatement
from firsthand.web.pages.presenting import KIND_LABELS

FEED_SIZE = 50


def _published() -> QuerySet[PublishedStatement]:
    return (
        PublishedStatement.objects.filter(index__isnull=False)
        .exclude(kind="withholding")
        .select_related("withheld_by")
        .order_by("-index")
    )


class StatementFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("firsthand: latest signed statements")

    def link(self) -> str:
        return reverse("pages:home")

    def subtitle(self) -> str:
        return _("First-person statements, signed by their authors and kept in a public log.")

    def items(self) -> QuerySet[PublishedStatement]:
        return _published()[:FEED_SIZE]

    def item_title(self, item: PublishedStatement) -> str:
        name = Verifier.from_text(item.author_key).name
        return f"{KIND_LABELS.get(item.kind, item.kind)} · {name} · #{item.index}"

    def item_description(self, item: PublishedStatement) -> str:
        if item.withheld_by_id is not None:
            return _("The text of this statement is withheld by the operator.")
        return item.body

    def item_link(self, item: PublishedStatement) -> str:
        return reverse("pages:statement", args=[item.index])

    def item_pubdate(self, item: PublishedStatement) -> datetime:
        return item.received_at

    def item_author_name(self, item: PublishedStatement) -> str:
        return Verifier.from_text(item.author_key).name


class AuthorFeed(StatementFeed):
    def get_object(self, request: HttpRequest, key_id: str) -> object:  # type: ignore[override]
        key_id = key_id.lower()
        if not PublishedStatement.objects.filter(author_key_id=key_id).exists():
            raise Http404(key_id)
        return key_id

    def title(self, obj: object = None) -> str:  # type: ignore[override]
        return _("firsthand: statements signed by key %(key_id)s") % {"key_id": obj}

    def link(self, obj: object = None) -> str:  # type: ignore[override]
        return reverse("pages:author", args=[obj])

    def items(self, obj: object = None) -> QuerySet[PublishedStatement]:  # type: ignore[override]
        return _published().filter(author_key_id=obj)[:FEED_SIZE]
