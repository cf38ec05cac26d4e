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
from firsthand.log.merkle import HASH_SIZE, Node
from firsthand.log.storage import LogStorage, StoredCheckpoint
from firsthand.log.tiles import (
    ROW_OFFSETS,
    TILE_WIDTH,
    WIDTH_BY_EXPANDED_SIZE,
    TileID,
    TileRequest,
    encode_entry_bundle,
    served_tile,
    tile_width,
)

# A full expanded tile is 16,352 bytes, so 4,096 tiles are 64 MiB: every level-0
# tile of a million-entry log, which takes proofs there from ~15k/s to ~21k/s.
DEFAULT_CACHED_TILES = 4096


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


class LogReader:
    """Answers questions about the stored log without ever writing to it."""

    def __init__(self, storage: LogStorage, *, cached_tiles: int = DEFAULT_CACHED_TILES) -> None:
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
        """A merkle.NodeReader over the stored tiles.

        This loop is the whole cost of a proof, so node_location and read_node
        are inlined, and each tile is looked up once per call.
        """
        tiles: dict[TileID, bytes] = {}
        out: list[bytes] = []
        for level, index in nodes:
            row = level & 7
            first = index << row
            tile = TileID(level >> 3, first >> 8)
            offset = (first & 0xFF) >> row
            data = tiles.get(tile)
            if data is None:
                data = tiles[tile] = self._expanded_tile(tile, fresh=False)
            width = WIDTH_BY_EXPANDED_SIZE[len(data)]
            if offset >= width >> row:
                # A cached partial tile from before the tree grew: read it again.
                data = tiles[tile] = self._expanded_tile(tile, fresh=True)
                width = WIDTH_BY_EXPANDED_SIZE[len(data)]
                if offset >= width >> row:
                    raise NotFound(f"node ({level}, {index}) is not stored")
            begin = ROW_OFFSETS[width][row] + offset * HASH_SIZE
            out.append(data[begin : begin + HASH_SIZE])
        return out

    def _expanded_tile(self, tile: TileID, fresh: bool) -> bytes:
        data = self._expanded_tiles([tile], fresh=fresh).get(tile)
        if data is None:
            raise NotFound(f"tile {tile} is not stored")
        return data

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
        if data is not None and WIDTH_BY_EXPANDED_SIZE[len(data)] < request.width:
            # The cache holds the tile from before it grew (a proof read it partial).
            data = self._expanded_tiles([request.tile], fresh=True).get(request.tile)
        if data is None or WIDTH_BY_EXPANDED_SIZE[len(data)] < request.width:
            raise NotFound(f"tile {request.tile} is not stored at width {request.width}")
        return served_tile(data, request.width)
