"""This process's log, its sequencer if it runs one, and its route to one if not.

Opened from the settings on first use (DATA_DIR, LOG_ORIGIN,
FIRSTHAND_DATABASE_URL, FIRSTHAND_SEQUENCER, FIRSTHAND_INTAKE,
FIRSTHAND_WITNESSES, FIRSTHAND_TILES_EXPORT: web/settings.py reads them from
the environment). The sequencer runs only where it is started (`firsthand
serve`, `firsthand sequencer`); a plain WSGI worker reads the log but never
writes it, and hands statements to the sequencer (routes.py). Where witnesses
are configured, the sequencing process also runs the cosignature collector:
each new checkpoint goes round the witnesses in the background, and the newest
cosigned one is kept in the data directory (``checkpoint.cosigned``), where
every worker finds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection, connections

from firsthand.log.cosigned_store import COSIGNED_NAME, CosignedCheckpointFile
from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.export import BackgroundExporter, TileSink, open_sink
from firsthand.log.note import Signer
from firsthand.log.reader import LogReader
from firsthand.log.sequencer import Sequencer
from firsthand.log.storage import StoredCheckpoint
from firsthand.log.witness_client import (
    CosignatureCollector,
    CosignedCheckpoint,
    WitnessClient,
    WitnessEndpoint,
)
from firsthand.publishing.intake import CONNECT_SECONDS, IntakeClient, socket_path
from firsthand.publishing.notify import SequencedWaiter
from firsthand.publishing.rows import Rows
from firsthand.publishing.rows_sql import PostgreSQLRows, SQLiteRows
from firsthand.statements.keys import load_or_create_operator_key

# What writes the tiles (and whatever else the site serves from them) to the export sink.
ExporterFactory = Callable[[LogReader, TileSink], BackgroundExporter]

_lock = threading.Lock()
_log: LogInstance | None = None
_sequencer: Sequencer | None = None
_operator: Signer | None = None
_cosigned: CosignedCheckpointFile | None = None
_waiter: SequencedWaiter | None = None
_intake: IntakeClient | None = None
_rows: Rows | None = None
_exporter: BackgroundExporter | None = None
_collector: CosignatureCollector | None = None
_export_with: ExporterFactory = BackgroundExporter


def log() -> LogInstance:
    global _log
    with _lock:
        if _log is None:
            database = settings.FIRSTHAND_DATABASE_URL or None
            _log = open_log(settings.DATA_DIR, settings.LOG_ORIGIN, database)
        return _log


def operator() -> Signer:
    """The operator's key (data dir ``operator.key``): it signs withholding notices only."""
    global _operator
    instance = log()
    with _lock:
        if _operator is None:
            _operator = load_or_create_operator_key(instance.directory, instance.signer.name)
        return _operator


def cosigned_file() -> CosignedCheckpointFile:
    global _cosigned
    instance = log()
    with _lock:
        if _cosigned is None:
            _cosigned = CosignedCheckpointFile(
                instance.directory / COSIGNED_NAME, instance.verifier
            )
        return _cosigned


def rows() -> Rows:
    """The statements' rows, on this process's database (rows_sql.py)."""
    global _rows
    with _lock:
        if _rows is None:
            if connection.vendor == "postgresql":
                _rows = PostgreSQLRows(sequenced_elsewhere)
            else:
                _rows = SQLiteRows()
        return _rows


def witnesses() -> list[WitnessEndpoint]:
    """The witnesses this log asks to cosign (settings.FIRSTHAND_WITNESSES)."""
    return [WitnessEndpoint.from_text(text) for text in settings.FIRSTHAND_WITNESSES]


def export_with(factory: ExporterFactory) -> None:
    """How this site exports after each batch, when FIRSTHAND_TILES_EXPORT says where: the
    tiles alone by default; the site registers its own (web/api/apps.py: tiles and media)."""
    global _export_with
    _export_with = factory


