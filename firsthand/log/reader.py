"""Reading the stored log: proofs, tiles and entries, for any size it has published.

Proofs are computed from the stored expanded tiles: one hash per tree level,
so an inclusion proof at a million entries reads three tiles, of which the
upper two are nearly always cached. Full tiles never change, so they are
cached without any invalidation; partial tiles are read afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from firsthand.log import merkle
from firsthand.log.errors import NotFound
from firsthand.log.merkle import Node
from firsthand.log.storage import LogStorage, StoredCheckpoint
from firsthand.log.tiles import (
    TILE_WIDTH,
    TileID,
    TileRequest,
    encode_entry_bundle,
    expanded_size,
    node_location,
    read_node,
    served_tile,
    tile_width,
    width_of_expanded,
)

_FULL_TILE_BYTES = expanded_size(TILE_WIDTH)


class _FullTileCache:
    """A bounded LRU of full (immutable) expanded tiles."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._tiles: OrderedDict[TileID, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tile: TileID) -> bytes | None:
        with self._lock:
            data = self._tiles.get(tile)
            if data is not None:
                self._tiles.move_to_end(tile)
            return data

    def put(self, tile: TileID, data: bytes) -> None:
        with self._lock:
            self._tiles[tile] = data
            self._tiles.move_to_end(tile)
            while len(self._tiles) > self.capacity:
                self._tiles.popitem(last=False)


class LogReader:
    """Answers questions about the stored log without ever writing to it."""

    def __init__(self, storage: LogStorage, *, cached_tiles: int = 2048) -> None:
        self.storage = storage
        self._cache = _FullTileCache(cached_tiles)

    def latest(self) -> StoredCheckpoint:
        checkpoint = self.storage.latest_checkpoint()
        if checkpoint is None:
            raise NotFound("the log has not published a checkpoint yet")
        return checkpoint

    def _expanded_tiles(self, tiles: Sequence[TileID]) -> dict[TileID, bytes]:
        found: dict[TileID, bytes] = {}
        missing = []
        for tile in tiles:
            cached = self._cache.get(tile)
            if cached is None:
                missing.append(tile)
            else:
                found[tile] = cached
        for tile, data in self.storage.read_tiles(missing).items():
            if len(data) == _FULL_TILE_BYTES:
                self._cache.put(tile, data)
            found[tile] = data
        return found

    def read_nodes(self, nodes: Sequence[Node]) -> list[bytes]:
        """A merkle.NodeReader over the stored tiles."""
        locations = [node_location(node) for node in nodes]
        tiles = self._expanded_tiles(sorted({tile for tile, _, _ in locations}))
        hashes = []
        for node, (tile, row, offset) in zip(nodes, locations, strict=True):
            data = tiles.get(tile)
            if data is None:
                raise NotFound(f"node {node} is not stored: tile {tile} is missing")
            hashes.append(read_node(data, width_of_expanded(data), row, offset))
        return hashes

    def _check_size(self, size: int) -> None:
        latest = self.latest().size
        if size > latest:
            raise NotFound(f"the log has {latest} entries, not {size}")

    def tree_hash(self, size: int) -> bytes:
        self._check_size(size)
        return merkle.tree_hash(size, self.read_nodes)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self._check_size(size)
        return merkle.inclusion_proof(index, size, self.read_nodes)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        self._check_size(new_size)
        return merkle.consistency_proof(old_size, new_size, self.read_nodes)

    def entry(self, index: int) -> bytes:
        entries = self.storage.read_entries(index, index + 1)
        if not entries:
            raise NotFound(f"the log has no entry {index}")
        return entries[0]

    def index_of(self, leaf_hash: bytes) -> int | None:
        return self.storage.find_leaves([leaf_hash]).get(leaf_hash)

    def tile(self, request: TileRequest, size: int | None = None) -> bytes:
        """The served bytes of a tile, for the latest tree unless ``size`` is given.

        A partial tile narrower than what is stored is served from the stored
        prefix, so clients holding an older checkpoint can still read it.
        """
        if size is None:
            size = self.latest().size
        available = tile_width(request.tile, size)
        if request.width > available:
            raise NotFound(
                f"tile {request.tile} has {available} of the {request.width} "
                f"{'entries' if request.is_entries else 'hashes'} asked for"
            )
        if request.is_entries:
            start = request.tile.index * TILE_WIDTH
            return encode_entry_bundle(self.storage.read_entries(start, start + request.width))
        data = self._expanded_tiles([request.tile]).get(request.tile)
        if data is None:
            raise NotFound(f"tile {request.tile} is not stored")
        return served_tile(data, request.width)
