"""The one log instance of this process, opened from the settings on first use.

The sequencer runs only where it is started (``firsthand serve``); a plain
WSGI worker reads the log but never writes it. Where witnesses are configured,
the sequencing process also runs the cosignature collector: each new
checkpoint goes round the witnesses in the background, and the newest cosigned
one is kept in the data directory (``checkpoint.cosigned``), where every
worker finds it for ``/checkpoint`` and for bundles.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.conf import settings

from firsthand.log.cosigned_store import COSIGNED_NAME, CosignedCheckpointFile
from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.export import BackgroundExporter, open_sink
from firsthand.log.note import Signer
from firsthand.log.sequencer import Sequencer
from firsthand.log.storage import StoredCheckpoint
from firsthand.log.witness_client import (
    CosignatureCollector,
    CosignedCheckpoint,
    WitnessClient,
    WitnessEndpoint,
)
from firsthand.statements.keys import load_or_create_operator_key

if TYPE_CHECKING:
    from firsthand.web.api.intake import IntakeClient
    from firsthand.web.api.sequencing import SequencedWaiter

_lock = threading.Lock()
_log: LogInstance | None = None
_sequencer: Sequencer | None = None
_operator: Signer | None = None
_cosigned: CosignedCheckpointFile | None = None
_waiter: SequencedWaiter | None = None
_intake: IntakeClient | None = None
_exporter: BackgroundExporter | None = None
_collector: CosignatureCollector | None = None


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


def published_checkpoint() -> StoredCheckpoint:
    """The latest checkpoint, with the witnesses' cosignatures once they have come in.

    Sequencing never waits for witnesses, so for a few milliseconds after a
    batch the newest checkpoint has only the log's signature.
    """
    latest = log().reader.latest()
    cosigned = cosigned_file().load()
    if cosigned is not None and cosigned.size == latest.size:
        return cosigned
    return latest


def log_state() -> tuple[int, int]:
    """What reading pages depend on: the log's size, and which cosignatures have come in.

    Pages show the witnesses' cosignatures, which arrive after the log grows,
    so caches of rendered pages and verdicts are keyed on both.
    """
    cosigned = cosigned_file().load()
    return log().reader.latest().size, 0 if cosigned is None else hash(cosigned.note)


def checkpoint_for_entry(index: int) -> StoredCheckpoint:
    """The checkpoint a bundle of entry ``index`` proves against: the newest cosigned one if it
    holds the entry, else the latest, which only the log has signed (see ``witnessed``)."""
    cosigned = cosigned_file().load()
    if cosigned is not None and cosigned.size > index:
        return cosigned
    return log().reader.latest()


def witnessed() -> bool:
    """Whether witnesses cosign this log: configured here, or (where `firsthand sequencer`
    collects the cosignatures) a cosigned checkpoint kept in the data directory.

    Sequencing never waits for them, so an entry logged moments ago is held by no cosigned
    checkpoint yet: its bundle says so (api/views.py, ``Firsthand-Cosigned: pending``), and a
    client that wants the cosigned proof asks again (`publish --bundle-dir` does).
    """
    return bool(settings.FIRSTHAND_WITNESSES) or cosigned_file().load() is not None


def witnesses() -> list[WitnessEndpoint]:
    """The witnesses this log asks to cosign (settings.FIRSTHAND_WITNESSES)."""
    return [WitnessEndpoint.from_text(text) for text in settings.FIRSTHAND_WITNESSES]


def start_sequencer(period: float, witness_timeout: float = 10.0) -> Sequencer:
    """Start this process's sequencer; only `firsthand serve` (or a test) calls this.

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
    """Tiles, and the media everyone may fetch, to a directory or object store too
    (settings.FIRSTHAND_TILES_EXPORT), if asked."""
    where = getattr(settings, "FIRSTHAND_TILES_EXPORT", "")
    if not where:
        return None
    from firsthand.web.media_export import TilesAndMediaExporter  # needs Django's apps ready

    return TilesAndMediaExporter(instance.reader, open_sink(where))


def collector() -> CosignatureCollector | None:
    return _collector


def sequencer() -> Sequencer | None:
    return _sequencer


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
            from firsthand.web.api.intake import CONNECT_SECONDS, IntakeClient, socket_path

            # On PostgreSQL a worker that cannot reach the socket stores the row instead
            # (publish.record_statement), so it does not wait for one to appear.
            wait = 0.0 if settings.FIRSTHAND_DATABASE_URL else CONNECT_SECONDS
            _intake = IntakeClient(socket_path(settings.DATA_DIR), wait)
        return _intake


def sequenced_waiter() -> SequencedWaiter:
    from firsthand.web.api.sequencing import SequencedWaiter  # needs Django's apps ready

    global _waiter
    with _lock:
        if _waiter is None:
            _waiter = SequencedWaiter(settings.FIRSTHAND_DATABASE_URL)
        return _waiter


def close() -> None:
    """Close the log and the site's database connections, and forget them (before a fork).

    A SQLite connection or a file lock must never be shared by two processes;
    whoever calls ``log()`` next opens the log afresh.
    """
    global _log, _operator, _cosigned, _waiter, _intake
    from django.db import connections

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
