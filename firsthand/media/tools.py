"""Running ffmpeg, ffprobe and exiftool on untrusted files, fenced in.

Each run gets a wall-clock timeout, an address-space and CPU-time cap (setrlimit in the
child before exec), a cap on the size of any file it writes, no core dumps, no standard
input, and a minimal environment. Callers keep every file inside a private temporary
directory (`workspace`), which is removed whatever happens.

preexec_fn runs Python in the forked child; CPython documents that this can deadlock
if another thread holds an interpreter lock at fork time. The function below only calls
resource.setrlimit, which takes no Python-level locks, so in practice it is safe; the web
layer runs cleaning in worker threads and has not shown it.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from firsthand.media.errors import ToolFailed
from firsthand.media.limits import Limits

# Only what the tools need: a PATH to find helpers and a UTF-8 locale for file names.
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/nonexistent"}


@contextmanager
def workspace() -> Iterator[Path]:
    """A private (0700) temporary directory, always removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="firsthand-media-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def fence(limits: Limits, max_file_bytes: int) -> Callable[[], None]:
    """What a tool's child process applies to itself before exec (preexec_fn)."""
    memory = limits.tool_memory_bytes
    cpu = limits.tool_cpu_seconds

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run(
    argv: Sequence[str], *, limits: Limits, cwd: Path, max_file_bytes: int | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run one tool to completion; `ToolFailed` if it is missing, times out or is killed.

    A non-zero exit status is returned, not raised: only the caller knows whether it
    means a damaged input (the user's problem) or a broken tool (ours).
    """
    program = shutil.which(argv[0], path=ENV["PATH"])
    if program is None:
        raise ToolFailed(f"{argv[0]} is not installed on this server")
    file_cap = max_file_bytes if max_file_bytes is not None else 2 * limits.max_video_bytes
    try:
        completed = subprocess.run(
            [program, *argv[1:]],
            cwd=cwd,
            env=ENV,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=limits.tool_seconds,
            preexec_fn=fence(limits, file_cap),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolFailed(
            f"{argv[0]} took longer than {limits.tool_seconds:g} s on this file and was stopped"
        ) from None
    except OSError as error:
        raise ToolFailed(f"{argv[0]} could not be started: {error.strerror}") from None
    if completed.returncode < 0:
        raise ToolFailed(
            f"{argv[0]} was killed (signal {-completed.returncode}), probably by its "
            "CPU or memory limit"
        )
    return completed


def last_line(stderr: bytes) -> str:
    """The last non-empty line a tool printed, for an error message."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:300] if lines else "no message"


def write_private(path: Path, data: bytes) -> Path:
    """Write data to a new file readable only by us."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path
