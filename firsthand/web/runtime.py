"""The site's view of this process's log.

firsthand/publishing/process.py opens the log from the settings, starts its
sequencer where one runs (`firsthand serve`), and picks a worker's route to
one; the site's modules call it through here (``runtime.log()``,
``runtime.operator()``...). What only the pages read is here too: the newest
checkpoint with its witnesses' cosignatures (kept in the data directory,
``checkpoint.cosigned``, where every worker finds it for ``/checkpoint`` and
for bundles), and who runs each witness.
"""

from __future__ import annotations

from django.conf import settings

from firsthand.log.storage import StoredCheckpoint
from firsthand.publishing.process import close as close
from firsthand.publishing.process import collector as collector
from firsthand.publishing.process import cosigned_file as cosigned_file
from firsthand.publishing.process import intake as intake
from firsthand.publishing.process import log as log
from firsthand.publishing.process import operator as operator
from firsthand.publishing.process import sequenced_elsewhere as sequenced_elsewhere
from firsthand.publishing.process import sequenced_waiter as sequenced_waiter
from firsthand.publishing.process import sequencer as sequencer
from firsthand.publishing.process import start_sequencer as start_sequencer
from firsthand.publishing.process import stop_sequencer as stop_sequencer
from firsthand.publishing.process import witnesses as witnesses


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


def witness_about(name: str) -> str:
    """Who runs the witness named ``name``, as the operator describes it (settings
    FIRSTHAND_WITNESS_ABOUT, `firsthand serve --witness-about`); empty when not said."""
    return str(settings.FIRSTHAND_WITNESS_ABOUT.get(name, "")).strip()
