"""The page "Who said it?": paste a text, and the server says who signed or denied it.

A plain form posted to the server, so it works with JavaScript off; the
verdict is rendered here from the same ``who_said`` the API answers with
(firsthand/web/api/check.py).

The form is exempt from Django's CSRF check, and so sets no ``csrftoken``
cookie: a one-year cookie on every reader's browser would be an identifier
kept for nothing. CSRF protects actions a browser's credentials authorise; this
form changes nothing, and no cookie or session stands behind it, so a forged
post from another site could only make the reader's browser ask a question
whose answer that site cannot read (the same-origin policy keeps the page from
it). Its only cost, a check, is what any script may ask for directly, and the
limits count it like one.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from firsthand.attribution import NEAR_THRESHOLD, DiffSegment, Finding, Passage, Quote, numbered
from firsthand.attribution.headline import Group, groups
from firsthand.statements.identity import fingerprint_of_text, short_fingerprint
from firsthand.web.api import ratelimit
from firsthand.web.api.attribution_index import IndexNotReady
from firsthand.web.api.check import Answer, BadCheck, Logged, checkpoint_json, who_said
from firsthand.web.api.errors import ApiError
from firsthand.web.pages import localise
from firsthand.web.pages.presenting import KIND_LABELS

MAX_AUTHOR_CHARS = 300
# A result link carries the text in its fragment, compressed; past this it is too long to share.
MAX_SHARE_CHARS = 32_000


def _messages() -> dict[str, str]:
    """What page-check.js says, in the reader's language."""
    return {
        "copied": _("Copied."),
        "copy-failed": _("Your browser did not let the page copy: select the text and copy it."),
        "link-broken": _("This link does not hold a text this page can read."),
        "checking-link": _("Checking the text of the link…"),
    }


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


@dataclass(frozen=True)
class ShownPassage:
    """One passage of the checked text as the page marks it."""

    number: int | None  # None for the frame around a quote
    verdict: str
    text: str
    quoted: bool
    frame: bool
    gaps: int
    cut_before: int
    match: ShownMatch | None
    also: list[ShownMatch]
    source: str | None  # the leaf hash of what it rests on


def _passage(answer: Answer, number: int | None, passage: Passage) -> ShownPassage:
    return ShownPassage(
        number,
        passage.verdict,
        passage.text,
        passage.quoted,
        passage.frame,
        passage.gaps,
        passage.cut_before,
        _shown(answer, passage.finding) if passage.finding else None,
        [_shown(answer, f) for f in passage.also if f.statement.leaf_hash in answer.logged],
        passage.finding.statement.leaf_hash if passage.finding else None,
    )


def _informative(verdict: str, passages: list[ShownPassage]) -> bool:
    """Whether the passages say more than the headline: a frame, a gap, a cut, or passages
    that differ in verdict or in the statement they come from."""
    if verdict == "signed" or not passages:
        return False
    if any(p.gaps or p.cut_before or p.frame for p in passages):
        return True
    if verdict == "unknown":
        return False
    return len({p.verdict for p in passages}) > 1 or len({p.source for p in passages}) > 1


def _which(numbers: tuple[int, ...], total: int, rest: bool) -> str:
    """The passages a group holds, in words the reader's language has."""
    if rest:
        return _("the rest")
    if len(numbers) == total and total > 1:
        return _("every sentence")
    if len(numbers) == 1:
        n = numbers[0]
        if n == 1 and total > 1:
            return _("the first sentence")
        if n == total and total > 1:
            return _("the last sentence")
        return _("sentence %(n)s") % {"n": localise.digits(n, _lang())}
    shown = ", ".join(localise.digits(n, _lang()) for n in numbers)
    return ngettext("sentence %(list)s", "sentences %(list)s", len(numbers)) % {"list": shown}


def _lang() -> str:
    from firsthand.web.pages.jinja import language

    return language()[:2]


