"""Small files replaced atomically: the cosigned checkpoint, a monitor's state.

A reader sees the old file or the new one, never half of either, and once
this returns the new one survives a power cut (the file and the rename are
both fsynced).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: a crash leaves the old file or the new one, never half."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename, too, must survive a power cut
    finally:
        os.close(directory)
