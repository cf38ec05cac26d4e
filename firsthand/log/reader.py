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
    read_node,
    served_tile,
    tile_width,
)


class _TileCache:
    """A bounded LRU of expanded tiles.

    Stored tiles only ever grow, so any version once read is a valid prefix of
    the current one: a cached partial tile answers every node it holds, and is
    read again only when a node it does not hold yet is asked for.
    """

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
            current = self._tiles.get(tile)
            if current is None or len(data) > len(current):
                self._tiles[tile] = data
            self._tiles.move_to_end(tile)
            while len(self._tiles) > self.capacity:
                self._tiles.popitem(last=False)


def _node_in(expanded: bytes | None, row: int, offset: int) -> bytes | None:
    return None if expanded is None else read_node(expanded, row, offset)


class LogReader:
    """Answers questions about the stored log without ever writing to it."""

    def __init__(self, storage: LogStorage, *, cached_tiles: int = 2048) -> None:
        self.storage = storage
        self._cache = _TileCache(cached_tiles)
        # The largest size known to be published; sizes only grow, so larger asks re-check.
        self._known_size = 0

    def latest(self) -> StoredCheckpoint:
        checkpoint = self.storage.latest_checkpoint()
        if checkpoint is None:
            raise NotFound("the log has not published a checkpoint yet")
        return checkpoint

    def _expanded_tiles(self, tiles: Sequence[TileID], fresh: bool = False) -> dict[TileID, bytes]:
        found: dict[TileID, bytes] = {}
        missing = []
        for tile in tiles:
            cached = None if fresh else self._cache.get(tile)
            if cached is None:
                missing.append(tile)
            else:
                found[tile] = cached
        for tile, data in self.storage.read_tiles(missing).items():
            self._cache.put(tile, data)
            found[tile] = data
        return found

    def read_nodes(self, nodes: Sequence[Node]) -> list[bytes]:
        """A merkle.NodeReader over the stored tiles."""
        # node_location, inlined: this loop is the whole cost of a proof.
        locations = [
            (
                TileID(level >> 3, (index << (level & 7)) >> 8),
                level & 7,
                ((index << (level & 7)) & 0xFF) >> (level & 7),
            )
            for level, index in nodes
        ]
        tiles = self._expanded_tiles(list({tile for tile, _, _ in locations}))
        hashes: list[bytes | None] = [
            _node_in(tiles.get(tile), row, offset) for tile, row, offset in locations
        ]
        stale = {locations[i][0] for i, h in enumerate(hashes) if h is None}
        if stale:
            # A cached partial tile from before the tree grew: read those tiles again.
            tiles.update(self._expanded_tiles(list(stale), fresh=True))
            for i, h in enumerate(hashes):
                if h is None:
                    tile, row, offset = locations[i]
                    hashes[i] = _node_in(tiles.get(tile), row, offset)
        out: list[bytes] = []
        for node, h in zip(nodes, hashes, strict=True):
            if h is None:
                raise NotFound(f"node {node} is not stored")
            out.append(h)
        return out

    def _check_size(self, size: int) -> None:
        if size <= self._known_size:
            return
        latest = self.latest().size
        if size > latest:
            raise NotFound(f"the log has {latest} entries, not {size}")
        self._known_size = latest

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
            start = request.tile.number * TILE_WIDTH
            return encode_entry_bundle(self.storage.read_entries(start, start + request.width))
        data = self._expanded_tiles([request.tile], fresh=request.is_partial).get(request.tile)
        if data is None:
            raise NotFound(f"tile {request.tile} is not stored")
        return served_tile(data, request.width)