def _keys(findings: list[Finding]) -> str:
    """Who signed, as keys: each name with the start of its key's fingerprint (a name alone
    is not an identity: several keys may carry it)."""
    # Each in Unicode isolates (FSI ... PDI): a Latin name and hex digits in a Persian sentence
    # keep their own direction, in the page and in copied text alike.
    shown = dict.fromkeys(
        f"\u2068{f.statement.author_name} "
        f"({short_fingerprint(fingerprint_of_text(f.statement.author))})\u2069"
        for f in findings
    )
    return ("، " if _lang() == "fa" else ", ").join(shown)


def summary(answer: Answer) -> list[str]:
    """The headline's details, one sentence a group: which passages are whose, translated."""
    found = groups(answer.result.passages)
    numbers = {id(p): n for n, p in numbered(answer.result.passages)}
    total = sum(1 for n in numbers.values() if n is not None)
    lines = []
    for group in found:
        rest = group.verdict == "unknown" and group is found[-1] and len(found) > 1
        findings = [
            p.finding
            for p in answer.result.passages
            if p.finding is not None and numbers[id(p)] in group.numbers
        ]
        line = _group_line(group, _which(group.numbers, total, rest), _keys(findings), answer)
        lines.append(line[:1].upper() + line[1:])
    return lines


def _group_line(group: Group, which: str, names: str, answer: Answer) -> str:
    values = {"which": which, "names": names}
    if group.verdict == "denied":
        return _("%(names)s signed a denial of %(which)s.") % values
    if group.verdict == "contained":
        return _("%(which)s: word for word in a statement signed by %(names)s.") % values
    if group.verdict == "altered":
        return _("%(which)s: resembles what %(names)s signed, but words were changed.") % values
    if answer.author is not None and answer.author.fingerprints:
        return _("%(which)s: in no statement of %(names)s.") % {
            "which": which,
            "names": answer.author.given,
        }
    return _("%(which)s: in no statement here.") % values


def share_fragment(text: str, author: str) -> str | None:
    """The fragment of a link that re-runs this check: the text never reaches a server.

    ``check=`` and base64url (no padding) of the raw DEFLATE (RFC 1951) of the JSON
    ``{"t": text, "a": author}``: page-check.js opens it with DecompressionStream
    ("deflate-raw") and posts the form again. None if the text is too long to share.
    """
    data = json.dumps({"t": text, "a": author}, ensure_ascii=False).encode("utf-8")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    encoded = base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")
    return None if len(encoded) > MAX_SHARE_CHARS else f"check={encoded}"


def citation(
    request: HttpRequest,
    answer: Answer,
    text: str,
    headline: str,
    lines: list[str],
    link: str | None,
    checkpoint: dict[str, Any] | None,
) -> str:
    """The check as a reader cites it: what was checked, the verdict, the statements and proofs
    it rests on, the log's checkpoint, and the link that checks again."""
    now = datetime.now(UTC)
    shown = text.strip()
    excerpt = shown if len(shown) <= 280 else shown[:280].rstrip() + "…"
    out = [
        _("“%(excerpt)s”") % {"excerpt": excerpt},
        _("Who said it? (firsthand, %(site)s), %(date)s: %(headline)s")
        % {
            "site": request.build_absolute_uri(reverse("pages:check")),
            "date": localise.date(now, _lang(), with_time=True),
            "headline": headline,
        },
        *lines,
    ]
    seen: set[str] = set()
    for passage in answer.result.passages:
        finding = passage.finding
        if finding is None or finding.statement.leaf_hash in seen:
            continue
        row = answer.logged.get(finding.statement.leaf_hash)
        if row is None:
            continue
        seen.add(row.leaf_hash)
        out.append(
            _("Statement %(index)s by %(name)s (key %(fingerprint)s): %(url)s, proof: %(bundle)s")
            % {
                "index": localise.digits(row.index, _lang()),
                "name": row.author_name,
                "fingerprint": short_fingerprint(row.author_fingerprint),
                "url": request.build_absolute_uri(reverse("pages:statement", args=[row.index])),
                "bundle": request.build_absolute_uri(
                    reverse("api:statement-bundle", args=[row.index])
                ),
            }
        )
    for finding in answer.result.findings:
        row = answer.logged.get(finding.statement.leaf_hash)
        if row is not None and row.leaf_hash not in seen:
            seen.add(row.leaf_hash)
            out.append(
                _("Statement %(index)s by %(name)s (key %(fingerprint)s): %(url)s")
                % {
                    "index": localise.digits(row.index, _lang()),
                    "name": row.author_name,
                    "fingerprint": short_fingerprint(row.author_fingerprint),
                    "url": request.build_absolute_uri(reverse("pages:statement", args=[row.index])),
                }
            )
    if checkpoint is not None:
        out.append(
            _("Log checkpoint: %(origin)s, size %(size)s, root %(root)s")
            % {
                "origin": checkpoint["origin"],
                "size": checkpoint["size"],
                "root": checkpoint["root"],
            }
        )
    if link:
        out.append(_("Check again: %(link)s") % {"link": link})
    return "\n".join(out)


