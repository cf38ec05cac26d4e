"""External tools run fenced: a time limit, a memory limit, and a workspace always removed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from firsthand.media import Limits, ToolFailed
from firsthand.media.tools import run, workspace


def test_a_tool_over_its_time_is_stopped(tmp_path: Path) -> None:
    with pytest.raises(ToolFailed, match="longer than"):
        run(["sleep", "5"], limits=Limits(tool_seconds=0.3), cwd=tmp_path)


def test_a_tool_over_its_memory_cannot_allocate(tmp_path: Path) -> None:
    limits = Limits(tool_memory_bytes=300 * 2**20)
    done = run([sys.executable, "-c", "bytearray(600 * 2**20)"], limits=limits, cwd=tmp_path)
    assert done.returncode != 0 and b"MemoryError" in done.stderr


def test_a_missing_tool_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ToolFailed, match="not installed"):
        run(["no-such-tool-here"], limits=Limits(), cwd=tmp_path)


def test_the_workspace_is_private_and_removed_even_on_error() -> None:
    with pytest.raises(RuntimeError), workspace() as directory:
        assert directory.stat().st_mode & 0o777 == 0o700
        (directory / "x").write_bytes(b"secret")
        raise RuntimeError
    assert not directory.exists()
