"""The growing right edge of the tree: the partial tile of every level.

Appending a leaf only ever touches the right-most tile of each level, so the
sequencer keeps those in memory as rows of hashes, adds leaves to them like a
binary counter (two hashes at row r make one at row r + 1), and hands storage
the tiles that changed. A tile that fills up is handed over once, as a full
tile, and its root becomes the next hash of the level above.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from firsthand.log.merkle import EMPTY_ROOT, HASH_SIZE, Node, fold_right, node_hash, tree_nodes
from firsthand.log.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileID,
    node_location,
    partial_width,
    row_count,
    row_offset,
)


class _PartialTile:
    """One level's right-most tile, as rows 0..7 of hashes."""

    __slots__ = ("index", "rows")

    def __init__(self, index: int, rows: list[list[bytes]] | None = None) -> None:
        self.index = index
        self.rows: list[list[bytes]] = rows or [[] for _ in range(TILE_HEIGHT)]

    @classmethod
    def from_expanded(cls, index: int, width: int, expanded: bytes) -> _PartialTile:
        rows = []
        for row in range(TILE_HEIGHT):
            start = row_offset(width, row)
            rows.append(
                [
                    expanded[start + i * HASH_SIZE : start + (i + 1) * HASH_SIZE]
                    for i in range(row_count(width, row))
                ]
            )
        return cls(index, rows)

    def expanded(self) -> bytes:
        return b"".join(b"".join(row) for row in self.rows)

    def add(self, h: bytes) -> bytes | None:
        """Add a hash to row 0; return the tile's root if that filled it."""
        rows = self.rows
        rows[0].append(h)
        row = 0
        while row < TILE_HEIGHT - 1 and len(rows[row]) % 2 == 0:
            rows[row + 1].append(node_hash(rows[row][-2], rows[row][-1]))
            row += 1
        if len(rows[0]) == TILE_WIDTH:
            top = rows[TILE_HEIGHT - 1]
            return node_hash(top[0], top[1])
        return None


class TreeEdge:
    """The right edge of a tree of ``size`` leaves, able to grow and to say its root."""

    def __init__(self, size: int, partial_tiles: Mapping[TileID, bytes]) -> None:
        """Rebuild the edge from the stored expanded partial tiles of a tree of ``size``."""
        self.size = size
        self._tiles: dict[int, _PartialTile] = {}
        for tile_id in edge_tiles(size):
            width = partial_width(tile_id.level, size)
            self._tiles[tile_id.level] = _PartialTile.from_expanded(
                tile_id.number, width, partial_tiles[tile_id]
            )
        self._changed: dict[TileID, bytes] = {}

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self._add(0, h)
            self.size += 1

    def _add(self, level: int, h: bytes) -> None:
        while True:
            tile = self._tiles.get(level)
            if tile is None:
                tile = self._tiles[level] = _PartialTile(self.size >> (TILE_HEIGHT * (level + 1)))
            root = tile.add(h)
            if root is None:
                return
            # The tile is full: hand it over once, start its successor, carry the root up.
            self._changed[TileID(level, tile.index)] = tile.expanded()
            del self._tiles[level]
            level, h = level + 1, root

    def take_changed_tiles(self) -> dict[TileID, bytes]:
        """Expanded bytes of every tile changed since the last call: full ones and the edge."""
        changed = self._changed
        for level, tile in self._tiles.items():
            changed[TileID(level, tile.index)] = tile.expanded()
        self._changed = {}
        return changed

    def read_nodes(self, nodes: Sequence[Node]) -> list[bytes]:
        """A NodeReader for nodes that lie in the edge's partial tiles."""
        out = []
        for node in nodes:
            tile_id, row, offset = node_location(node)
            tile = self._tiles[tile_id.level]
            if tile.index != tile_id.number:
                raise KeyError(f"node {node} is not on the right edge")
            out.append(tile.rows[row][offset])
        return out

    def root(self) -> bytes:
        if self.size == 0:
            return EMPTY_ROOT
        # Every complete node of the root's decomposition is the last of its row
        # in the partial tile of its level, so the edge alone is enough.
        return fold_right(self.read_nodes(tree_nodes(self.size)))


def edge_tiles(size: int) -> list[TileID]:
    """The partial tiles of a tree of ``size`` (levels whose partial width is not 0)."""
    tiles = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        if partial_width(level, size):
            tiles.append(TileID(level, size >> (TILE_HEIGHT * (level + 1))))
        level += 1
    return tiles
