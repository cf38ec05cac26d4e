"""The data directory's ``site.env``: the settings `firsthand init` chose for this site.

One ``FIRSTHAND_NAME=value`` a line, ``#`` for comments, the form systemd's
``EnvironmentFile=`` reads too. Settings read it under the environment: a
variable set in the environment always wins, so a test or a one-off command
can override any line. Only ``FIRSTHAND_`` names are read, so the file cannot
change how Python or Django themselves start. It is written 0600: it may hold
a database URL with a password.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

SITE_FILE = "site.env"
_LINE = re.compile(r"(FIRSTHAND_[A-Z0-9_]+)=(.*)")


class SiteFileError(ValueError):
    """A line of site.env that is not ``FIRSTHAND_NAME=value``."""


def read_site_file(path: Path) -> dict[str, str]:
    """The settings in ``path``; empty if there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found = _LINE.fullmatch(line)
        if found is None:
            raise SiteFileError(
                f"{path}, line {number}: expected FIRSTHAND_NAME=value, found {line[:60]!r}"
            )
        values[found.group(1)] = found.group(2).strip()
    return values


def write_site_file(path: Path, values: Mapping[str, str], comment: str = "") -> None:
    """Write (or replace) the file with ``values``, readable by its owner only."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    for name, value in values.items():
        if not _LINE.fullmatch(f"{name}={value}") or "\n" in value:
            raise SiteFileError(f"{name}={value!r} cannot be written to {path.name}")
        lines.append(f"{name}={value}")
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
