"""A statement's printable proof: one A4 page a court or a caseworker can be handed.

It holds what a reader on paper needs to find the statement again and check it
offline: the text, the author's name and whole fingerprint, the date in both
calendars, the log checkpoint the proof is against (origin, size, root hash), the
witnesses that cosigned it (and who runs them), the command that verifies the
bundle, and a QR code of the statement's address with its leaf hash after ``#leaf=``.
The fragment never reaches the server; the statement page prints the same leaf hash,
so a reader who scans the code can compare the two.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from firsthand.log.merkle import leaf_hash
from firsthand.web import runtime
from firsthand.web.api.models import statement_at
from firsthand.web.pages import localise
from firsthand.web.pages.pagecache import by_log_size
from firsthand.web.pages.presenting import checked, show
from firsthand.web.pages.verifier_download import FILE_NAME


@dataclass(frozen=True)
class PrintedCheckpoint:
    """The three lines of a checkpoint (C2SP tlog-checkpoint) a printed proof quotes."""

    origin: str
    size: int
    root_base64: str

    @property
    def root_hex(self) -> str:
        return base64.b64decode(self.root_base64).hex()


def printed_checkpoint(note_text: str) -> PrintedCheckpoint:
    origin, size, root = note_text.split("\n")[:3]
    return PrintedCheckpoint(origin, int(size), root)


def public_address(request: HttpRequest, path: str) -> str:
    """The address readers type (FIRSTHAND_PUBLIC_URL), not the one this request came by."""
    base = getattr(settings, "FIRSTHAND_PUBLIC_URL", "")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def verify_command(
    log_key: str,
    witness_keys: list[str],
    bundle_name: str,
    program: tuple[str, ...] = ("python3", FILE_NAME),
) -> str:
    """The verify command with this log's key and witnesses filled in, for the bundle file:
    by default the single-file verifier's, which takes the arguments of `firsthand verify`."""
    words = [*program, "verify", "--log-key", log_key]
    for key in witness_keys:
        words += ["--witness", key]
    if witness_keys:
        words += ["--quorum", str(len(witness_keys))]
    return " ".join([*words, bundle_name])


@require_safe
@by_log_size
def statement_print(request: HttpRequest, index: int) -> HttpResponse:
    row = statement_at(index)
    if row is None:
        raise Http404(f"statement {index}")
    shown = show(row)
    result = checked(row)
    leaf = leaf_hash(row.head.encode("utf-8")).hex()
    address = public_address(request, reverse("pages:statement", args=[index]))
    language = (translation.get_language() or "en").split("-")[0]
    solar, gregorian = localise.both_calendars(shown.head.time, language)
    cosigned: list[dict[str, Any]] = []
    checkpoint = None
    if result.verdict is not None:
        checkpoint = printed_checkpoint(result.bundle["checkpoint"])
        cosigned = [
            {"name": c.name, "key": c.key, "time": c.time, "about": runtime.witness_about(c.name)}
            for c in result.verdict.cosigned_by
        ]
    return render(
        request,
        "pages/statement_print.html",
        {
            "s": shown,
            "result": result,
            "leaf_hash": leaf,
            "address": address,
            "qr_text": f"{address}#leaf={leaf}",
            "bundle_address": public_address(
                request, reverse("api:statement-bundle", args=[index])
            ),
            "verifier_address": public_address(request, reverse("verifier-download")),
            "solar_date": solar,
            "gregorian_date": gregorian,
            "checkpoint": checkpoint,
            "cosigned": cosigned,
            "command": verify_command(
                runtime.log().verifier.text(),
                [c["key"] for c in cosigned],
                f"statement-{index}.bundle.json",
            ),
        },
    )
