"""/healthz and /metrics: what an operator's monitoring asks of a log.

``/healthz`` answers 200 with a small JSON object while the site can read its
database and log and the sequencer keeps up (no statement has waited longer
than ``LAG_LIMIT_SECONDS`` for its index), else 503: a load balancer or a
systemd watchdog can act on it. ``/metrics`` is the Prometheus text format
(version 0.0.4) with the figures operators of logs watch: entries, statements
waiting for the sequencer and the oldest one's wait, each witness's lag behind
the log, withholdings and open reports. Neither names a reader or an author,
but keep /metrics to your monitoring at the proxy (docs/deploy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from firsthand.web import runtime
from firsthand.web.api.models import PublishedStatement

LAG_LIMIT_SECONDS = 60.0


@dataclass(frozen=True)
class Health:
    log_size: int
    pending: int  # statements stored, waiting for their index
    oldest_pending_seconds: float
    withholdings: int
    open_reports: int
    witness_lag: dict[str, int]  # witness name -> entries the newest tree it cosigned lacks

    @property
    def healthy(self) -> bool:
        return self.oldest_pending_seconds <= LAG_LIMIT_SECONDS


def health() -> Health:
    from firsthand.web.console.models import OPEN, Report
    from firsthand.web.pages.witness_status import witness_status

    log_size = runtime.log().reader.latest().size
    waiting = PublishedStatement.objects.filter(index__isnull=True).aggregate(
        oldest=Min("received_at")
    )["oldest"]
    pending = (
        PublishedStatement.objects.filter(index__isnull=True).count() if waiting is not None else 0
    )
    oldest = 0.0 if waiting is None else (datetime.now(UTC) - waiting).total_seconds()
    return Health(
        log_size=log_size,
        pending=pending,
        oldest_pending_seconds=max(0.0, oldest),
        withholdings=PublishedStatement.objects.filter(
            kind="withholding", index__isnull=False
        ).count(),
        open_reports=Report.objects.filter(status=OPEN).count(),
        witness_lag={w.name: log_size - (w.cosigned_size or 0) for w in witness_status()},
    )


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    found = health()
    response = JsonResponse(
        {
            "status": "ok" if found.healthy else "sequencer behind",
            "log_size": found.log_size,
            "pending": found.pending,
            "oldest_pending_seconds": round(found.oldest_pending_seconds, 3),
        },
        status=200 if found.healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    found = health()
    lines = [
        "# HELP firsthand_log_entries Entries in the log's newest checkpoint.",
        "# TYPE firsthand_log_entries gauge",
        f"firsthand_log_entries {found.log_size}",
        "# HELP firsthand_statements_pending Statements stored and waiting for their index.",
        "# TYPE firsthand_statements_pending gauge",
        f"firsthand_statements_pending {found.pending}",
        "# HELP firsthand_sequencer_lag_seconds How long the oldest pending statement has waited.",
        "# TYPE firsthand_sequencer_lag_seconds gauge",
        f"firsthand_sequencer_lag_seconds {found.oldest_pending_seconds:.3f}",
        "# HELP firsthand_witness_lag_entries Entries the newest tree a witness cosigned lacks.",
        "# TYPE firsthand_witness_lag_entries gauge",
        *(
            f'firsthand_witness_lag_entries{{witness="{_label(name)}"}} {lag}'
            for name, lag in sorted(found.witness_lag.items())
        ),
        "# HELP firsthand_withholdings Withholding notices in the log.",
        "# TYPE firsthand_withholdings gauge",
        f"firsthand_withholdings {found.withholdings}",
        "# HELP firsthand_reports_open Readers' reports the operator has not answered.",
        "# TYPE firsthand_reports_open gauge",
        f"firsthand_reports_open {found.open_reports}",
    ]
    response = HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain; version=0.0.4; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
