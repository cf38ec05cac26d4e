"""Nothing left behind: the scratch directory where uploads are cleaned, and unpublished uploads.

An upload's original bytes (GPS, serial numbers, faces in a thumbnail) exist on
this server only while it is being cleaned, in a private temporary directory
removed when the cleaning ends (media/tools.py ``workspace``). A process killed
in the middle never gets to remove it. So every temporary file of a serving
process goes under one **scratch directory** of this data directory's own,
which can be swept:

- ``FIRSTHAND_SCRATCH``, or by default a directory on a tmpfs (``/dev/shm``,
  memory that never reaches a disk unless the machine swaps) where the machine
  has one, else ``DATA/scratch``. Overwriting a file before unlinking it means
  nothing on SSDs and copy-on-write file systems, so the only sure way to keep
  originals off the disk is not to write them there: prefer the tmpfs, and
  give it room for two uploads per worker (docs/deploy.md);
- each worker process cleans in ``<scratch>/<pid>/`` (Python's tempfile
  directory for that process, ``use_scratch``);
- `firsthand serve` sweeps it as it starts (``sweep_scratch``: every directory
  of a process no longer alive goes), and each worker sweeps it again every
  ``SWEEP_SECONDS`` (a worker killed alone, and anything older than
  ``STALE_SECONDS`` even in a live worker's directory).

Uploads that no statement ever lists are deleted ``FIRSTHAND_UNPUBLISHED_MEDIA_HOURS``
after they were made (``expire_unpublished``): the site is no free file host,
and an author who changed their mind leaves nothing behind. The same schedule
retries a WAL truncation that a withholding could not finish (publishing/erasure.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 300.0
# No cleaning runs this long (each tool stops after 120 s, and there are a handful):
# older files in a live worker's directory are a leak.
STALE_SECONDS = 3600.0
_TMPFS = ("tmpfs", "ramfs")


def mount_type(path: Path) -> str:
    """The file system type of the mount that holds ``path`` (Linux's /proc/mounts)."""
    best, kind = "", ""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    target = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def default_scratch(data_dir: Path) -> Path:
    """A tmpfs directory named after the data directory, or DATA/scratch without one."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and mount_type(shm) in _TMPFS:
        tag = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
        return shm / f"firsthand-{tag}"
    return data_dir / "scratch"


def scratch_root() -> Path:
    configured = getattr(settings, "FIRSTHAND_SCRATCH", "")
    root = Path(configured) if configured else default_scratch(Path(settings.DATA_DIR))
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def use_scratch() -> Path:
    """Make ``<scratch>/<pid>`` this process's temporary directory: every ``tempfile``
    workspace (the uploads, the cleaning tools' files) is made there from now on."""
    own = scratch_root() / str(os.getpid())
    own.mkdir(mode=0o700, exist_ok=True)
    tempfile.tempdir = str(own)
    return own


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs. A zombie does not: a killed worker whose parent died too
    may wait unreaped for a long time where nothing reaps orphans (PID 1 in a container)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc: believe kill()
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def sweep_scratch(root: Path | None = None, now: float | None = None) -> int:
    """Remove what no live process is using: directories of dead processes, anything not
    made by a process, and anything older than STALE_SECONDS. How many entries went."""
    root = scratch_root() if root is None else root
    now = time.time() if now is None else now
    removed = 0
    for entry in list(root.iterdir()):
        process_dir = entry.is_dir() and not entry.is_symlink() and entry.name.isdigit()
        if process_dir and _alive(int(entry.name)):
            removed += _remove_stale(entry, now)
            continue
        _remove(entry)
        removed += 1
    return removed


def _remove_stale(directory: Path, now: float) -> int:
    removed = 0
    for entry in list(directory.iterdir()):
        try:
            if now - entry.lstat().st_mtime > STALE_SECONDS:
                _remove(entry)
                removed += 1
        except FileNotFoundError:
            continue  # its cleaning ended meanwhile
    return removed


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def expire_unpublished(now: float | None = None) -> int:
    """Delete uploads older than FIRSTHAND_UNPUBLISHED_MEDIA_HOURS that no statement lists
    (a statement waiting for its index counts: its row lists them). How many went."""
    from firsthand.web.api import media_store
    from firsthand.web.api.models import StatementMedia

    hours = float(getattr(settings, "FIRSTHAND_UNPUBLISHED_MEDIA_HOURS", 24))
    if hours <= 0:
        return 0
    now = time.time() if now is None else now
    folder = media_store.folder()
    old = {}
    for path in folder.iterdir():
        if media_store.HEX64.fullmatch(path.name):
            try:
                if now - path.stat().st_mtime > hours * 3600:
                    old[path.name] = path
            except FileNotFoundError:
                continue
    if not old:
        return 0
    listed = set(
        StatementMedia.objects.filter(sha256__in=list(old)).values_list("sha256", flat=True)
    )
    expired = 0
    for sha256, path in old.items():
        if sha256 in listed:
            continue
        media_store.thumb_path_of(sha256).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        expired += 1
    return expired


def sweep_once() -> None:
    """One round of the schedule: scratch, unpublished uploads, a WAL truncation owed."""
    from firsthand.publishing import erasure

    close_old_connections()
    try:
        sweep_scratch()
        expire_unpublished()
        erasure.truncate_pending()
    finally:
        connections.close_all()  # this thread's: the next round opens its own


class Sweeper:
    """Runs ``sweep_once`` every ``period`` seconds on a daemon thread, until ``stop``."""

    def __init__(self, period: float = SWEEP_SECONDS) -> None:
        self._period = period
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="firsthand-sweeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._period):
            try:
                sweep_once()
            except Exception:  # a sweep that fails is tried again next round
                logger.exception("sweeping leftovers failed")

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10)
