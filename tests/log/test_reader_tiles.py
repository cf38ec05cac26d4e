"""The reader serves a tile at the width asked for, even when its cache holds an older,
narrower version of that tile (read by a proof before the tree grew)."""

from __future__ import annotations

from pathlib import Path

from firsthand.log.datadir import open_log
from firsthand.log.tiles import TILE_WIDTH, TileID, TileRequest


def test_a_tile_that_filled_up_is_served_full_after_a_proof_cached_it_partial(
    tmp_path: Path,
) -> None:
    log = open_log(tmp_path, "reader.example/log")
    sequencer = log.sequencer()
    for i in range(100):
        sequencer.submit(b"entry %d" % i)
    sequencer.run_until_empty()
    log.reader.inclusion_proof(3, 100)  # caches tile 0/000 at width 100
    for i in range(100, 300):
        sequencer.submit(b"entry %d" % i)
    sequencer.run_until_empty()
    full = log.reader.tile(TileRequest(TileID(0, 0), TILE_WIDTH))
    assert len(full) == TILE_WIDTH * 32
    log.storage.close()
