"""The website's pages: rendered on the server, readable with JavaScript off.

Every page works without JavaScript except writing and signing, which need
the browser's WebCrypto (the key never leaves the device); those pages say
so in a <noscript>. Scripts only add to what the server rendered.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from firsthand.log.merkle import leaf_hash
from firsthand.web import runtime
from firsthand.web.api.authors import key_chain, keys_with_key_id, look_alikes, predecessor
from firsthand.web.api.devices import devices_of
from firsthand.web.api.models import PublishedStatement, statement_at
from firsthand.web.api.once_per_request import answered_once
from firsthand.web.api.revocations import trusted_contacts
from firsthand.web.api.views import chain_statements, latest_profile
from firsthand.web.pages import script_messages
from firsthand.web.pages import search as full_text
from firsthand.web.pages.pagecache import by_log_size
from firsthand.web.pages.presenting import checked, responses_to, show, show_all
from firsthand.web.pages.printable import verify_command
from firsthand.web.pages.proof import proof_picture, shapes_markup
from firsthand.web.pages.script_messages import evaluated
from firsthand.web.pages.verifier_download import verifier_sha256
from firsthand.web.pages.witness_status import BAR_WIDTH, witness_status

PAGE_SIZE = 20


class NewestFirst:
    """One page of the newest statements, with "newer" and "older" links and no total.

    Django's Paginator counts the whole table on every page it builds: a scan
    of a million rows each time the log grows and the page is built again.
    Reading one row past the page tells whether there is an older one.
    """

    def __init__(self, rows: QuerySet[PublishedStatement], number: str | None) -> None:
        try:
            self.number = max(1, int(number or 1))
        except ValueError:
            self.number = 1
        start = (self.number - 1) * PAGE_SIZE
        found = list(rows[start : start + PAGE_SIZE + 1])
        self.items = found[:PAGE_SIZE]
        self.has_next = len(found) > PAGE_SIZE
        self.has_previous = self.number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number = self.number + 1
        self.previous_page_number = self.number - 1

    def __iter__(self) -> Iterator[PublishedStatement]:
        return iter(self.items)


@require_safe
@by_log_size
def home(request: HttpRequest) -> HttpResponse:
    rows = PublishedStatement.objects.filter(index__isnull=False).select_related("withheld_by")
    page = NewestFirst(rows.exclude(kind="withholding").order_by("-index"), request.GET.get("page"))
    latest = runtime.log().reader.latest()
    return render(
        request,
        "pages/home.html",
        {"page": page, "statements": show_all(list(page)), "log_size": latest.size},
    )


@require_safe
@by_log_size
def statement(request: HttpRequest, index: int) -> HttpResponse:
    row = statement_at(index)
    if row is None:
        raise Http404(f"statement {index}")
    shown = show(row)
    result = checked(row)
    picture = None
    if result.verdict is not None:
        picture = proof_picture(
            index,
            result.bundle["tree_size"],
            leaf_hash(row.head.encode("utf-8")),
            [base64.b64decode(p) for p in result.bundle["inclusion_proof"]],
        )
    return render(
        request,
        "pages/statement.html",
        {
            "s": shown,
            "result": result,
            "picture": picture,
            "picture_shapes": shapes_markup(picture) if picture else "",
            "responses": responses_to(row),
            "log_key": runtime.log().verifier.text(),
            "operator_key": runtime.operator().verifier().text(),
            "witness_keys": " ".join(w.verifier.text() for w in runtime.witnesses()),
            # The command a journalist runs on the downloaded bundle, keys filled in.
            "verify_command": verify_command(
                runtime.log().verifier.text(),
                [c.key for c in result.verdict.cosigned_by] if result.verdict else [],
                f"statement-{index}.bundle.json",
            ),
            "verifier_sha256": verifier_sha256(),
            "leaf_hash": leaf_hash(row.head.encode("utf-8")).hex(),
            "messages": evaluated(script_messages.VERIFY),
            # Who runs each witness that cosigned, in the operator's words (as on the print
            # page and How it works): a key name alone tells a journalist nothing.
            "witness_about": {
                c.name: runtime.witness_about(c.name)
                for c in (result.verdict.cosigned_by if result.verdict else [])
            },
        },
    )


@require_safe
@by_log_size
@answered_once
def author(request: HttpRequest, fingerprint: str) -> HttpResponse:
    chain = key_chain(fingerprint)
    rows = chain_statements(chain)
    logged = PublishedStatement.objects.filter(index__isnull=False)
    vouches = show_all(
        list(logged.filter(kind="vouch", subject_fingerprint=fingerprint).order_by("-index"))
    )
    claims = show_all(
        list(logged.filter(kind="key-rotation", subject_fingerprint=fingerprint).order_by("index"))
    )
    if not rows and not vouches and not claims:
        raise Http404(f"author {fingerprint}")
    statements = show_all(rows)
    names = sorted({s.author.name for s in statements})
    before = predecessor(fingerprint)
    return render(
        request,
        "pages/author.html",
        {
            "fingerprint": fingerprint,
            "profile": latest_profile(rows),
            "names": names,
            "keys": sorted({s.author.text() for s in statements}),
            "statements": statements,
            "vouches": vouches,
            "successors": [k for k, _ in chain[1:]],
            "predecessor": before,
            # Rotations naming this key that the chain does not follow: claims, not facts.
            "unaccepted_claims": [c for c in claims if c.row.author_fingerprint != before],
            "look_alikes": look_alikes(fingerprint),
            "contacts": trusted_contacts(chain[-1][0]),
            "devices": devices_of(key for key, _ in chain),
        },
    )


@require_safe
def author_by_key_id(request: HttpRequest, key_id: str, feed: bool = False) -> HttpResponse:
    """An old link by the 32-bit key ID: a redirect to the one key it names here, or, when
    several keys share it (anyone can grind one that does), a page listing them all."""
    keys = keys_with_key_id(key_id)
    if not keys:
        raise Http404(f"key ID {key_id}")
    if len(keys) == 1:
        return redirect("pages:author-feed" if feed else "pages:author", keys[0].fingerprint)
    response = render(request, "pages/same_key_id.html", {"key_id": key_id, "keys": keys})
    response.status_code = 300  # Multiple Choices: the page lists them
    return response


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    found = full_text.search(query, limit=50) if query else []
    return render(
        request,
        "pages/search.html",
        {"query": query, "statements": show_all(found)},
    )


@require_safe
def write(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/write.html",
        {
            "kind": request.GET.get("kind", "declaration"),
            "messages": evaluated(script_messages.WRITE),
        },
    )


@require_safe
def identity(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/identity.html", {"messages": evaluated(script_messages.IDENTITY)})


@require_safe
def trusted_contacts_page(request: HttpRequest) -> HttpResponse:
    """Name trusted contacts (k of n): signed in the browser with the key kept there."""
    return render(request, "pages/contacts.html", {"messages": evaluated(script_messages.TRUST)})


@require_safe
def device_page(request: HttpRequest) -> HttpResponse:
    """Add a device: its key is made on it, the identity key certifies it on the other."""
    return render(request, "pages/device.html", {"messages": evaluated(script_messages.TRUST)})


@require_safe
def social_recovery_page(request: HttpRequest) -> HttpResponse:
    """Recover with trusted contacts: the request, a contact's co-signature, the publishing."""
    return render(
        request, "pages/social_recovery.html", {"messages": evaluated(script_messages.SOCIAL)}
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/about.html",
        {
            "log_key": runtime.log().verifier.text(),
            "operator_key": runtime.operator().verifier().text(),
            "contact": getattr(settings, "FIRSTHAND_CONTACT", ""),  # from `firsthand init`
            "checkpoint": runtime.published_checkpoint().note.decode("utf-8"),
            "witnesses": witness_status(),
            "witness_command": verify_command(
                runtime.log().verifier.text(),
                [w.verifier.text() for w in runtime.witnesses()],
                "BUNDLE",
                program=("firsthand",),
            ),
            "bar_width": BAR_WIDTH,
        },
    )
