"""The tracks of an MP4, MOV or 3GP, read from its boxes: what cleaning needs to know.

For ISO media the cleaner reads the tracks itself rather than starting ffprobe (which
cost as much as the copy): which track is the picture, its coded size and whether the
track matrix turns it by a quarter, which tracks are sound, which are chapters, and how
long the movie is. Read from an upload leniently (a trailer or a cut media data box ends
the walk), and from our own output strictly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from firsthand.media.boxes import Box, BoxError, parse, read_moov


@dataclass(frozen=True)
class Track:
    """One trak of a movie: what it holds and, for pictures, its size and turn."""

    number: int  # its place among the traks, from 0 (ffmpeg's stream index for ISO media)
    track_id: int
    handler: str  # "vide", "soun", "meta", "tmcd", "text", "sbtl", ...
    entry: str  # the first sample entry's type: "avc1", "hvc1", "mp4a", "mebx", ...
    width: int  # coded size from the visual sample entry (0 for other tracks)
    height: int
    quarter_turn: bool  # the track matrix turns the picture by 90 or 270 degrees
    chapters: tuple[int, ...]  # track IDs its tref/chap points at


@dataclass(frozen=True)
class Movie:
    tracks: tuple[Track, ...]
    seconds: float | None  # mvhd duration

    def video(self) -> Track | None:
        return next((t for t in self.tracks if t.handler == "vide"), None)

    def chapter_tracks(self) -> set[int]:
        return {track_id for t in self.tracks for track_id in t.chapters}


def _child(payload: bytes, kind: str) -> Box | None:
    return next((box for box in parse(payload) if box.kind == kind), None)


def _track(number: int, trak: bytes) -> Track:
    tkhd, mdia, tref = _child(trak, "tkhd"), _child(trak, "mdia"), _child(trak, "tref")
    track_id, turn = 0, False
    if tkhd is not None and len(tkhd.payload) >= 84:
        long = tkhd.payload[0] == 1
        track_id = int.from_bytes(tkhd.payload[20:24] if long else tkhd.payload[12:16], "big")
        matrix = tkhd.payload[52:88] if long else tkhd.payload[40:76]
        a = int.from_bytes(matrix[0:4], "big", signed=True)
        turn = a == 0 and len(matrix) == 36
    handler = entry = ""
    width = height = 0
    if mdia is not None:
        hdlr = _child(mdia.payload, "hdlr")
        if hdlr is not None and len(hdlr.payload) >= 12:
            handler = hdlr.payload[8:12].decode("latin-1")
        minf = _child(mdia.payload, "minf")
        stbl = _child(minf.payload, "stbl") if minf is not None else None
        stsd = _child(stbl.payload, "stsd") if stbl is not None else None
        if stsd is not None and len(stsd.payload) >= 16:
            first = next(parse(stsd.payload, 8), None)
            if first is not None:
                entry = first.kind
                if handler == "vide" and len(first.payload) >= 28:
                    width = int.from_bytes(first.payload[24:26], "big")
                    height = int.from_bytes(first.payload[26:28], "big")
    chapters: tuple[int, ...] = ()
    if tref is not None:
        for ref in parse(tref.payload):
            if ref.kind == "chap":
                chapters += tuple(
                    int.from_bytes(ref.payload[i : i + 4], "big")
                    for i in range(0, len(ref.payload) - 3, 4)
                )
    return Track(number, track_id, handler, entry, width, height, turn, chapters)


def movie(path: Path, strict: bool = True) -> Movie:
    """The tracks and length of an MP4/MOV/3GP (BoxError if its boxes cannot be read)."""
    with path.open("rb") as handle:
        _, moov, _ = read_moov(handle, path.stat().st_size, strict)
    if not moov:
        raise BoxError("no moov box")
    tracks, seconds = [], None
    for box in parse(moov):
        if box.kind == "mvhd" and len(box.payload) >= 20:
            long = box.payload[0] == 1
            scale = int.from_bytes(box.payload[20:24] if long else box.payload[12:16], "big")
            length = box.payload[24:32] if long else box.payload[16:20]
            if scale:
                seconds = int.from_bytes(length, "big") / scale
        elif box.kind == "trak":
            tracks.append(_track(len(tracks), box.payload))
    return Movie(tuple(tracks), seconds)