def _problem(error: BadCheck) -> str:
    if error.code == "no words":
        return _("The text has no words to check: only spaces, punctuation or symbols.")
    if error.code == "too long":
        return _("The text is too long to check: at most 1,000,000 characters.")
    return _(
        "The author is not a key this site can read. Give the whole key "
        "(name+hhhhhhhh+base64), its fingerprint, or the key's name."
    )


def _headline(answer: Answer) -> str:
    """The verdict in a sentence, for a citation, naming the keys it rests on."""
    verdict = answer.result.verdict
    keys = _keys(list(answer.result.findings))
    if answer.stolen_key:
        return _(
            "in a statement signed by the key %(keys)s after its author reported that key stolen "
            "or lost: these may not be the author's words."
        ) % {"keys": keys}
    if verdict == "signed":
        return _("word for word a statement signed by the key %(keys)s.") % {"keys": keys}
    if verdict == "denied":
        return _("the key %(keys)s signed a denial of this text, or of part of it.") % {
            "keys": keys
        }
    if verdict == "contained":
        return _("quoted, word for word, from a statement signed by the key %(keys)s.") % {
            "keys": keys
        }
    if verdict == "mixed":
        return _("mixed: part of it is in statements signed by %(keys)s, the rest in none.") % {
            "keys": keys
        }
    if verdict == "altered":
        return _("altered: it resembles a statement signed by %(keys)s, but words differ.") % {
            "keys": keys
        }
    return _("no statement or denial here matches it, which proves nothing either way.")


@csrf_exempt  # it changes nothing and no session stands behind it: see above
@require_http_methods(["GET", "HEAD", "POST"])
def check_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "text": "",
        "author": "",
        "threshold_percent": round(NEAR_THRESHOLD * 100),
        "messages": _messages(),
    }
    status = 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        author = request.POST.get("author", "")[:MAX_AUTHOR_CHARS]
        context.update(text=text, author=author)
        try:
            if not text.strip():
                raise BadCheck("empty", 400, "no words")
            ratelimit.require_token(request, "checks", "check")
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
            passages = [_passage(answer, n, p) for n, p in numbered(answer.result.passages)]
            fragment = share_fragment(text, author)
            link = None
            if fragment:
                link = request.build_absolute_uri(reverse("pages:check")) + "#" + fragment
            lines = summary(answer)
            headline = _headline(answer)
            context.update(
                answer=answer,
                verdict=answer.result.verdict,
                stolen_key=answer.stolen_key,
                matches=[_shown(answer, f) for f in answer.result.findings],
                others=[_shown(answer, f) for f in answer.result.other_findings],
                nobody_named=answer.author is not None and not answer.author.fingerprints,
                passages=passages,
                show_passages=_informative(answer.result.verdict, passages),
                summary=lines,
                mixed_scripts=answer.result.mixed_scripts,
                share_link=link,
                citation=citation(request, answer, text, headline, lines, link, checkpoint_json()),
            )
    response = render(request, "pages/check.html", context, status=status)
    response["Cache-Control"] = "no-store"  # a check names what a reader pasted
    return response
