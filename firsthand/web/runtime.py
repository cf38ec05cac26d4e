"""The one log instance of this process, opened from the settings on first use.

The sequencer runs only where it is started (``firsthand serve``); a plain
WSGI worker reads the log but never writes it.
"""

from __future__ import annotations

import threading

from django.conf import settings

from firsthand.log.datadir import LogInstance, open_log
from firsthand.log.note import Signer
from firsthand.log.sequencer import Sequencer
from firsthand.statements.keys import load_or_create_operator_key

_lock = threading.Lock()
_log: LogInstance | None = None
_sequencer: Sequencer | None = None
_operator: Signer | None = None


def log() -> LogInstance:
    global _log
    with _lock:
        if _log is None:
            _log = open_log(settings.DATA_DIR, settings.LOG_ORIGIN)
        return _log


def operator() -> Signer:
    """The operator's key (data dir ``operator.key``): it signs withholding notices only."""
    global _operator
    instance = log()
    with _lock:
        if _operator is None:
            _operator = load_or_create_operator_key(instance.directory, instance.signer.name)
        return _operator


def start_sequencer(period: float) -> Sequencer:
    """Start this process's sequencer; only `firsthand serve` (or a test) calls this."""
    global _sequencer
    instance = log()
    with _lock:
        if _sequencer is None:
            _sequencer = Sequencer(instance.storage, instance.signer, period=period)
            _sequencer.start()
        return _sequencer


def sequencer() -> Sequencer | None:
    return _sequencer


def stop_sequencer() -> None:
    global _sequencer
    with _lock:
        if _sequencer is not None:
            _sequencer.stop()
            _sequencer = None