def start_sequencer(period: float, witness_timeout: float = 10.0) -> Sequencer:
    """Start this process's sequencer; only `firsthand serve`, `firsthand sequencer` (or a
    test) calls this.

    With witnesses configured, every new checkpoint is also sent round them
    for cosignatures, on a background thread that never holds up sequencing.
    """
    global _sequencer, _collector, _exporter
    instance = log()
    collector = None
    configured = witnesses()
    if configured:
        collector = _start_collector(instance, configured, witness_timeout)
    with _lock:
        if _sequencer is None:
            _collector = collector
            exporter = _start_exporter(instance)
            _exporter = exporter

            def published(checkpoint: StoredCheckpoint) -> None:
                if collector is not None:
                    collector.submit(checkpoint.note)
                if exporter is not None:
                    exporter.submit()

            _sequencer = Sequencer(
                instance.storage, instance.signer, period=period, on_checkpoint=published
            )
            _sequencer.start()
        elif collector is not None:
            collector.stop()
            collector = None
    if collector is not None:
        # Witnesses may not have seen what was logged before this start.
        collector.submit(instance.reader.latest().note)
    return _sequencer


def _start_collector(
    instance: LogInstance, witnesses: list[WitnessEndpoint], timeout: float
) -> CosignatureCollector:
    keep = cosigned_file()

    def store(cosigned: CosignedCheckpoint) -> None:
        if cosigned.cosigners:
            keep.save(cosigned.note)

    client = WitnessClient(witnesses, instance.reader.consistency_proof, timeout=timeout)
    collector = CosignatureCollector(client, instance.verifier, on_cosigned=store)
    collector.start()
    return collector


def _start_exporter(instance: LogInstance) -> BackgroundExporter | None:
    """Tiles, and what the site adds to them, to a directory or object store too
    (settings.FIRSTHAND_TILES_EXPORT), if asked."""
    where = getattr(settings, "FIRSTHAND_TILES_EXPORT", "")
    if not where:
        return None
    return _export_with(instance.reader, open_sink(where))


def collector() -> CosignatureCollector | None:
    return _collector


def exporter() -> BackgroundExporter | None:
    return _exporter


def sequencer() -> Sequencer | None:
    return _sequencer


def on_postgresql() -> bool:
    """Whether the site's database is PostgreSQL (FIRSTHAND_DATABASE_URL), not SQLite."""
    return bool(settings.FIRSTHAND_DATABASE_URL)


def sequenced_elsewhere() -> bool:
    """Whether `firsthand sequencer` logs this site's statements, not this process."""
    return bool(settings.FIRSTHAND_SEQUENCER == "external")


def intake() -> IntakeClient | None:
    """Where this web worker hands statements to `firsthand sequencer` (intake.py): always on
    SQLite, and on PostgreSQL with FIRSTHAND_INTAKE. None: it sequences them itself, or it
    stores rows for a sequencer that may be on another machine (sequenced_waiter)."""
    global _intake
    if not sequenced_elsewhere():
        return None
    if settings.FIRSTHAND_DATABASE_URL and not settings.FIRSTHAND_INTAKE:
        return None
    with _lock:
        if _intake is None:
            # On PostgreSQL a worker that cannot reach the socket stores the row instead
            # (routes.ThroughIntake), so it does not wait for one to appear.
            wait = 0.0 if settings.FIRSTHAND_DATABASE_URL else CONNECT_SECONDS
            _intake = IntakeClient(socket_path(settings.DATA_DIR), wait)
        return _intake


def sequenced_waiter() -> SequencedWaiter:
    """The listener that wakes request threads when `firsthand sequencer` logged their rows."""
    global _waiter
    with _lock:
        if _waiter is None:
            _waiter = SequencedWaiter(
                settings.FIRSTHAND_DATABASE_URL, lambda: log().reader.latest()
            )
        return _waiter


def close() -> None:
    """Close the log and the site's database connections, and forget them (before a fork).

    A SQLite connection or a file lock must never be shared by two processes;
    whoever calls ``log()`` next opens the log afresh.
    """
    global _log, _operator, _cosigned, _waiter, _intake
    stop_sequencer()
    with _lock:
        if _log is not None:
            _log.storage.close()
        _log = _operator = _cosigned = _waiter = _intake = None
    connections.close_all()


def stop_sequencer() -> None:
    global _sequencer, _collector, _exporter
    with _lock:
        if _sequencer is not None:
            _sequencer.stop()
            _sequencer = None
        if _collector is not None:
            _collector.stop()
            _collector = None
        if _exporter is not None:
            _exporter.stop()
            _exporter = None
