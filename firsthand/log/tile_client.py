"""Reading a log over HTTP through its C2SP tlog-tiles API, as storage for ``LogReader``.

A monitor or an auditor trusts nothing the server says until it has checked
it against a checkpoint signed by the log key. ``HTTPTileSource`` is the read
half of ``storage.LogStorage`` for *one* signed tree: it fetches
``/tile/<L>/<N>[.p/<W>]`` at the width that tree implies, expands each tile
(rows 1..7 of hashes, see ``tiles.py``) so that ``reader.LogReader`` and the
functions of ``merkle.py`` compute proofs and roots from it unchanged, and
reads ``/tile/entries/<N>[.p/<W>]`` bundles.

Every hash tile it serves is kept until forgotten and never fetched twice, so
the bytes a caller has checked against the signed root are the bytes every
later proof uses; ``fetched_order`` lists them, in order, for that check. Fetching is
plain HTTP/1.1 with one keep-alive connection and a time-out on every request.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Sequence

from firsthand.log.errors import LogError, NotFound
from firsthand.log.merkle import HASH_SIZE, node_hash
from firsthand.log.storage import Batch, StoredCheckpoint
from firsthand.log.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileID,
    decode_entry_bundle,
    served_tile,
    tile_path,
    tile_width,
)

USER_AGENT = "firsthand-monitor"
MAX_CHECKPOINT_SIZE = 1 << 20
# A full bundle of the largest entries: 256 * (2 + 65,535) bytes.
MAX_BUNDLE_SIZE = TILE_WIDTH * (2 + 0xFFFF)


class LogUnreachable(LogError):
    """The log could not be read: the network failed, or the server answered an error."""


class BadTile(LogError):
    """The server answered a tile or entry bundle that cannot be the one asked for."""


def expand_tile(served: bytes) -> bytes:
    """The expanded form of a served tile (its row 0): rows 0..7 of its subtree, in order.

    Row r + 1 holds the parents of row r's pairs, so a node inside the tile is
    read, not rehashed, when a proof needs it (the layout of ``tiles.py``).
    """
    rows = [served]
    for _ in range(TILE_HEIGHT - 1):
        below = rows[-1]
        pairs = range(0, len(below) // (2 * HASH_SIZE) * 2 * HASH_SIZE, 2 * HASH_SIZE)
        rows.append(
            b"".join(
                node_hash(below[i : i + HASH_SIZE], below[i + HASH_SIZE : i + 2 * HASH_SIZE])
                for i in pairs
            )
        )
    return b"".join(rows)


class _Connection:
    """One keep-alive HTTP connection to the log, reopened after any error."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LogError(f"the log URL {base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def get(self, path: str, limit: int) -> bytes:
        """The body of ``GET <prefix>/<path>``; LogUnreachable unless the answer is 200."""
        url = f"{self.base_url}/{path}"
        with self._lock:
            try:
                status, reason, data = self._get(path, limit)
            except (OSError, http.client.HTTPException) as error:
                self.close()
                why = str(error) or type(error).__name__
                raise LogUnreachable(f"cannot read {url}: {why}") from None
        if status != 200:
            detail = data.decode("utf-8", "replace").strip().splitlines()[:1]
            said = f": {detail[0][:200]}" if detail else ""
            raise LogUnreachable(f"{url} answered {status} {reason}{said}")
        if len(data) > limit:
            raise BadTile(f"{url} answered more than {limit:,} bytes")
        return data

    def _get(self, path: str, limit: int) -> tuple[int, str, bytes]:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self._timeout)
        self._conn.request("GET", f"{self._prefix}/{path}", headers={"User-Agent": USER_AGENT})
        response = self._conn.getresponse()
        data = response.read(limit + 1)
        if len(data) > limit or response.getheader("Connection", "").lower() == "close":
            self.close()  # the rest of an oversized body would poison the next answer
        return response.status, response.reason, data

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class LogClient:
    """The log's public tiles API at ``base_url``; a time-out (seconds) on every request."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self._connection = _Connection(base_url, timeout)

    @property
    def base_url(self) -> str:
        return self._connection.base_url

    def checkpoint(self) -> bytes:
        """The signed checkpoint the log serves now (not yet verified)."""
        return self._connection.get("checkpoint", MAX_CHECKPOINT_SIZE)

    def tiles(self, checkpoint: StoredCheckpoint) -> HTTPTileSource:
        """Storage over this log's tiles for the tree of ``checkpoint``."""
        return HTTPTileSource(self, checkpoint)

    def get(self, path: str, limit: int) -> bytes:
        return self._connection.get(path, limit)

    def close(self) -> None:
        self._connection.close()


class HTTPTileSource:
    """The read side of ``LogStorage`` over the tiles of one signed tree."""

    def __init__(self, client: LogClient, checkpoint: StoredCheckpoint) -> None:
        self._client = client
        self._checkpoint = checkpoint
        self.size = checkpoint.size
        self._expanded: dict[TileID, bytes] = {}
        self.fetched_order: list[TileID] = []
        """Every hash tile fetched, in order (again after ``forget``), for whoever checks them."""

    def served(self, tile: TileID) -> bytes:
        """A fetched tile as served (row 0 of its expanded form)."""
        return served_tile(self._expanded[tile], tile_width(tile, self.size))

    def forget(self, tile: TileID) -> None:
        """Drop a tile no longer needed; asked for again, it is fetched (and listed) again."""
        self._expanded.pop(tile, None)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self._checkpoint

    def checkpoint_at(self, size: int) -> StoredCheckpoint | None:
        return self._checkpoint if size == self.size else None

    def read_tiles(self, tiles: Sequence[TileID]) -> dict[TileID, bytes]:
        """Expanded tiles by id; tiles the tree does not reach are left out."""
        found: dict[TileID, bytes] = {}
        for tile in tiles:
            expanded = self._expanded.get(tile)
            if expanded is None:
                width = tile_width(tile, self.size)
                if width == 0:
                    continue
                path = tile_path(tile, width)
                served = self._client.get(path, TILE_WIDTH * HASH_SIZE)
                if len(served) != width * HASH_SIZE:
                    raise BadTile(
                        f"{path} holds {len(served)} bytes, not the {width * HASH_SIZE} "
                        f"of {width} hashes"
                    )
                expanded = self._expanded[tile] = expand_tile(served)
                self.fetched_order.append(tile)
            found[tile] = expanded
        return found

    def read_entries(self, start: int, end: int) -> list[bytes]:
        """Entries [start, end) of the tree, from the entry bundles that hold them."""
        end = min(end, self.size)
        entries: list[bytes] = []
        number = start // TILE_WIDTH
        while number * TILE_WIDTH < end:
            bundle = TileID(ENTRIES_LEVEL, number)
            width = tile_width(bundle, self.size)
            path = tile_path(bundle, width)
            try:
                decoded = decode_entry_bundle(self._client.get(path, MAX_BUNDLE_SIZE))
            except ValueError as error:
                raise BadTile(f"{path} is not an entry bundle: {error}") from None
            if len(decoded) != width:
                raise BadTile(f"{path} holds {len(decoded)} entries, not {width}")
            first = number * TILE_WIDTH
            entries += decoded[max(start, first) - first : min(end, first + width) - first]
            number += 1
        return entries

    def find_leaves(self, leaf_hashes: Sequence[bytes]) -> dict[bytes, int]:
        raise NotFound("the tiles API has no index of leaf hashes; read the entries instead")

    def integrate(self, batch: Batch) -> None:
        raise LogError("a log read over HTTP is read-only")

    def close(self) -> None:
        """The client's connection outlives the source; LogClient.close ends it."""
