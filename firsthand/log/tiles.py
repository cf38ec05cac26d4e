"""C2SP tlog-tiles v0.1.0: tile maths, paths and entry bundles.

A tile at level L and index N holds the hashes of the nodes at tree level 8L
with indices 256N .. 256N+255, so the tile level 0 holds leaf hashes, level 1
holds the roots of full level-0 tiles, and so on. A tile is *full* with 256
hashes and then never changes; the right-most tile of each level is *partial*,
with width ``floor(size / 256**L) mod 256``, and is served at ``.p/<W>``.

Internally we store each tile *expanded*: below the 256 served hashes (row 0)
we keep rows 1..7, the interior nodes of the tile's 8-level subtree. A proof
then reads one hash per level instead of rehashing up to 255 nodes per tile.
Row r of a tile of width W holds floor(W / 2**r) hashes, and rows only ever
grow, so a wider tile's rows start with a narrower one's.

Entry bundles (``tile/entries/<N>``) hold entries 256N.. as a sequence of
big-endian uint16 length prefixes and bytes, so an entry is at most 65,535
bytes long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from firsthand.log.errors import EmptyEntry, EntryTooLarge, NotFound
from firsthand.log.merkle import HASH_SIZE, Node

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_SIZE = 0xFFFF


class TileID(NamedTuple):
    """A tile's place: its level (``ENTRIES_LEVEL`` for an entry bundle) and index.

    A NamedTuple rather than a dataclass: proofs hash and compare these in
    their inner loop, and tuples do that in C.
    """

    level: int
    number: int  # the spec's N


ENTRIES_LEVEL = -1
"""The level we give entry bundles in TileID, so they sort apart from hash tiles."""


@dataclass(frozen=True)
class TileRequest:
    """A parsed tile path: which tile, and the width asked for (256 for a full tile)."""

    tile: TileID
    width: int

    @property
    def is_entries(self) -> bool:
        return self.tile.level == ENTRIES_LEVEL

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH


def partial_width(level: int, size: int) -> int:
    """Width of the partial tile at ``level`` for a tree of ``size``; 0 if there is none."""
    return (size >> (TILE_HEIGHT * level)) % TILE_WIDTH


def tile_width(tile: TileID, size: int) -> int:
    """How many hashes (or entries) of ``tile`` exist in a tree of ``size``: 0..256."""
    level = 0 if tile.level == ENTRIES_LEVEL else tile.level
    available = (size >> (TILE_HEIGHT * level)) - tile.number * TILE_WIDTH
    return max(0, min(TILE_WIDTH, available))


def encode_index(n: int) -> str:
    """N as zero-padded 3-digit path elements, all but the last prefixed with x."""
    if n < 0:
        raise ValueError("a tile index cannot be negative")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(tile: TileID, width: int = TILE_WIDTH) -> str:
    """The tile's path relative to the log's prefix, e.g. ``tile/0/x001/234.p/7``."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile's width is 1..{TILE_WIDTH}, not {width}")
    kind = "entries" if tile.level == ENTRIES_LEVEL else str(tile.level)
    path = f"tile/{kind}/{encode_index(tile.number)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


_TILE_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]{0,1})"
    r"/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> TileRequest:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``; NotFound if it is neither."""
    match = _TILE_PATH.fullmatch(path)
    if match is None:
        raise NotFound(f"{path!r} is not a tile path")
    level_text, index_text, width_text = match.group("level", "index", "width")
    index = int(index_text.replace("x", "").replace("/", ""))
    elements = index_text.split("/")
    if len(elements) > 1 and elements[0] == "x000":
        # 000 prefixes would give one tile two paths; the canonical one has none.
        raise NotFound(f"{path!r} has a zero-padded index")
    width = TILE_WIDTH if width_text is None else int(width_text)
    if width_text is not None and width >= TILE_WIDTH:
        raise NotFound(f"{path!r} asks for a partial tile of {width}; full tiles have no .p/")
    level = ENTRIES_LEVEL if level_text == "entries" else int(level_text)
    return TileRequest(TileID(level, index), width)


def node_location(node: Node) -> tuple[TileID, int, int]:
    """Where a complete node is stored: its tile, its row in the expanded tile, its offset."""
    level, index = node
    tile_level, row = divmod(level, TILE_HEIGHT)
    first_leaf_of_row = index << row  # the node's first descendant at the tile's level
    tile_index, offset_in_row0 = divmod(first_leaf_of_row, TILE_WIDTH)
    return TileID(tile_level, tile_index), row, offset_in_row0 >> row


def row_count(width: int, row: int) -> int:
    """How many hashes row ``row`` of an expanded tile of ``width`` holds."""
    return width >> row


# Byte offset of each row in an expanded tile of each width: the rows are stored in order.
ROW_OFFSETS = [
    [HASH_SIZE * sum(width >> r for r in range(row)) for row in range(TILE_HEIGHT + 1)]
    for width in range(TILE_WIDTH + 1)
]


def row_offset(width: int, row: int) -> int:
    """Byte offset of row ``row`` in an expanded tile of ``width``."""
    return ROW_OFFSETS[width][row]


def expanded_size(width: int) -> int:
    """Byte length of an expanded tile of ``width``."""
    return row_offset(width, TILE_HEIGHT)


def served_tile(expanded: bytes, width: int) -> bytes:
    """The bytes served for a tile of ``width``: row 0, which every wider tile starts with."""
    return expanded[: width * HASH_SIZE]


# expanded_size grows strictly with the width (row 0 alone does), so the length names the width.
WIDTH_BY_EXPANDED_SIZE = {expanded_size(w): w for w in range(1, TILE_WIDTH + 1)}


def width_of_expanded(expanded: bytes) -> int:
    """The width of an expanded tile, recovered from its length."""
    width = WIDTH_BY_EXPANDED_SIZE.get(len(expanded))
    if width is None:
        raise ValueError(f"{len(expanded)} bytes is not the size of an expanded tile")
    return width


def check_entry(entry: bytes) -> None:
    """Refuse an entry that cannot be logged, saying why."""
    if not entry:
        raise EmptyEntry("the entry is empty; there is nothing to log")
    if len(entry) > MAX_ENTRY_SIZE:
        raise EntryTooLarge(
            f"the entry is {len(entry):,} bytes; an entry bundle can hold at most "
            f"{MAX_ENTRY_SIZE:,} bytes per entry"
        )


def encode_entry_bundle(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    out = bytearray()
    for entry in entries:
        check_entry(entry)
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; ValueError if the bundle is truncated or too long."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("the entry bundle ends inside a length prefix")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise ValueError(f"entry {len(entries)} of the bundle is truncated")
        entries.append(data[pos : pos + length])
        pos += length
    if len(entries) > TILE_WIDTH:
        raise ValueError(f"an entry bundle holds at most {TILE_WIDTH} entries")
    return entries
