"""C2SP tlog-tiles maths and paths, and proofs read back from stored expanded tiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log import merkle
from firsthand.log.edge import TreeEdge, edge_tiles
from firsthand.log.errors import EmptyEntry, EntryTooLarge, NotFound
from firsthand.log.reader import LogReader
from firsthand.log.storage import Batch, SQLiteStorage, StoredCheckpoint
from firsthand.log.tiles import (
    ENTRIES_LEVEL,
    TileID,
    TileRequest,
    decode_entry_bundle,
    encode_entry_bundle,
    encode_index,
    parse_tile_path,
    partial_width,
    tile_path,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_indices_are_3_digit_groups_with_x_prefixes(n: int, text: str) -> None:
    assert encode_index(n) == text


def test_tile_paths_follow_c2sp_not_gos_sumdb_layout() -> None:
    # Go's sumdb puts the height in the path (tile/8/0/...) and calls bundles "data";
    # C2SP drops the height and calls them "entries".
    assert tile_path(TileID(0, 1234067)) == "tile/0/x001/x234/067"
    assert tile_path(TileID(1, 5), 17) == "tile/1/005.p/17"
    assert tile_path(TileID(ENTRIES_LEVEL, 1000), 3) == "tile/entries/x001/000.p/3"


@given(st.integers(-1, 9), st.integers(0, 10**12), st.integers(1, 256))
def test_tile_paths_round_trip(level: int, index: int, width: int) -> None:
    tile = TileID(level, index)
    assert parse_tile_path(tile_path(tile, width)) == TileRequest(tile, width)


@pytest.mark.parametrize(
    "bad",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/007",
        "tile/8/0/000",
        "tile/data/000",
        "tile/0/001/",
        "tile/-1/000",
        "tile/0/x001",
        "tile/00/000",
        "tile/entries/001.p/",
        "tile/0/٠٠١",
    ],
)
def test_malformed_tile_paths_are_not_found(bad: str) -> None:
    with pytest.raises(NotFound):
        parse_tile_path(bad)


def test_partial_width_is_size_over_256_to_the_level_mod_256() -> None:
    assert partial_width(0, 70000) == 70000 % 256
    assert partial_width(1, 70000) == (70000 // 256) % 256
    assert partial_width(2, 70000) == 1
    assert partial_width(0, 256) == 0  # never serve an empty tile


def test_entry_bundles_carry_big_endian_uint16_lengths() -> None:
    bundle = encode_entry_bundle([b"a", b"bc" * 200])
    assert bundle[:3] == b"\x00\x01a"
    assert bundle[3:5] == (400).to_bytes(2, "big")
    assert decode_entry_bundle(bundle) == [b"a", b"bc" * 200]
    with pytest.raises(ValueError, match="truncated"):
        decode_entry_bundle(bundle[:-1])


def test_entries_of_65536_bytes_or_empty_are_refused() -> None:
    encode_entry_bundle([b"x" * 65535])
    with pytest.raises(EntryTooLarge, match="65,535"):
        encode_entry_bundle([b"x" * 65536])
    with pytest.raises(EmptyEntry):
        encode_entry_bundle([b""])


def build(storage: SQLiteStorage, batches: list[list[bytes]]) -> TreeEdge:
    """Integrate batches straight into storage (no signing: the note here is a placeholder)."""
    edge = TreeEdge(0, {})
    storage.integrate(Batch(0, [], [], {}, StoredCheckpoint(0, b"size 0")))
    for entries in batches:
        start = edge.size
        hashes = [merkle.leaf_hash(e) for e in entries]
        edge.append(hashes)
        storage.integrate(
            Batch(
                start,
                hashes,
                entries,
                edge.take_changed_tiles(),
                StoredCheckpoint(edge.size, f"size {edge.size}".encode()),
            )
        )
    return edge


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=6))
def test_tree_hash_and_proofs_from_stored_tiles_equal_those_from_the_leaves(
    tmp_path_factory: pytest.TempPathFactory, batch_sizes: list[int]
) -> None:
    storage = SQLiteStorage(Path(tmp_path_factory.mktemp("log")) / "log.sqlite3")
    counter = iter(range(10**9))
    batches = [[next(counter).to_bytes(4, "big") for _ in range(k)] for k in batch_sizes]
    edge = build(storage, batches)
    leaves = [merkle.leaf_hash(e) for b in batches for e in b]
    reader = LogReader(storage, cached_tiles=4)
    memory = merkle.memory_node_reader(leaves)
    sizes = [0]
    for b in batches:
        sizes.append(sizes[-1] + len(b))
    for size in sizes:
        # Every published size stays provable after the tree has grown past it.
        assert reader.tree_hash(size) == merkle.root_from_leaf_hashes(leaves[:size])
    n = len(leaves)
    assert edge.root() == merkle.root_from_leaf_hashes(leaves)
    for index in {0, n // 3, n - 1}:
        assert reader.inclusion_proof(index, n) == merkle.inclusion_proof(index, n, memory)
    for old in sizes[1:]:
        assert reader.consistency_proof(old, n) == merkle.consistency_proof(old, n, memory)
    storage.close()


def test_served_tiles_are_row_zero_and_partial_prefixes_stay_servable(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "log.sqlite3")
    entries = [i.to_bytes(3, "big") for i in range(600)]
    build(storage, [entries[:300], entries[300:]])
    reader = LogReader(storage)
    leaves = [merkle.leaf_hash(e) for e in entries]
    assert reader.tile(parse_tile_path("tile/0/000")) == b"".join(leaves[:256])
    assert reader.tile(parse_tile_path("tile/0/002.p/88")) == b"".join(leaves[512:600])
    # A client holding the checkpoint at size 300 asks for the old partial tile.
    assert reader.tile(parse_tile_path("tile/0/001.p/44")) == b"".join(leaves[256:300])
    level1 = reader.tile(parse_tile_path("tile/1/000.p/2"))
    assert level1 == merkle.root_from_leaf_hashes(leaves[:256]) + merkle.root_from_leaf_hashes(
        leaves[256:512]
    )
    assert (
        decode_entry_bundle(reader.tile(parse_tile_path("tile/entries/002.p/88"))) == entries[512:]
    )
    for missing in [
        "tile/0/002.p/89",
        "tile/0/002",
        "tile/0/003.p/1",
        "tile/1/000.p/3",
        "tile/2/000.p/1",
        "tile/entries/002",
    ]:
        with pytest.raises(NotFound):
            reader.tile(parse_tile_path(missing))
    storage.close()


@pytest.mark.parametrize("size", [1, 255, 256, 257, 65536, 65537 + 256])
def test_edge_tiles_are_the_partial_tile_of_each_level(size: int) -> None:
    tiles = edge_tiles(size)
    for tile in tiles:
        assert partial_width(tile.level, size) > 0
        assert tile.number == size >> (8 * (tile.level + 1))
