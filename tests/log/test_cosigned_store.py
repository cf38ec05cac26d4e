"""The cosigned checkpoint file: atomic, never shrinks, only the log's own checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from firsthand.log.checkpoint import Checkpoint, sign_checkpoint
from firsthand.log.cosigned_store import CosignedCheckpointFile
from firsthand.log.errors import LogError
from firsthand.log.note import Signer

LOG = Signer.generate("example.org/log")


def note(size: int, signer: Signer = LOG) -> bytes:
    return sign_checkpoint(Checkpoint(signer.name, size, bytes([size % 256]) * 32), signer)


def test_nothing_is_kept_until_witnesses_cosign(tmp_path: Path) -> None:
    assert CosignedCheckpointFile(tmp_path / "c", LOG.verifier()).load() is None


def test_a_saved_checkpoint_is_seen_by_another_reader_of_the_directory(tmp_path: Path) -> None:
    writer = CosignedCheckpointFile(tmp_path / "c", LOG.verifier())
    reader = CosignedCheckpointFile(tmp_path / "c", LOG.verifier())
    assert writer.save(note(5))
    assert reader.load() == writer.load()
    assert reader.load() is not None and reader.load().size == 5  # type: ignore[union-attr]
    assert writer.save(note(9))
    assert reader.load().size == 9  # type: ignore[union-attr]
    assert not list(tmp_path.glob(".*tmp")), "no temporary file is left behind"


def test_a_smaller_tree_never_replaces_a_larger_one(tmp_path: Path) -> None:
    kept = CosignedCheckpointFile(tmp_path / "c", LOG.verifier())
    assert kept.save(note(9))
    assert not kept.save(note(4))
    assert kept.load().size == 9  # type: ignore[union-attr]


def test_a_checkpoint_of_another_log_is_refused(tmp_path: Path) -> None:
    kept = CosignedCheckpointFile(tmp_path / "c", LOG.verifier())
    with pytest.raises(LogError):
        kept.save(note(3, Signer.generate("example.org/log")))
    assert kept.load() is None


def test_a_file_damaged_by_hand_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "c").write_bytes(b"not a checkpoint\n")
    with pytest.raises(LogError, match="does not hold a checkpoint of this log"):
        CosignedCheckpointFile(tmp_path / "c", LOG.verifier()).load()
