"""ISO base media boxes (MP4, MOV, 3GP), judged by what they can carry, not by their names.

A cleaned MP4/MOV is read back box by box, and every box must be one of:

  structure  numbers a player needs and nothing else: sizes, times, sample tables
             (stts, stsz, stco, sdtp, ...), codec configuration made only of
             parameter sets (avcC, hvcC), colour described by numbers (colr nclx/nclc),
             HDR levels (mdcv, clli), pixel aspect (pasp), field order (fiel), ...
             Boxes with a date (mvhd, tkhd, mdhd) must hold the zero date; boxes with a
             name (hdlr, the sample entry's compressor name) only the fixed names
             ffmpeg writes; free space (free, skip, wide) must be empty.
  container  a box of boxes (moov, trak, mdia, minf, stbl, ...), judged by its children.

Everything else can carry something a person wrote or a device recorded, and must not be
in a cleaned file: user data (udta and every ©xyz box in it, GoPro's GPMF, FIRM, CAME),
metadata (meta, keys, ilst), uuid boxes (XMP, Sony and Canon blocks), a colour profile
(colr of type prof or rICC, an ICC profile with a description and copyright text), codec
configuration holding a text SEI message (codec_config.py), data references
to another file, track references (chapters, timecode), and sample entries of timed
metadata (mebx, gpmd, camm), text and timecode tracks. An unknown box is refused too:
the table fails closed. docs/media.md has the table in prose.

The parser never trusts a size: every box must fit inside its parent, nesting is capped,
and only the moov box is read into memory (media data is skipped by seeking).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from firsthand.media import codec_config

MAX_DEPTH = 12
MAX_BOXES = 200_000
MAX_MOOV_BYTES = 256 * 1024 * 1024


class BoxError(ValueError):
    """The box structure is broken (a size past its parent, nesting too deep, ...)."""


@dataclass(frozen=True)
class Finding:
    """A box that is not structure: where it is and why it is not allowed."""

    path: str  # "moov/trak[1]/mdia/minf/stbl/stsd/hvc1/colr"
    reason: str
    start: int = -1  # the box's offset in the file (-1: not known)
    size: int = 0  # the whole box, header included


@dataclass(frozen=True)
class Box:
    kind: str  # the four-character type as Latin-1 text
    payload: bytes  # the box's content after its header
    start: int  # where the box (its header) starts in the buffer parsed
    offset: int  # where its payload starts in that buffer


def _name(raw: bytes) -> str:
    return raw.decode("latin-1")


def parse(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes laid end to end in data[start:end]; BoxError if one does not fit."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        if end - pos < 8:
            # QuickTime allows a 32-bit zero terminator at the end of some atom lists.
            if end - pos == 4 and data[pos : pos + 4] == b"\0\0\0\0":
                return
            raise BoxError(f"{end - pos} stray bytes where a box header was expected")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise BoxError("a 64-bit box size is cut short")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise BoxError(f"the box {_name(kind)!r} claims more bytes than it has")
        yield Box(_name(kind), bytes(data[pos + header : pos + size]), pos, pos + header)
        pos += size


# ---------------------------------------------------------------- rules for leaf boxes

Rule = Callable[[bytes], str | None]  # None: structure; a string: why it is not


def _numbers(_: bytes) -> str | None:
    return None


def _empty(payload: bytes) -> str | None:
    return None if not payload.strip(b"\0") else "free space that holds data"


def _zero_dates(payload: bytes) -> str | None:
    """mvhd, tkhd, mdhd: version 0 has 32-bit dates at 4 and 8, version 1 64-bit ones."""
    if len(payload) < 12:
        return "too short"
    width = 8 if payload[0] == 1 else 4
    dates = payload[4 : 4 + 2 * width]
    return None if not dates.strip(b"\0") else "a creation or modification date"


# Handler names ffmpeg writes under +bitexact (MOV stores them as a Pascal string).
_HANDLER_NAMES = {b"", b"VideoHandler", b"SoundHandler", b"DataHandler"}


def _handler(payload: bytes) -> str | None:
    if len(payload) < 24:
        return "too short"
    name = payload[24:]
    if name and name[0] == len(name) - 1:  # QuickTime: length byte first
        name = name[1:]
    name = name.rstrip(b"\0")
    if name not in _HANDLER_NAMES:
        return "a handler name that is not one ffmpeg writes"
    if payload[12:24].strip(b"\0") and payload[12:16] != b"appl":
        return "a handler manufacturer or flags that are not zero"
    return None


def _colour(payload: bytes) -> str | None:
    """colr: nclx/nclc hold three (four) numbers; prof and rICC hold an ICC profile."""
    kind = payload[:4]
    if kind == b"nclx" and len(payload) == 11:
        return None
    if kind == b"nclc" and len(payload) == 10:
        return None
    if kind in (b"prof", b"rICC"):
        return "an ICC colour profile (it can name a device or a person)"
    return "a colour box that is not nclx or nclc"


def _references(payload: bytes) -> str | None:
    """dref: only 'url ' / 'alis' entries flagged self-contained, with no location."""
    if len(payload) < 8:
        return "too short"
    try:
        entries = list(parse(payload, 8))
    except BoxError as error:
        return str(error)
    for entry in entries:
        if entry.kind not in ("url ", "alis") or entry.payload != b"\0\0\0\1":
            return "a reference to another file"
    return None


def _svhd(payload: bytes) -> str | None:
    return None if payload[4:].rstrip(b"\0") in (b"", b"Lavf") else "a software name"


def _sample_groups(payload: bytes) -> str | None:
    """sgpd/sbgp: only grouping types whose entries are numbers."""
    grouping = payload[4:8]
    known = (b"roll", b"prol", b"sync", b"rap ", b"tele", b"alst")
    return None if grouping in known else f"a sample group of type {_name(grouping)!r}"


# Brands ffmpeg's muxers write (a brand is four bytes of anything: a list of unknown
# ones could spell a message).
BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"hvc1", b"av01",
    b"qt  ", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"M4V ", b"dby1", b"mp71", b"dash", b"\0\0\0\0",
}  # fmt: skip


def _brands(payload: bytes) -> str | None:
    if len(payload) < 8 or len(payload) % 4 or len(payload) > 256:
        return "a broken file-type box"
    brands = [payload[0:4], *(payload[i : i + 4] for i in range(8, len(payload), 4))]
    unknown = [brand for brand in brands if brand not in BRANDS]
    return f"an unknown brand {_name(unknown[0])!r}" if unknown else None


def _empty_itunes_list(payload: bytes) -> str | None:
    """udta: ffmpeg's MP4 muxer always writes meta/hdlr(mdir)/ilst, with an empty ilst
    when there are no tags. That shape, with nothing in it, is structure."""
    try:
        (meta,) = parse(payload)
        if meta.kind != "meta" or meta.payload[:4] != b"\0\0\0\0":
            raise ValueError
        handler, items = parse(meta.payload, 4)
    except (ValueError, BoxError):
        return _CARRIERS["udta"]
    if handler.kind != "hdlr" or handler.payload[8:12] != b"mdir" or _handler(handler.payload):
        return _CARRIERS["udta"]
    return None if items.kind == "ilst" and not items.payload else _CARRIERS["udta"]


LEAVES: dict[str, Rule] = {
    "udta": _empty_itunes_list,
    "\0\0\0\0": _empty,  # the terminator of a QuickTime 'wave' atom list
    # top level and movie
    "ftyp": _brands,
    "free": _empty,
    "skip": _empty,
    "wide": _empty,
    "mdat": _numbers,  # the coded streams themselves (docs/media.md: what is not removed)
    "mvhd": _zero_dates,
    "tkhd": _zero_dates,
    "mdhd": _zero_dates,
    "iods": lambda p: None if len(p) <= 32 and not (len(p) > 7 and p[7] & 0x20) else "a URL",
    "elst": _numbers,
    "hdlr": _handler,
    "vmhd": _numbers,
    "smhd": _numbers,
    "nmhd": _numbers,
    "sthd": _numbers,
    "dref": _references,
    # sample tables
    "stts": _numbers,
    "ctts": _numbers,
    "cslg": _numbers,
    "stss": _numbers,
    "stps": _numbers,
    "sdtp": _numbers,
    "stsc": _numbers,
    "stsz": _numbers,
    "stz2": _numbers,
    "stco": _numbers,
    "co64": _numbers,
    "subs": _numbers,
    "sgpd": _sample_groups,
    "sbgp": _sample_groups,
    # inside sample entries
    "avcC": codec_config.avc_config,
    "hvcC": codec_config.hevc_config,
    "lhvC": codec_config.hevc_config,
    "av1C": codec_config.av1_config,
    "vpcC": _numbers,
    "colr": _colour,
    "pasp": _numbers,
    "clap": _numbers,
    "fiel": _numbers,
    "gama": _numbers,
    "btrt": _numbers,
    "mdcv": _numbers,
    "clli": _numbers,
    "SmDm": _numbers,
    "CoLL": _numbers,
    "dvcC": _numbers,
    "dvvC": _numbers,
    "dvwC": _numbers,
    "st3d": _numbers,
    "svhd": _svhd,
    "prhd": _numbers,
    "equi": _numbers,
    "cbmp": _numbers,
    "esds": _numbers,  # written by ffmpeg from the AudioSpecificConfig
    "dOps": _numbers,
    "dac3": _numbers,
    "dec3": _numbers,
    "dfLa": _numbers,
    "alac": _numbers,
    "chan": _numbers,
    "frma": _numbers,
    "enda": _numbers,
    "d263": lambda p: None if p[:4] in (b"FFMP", b"\0\0\0\0") else "a vendor code",
    "damr": lambda p: None if p[:4] in (b"FFMP", b"\0\0\0\0") else "a vendor code",
    "SA3D": _numbers,
    "mp4a": _empty,  # the empty one inside a QuickTime 'wave'
}

CONTAINERS = {
    "moov",
    "trak",
    "edts",
    "mdia",
    "minf",
    "dinf",
    "stbl",
    "wave",
    "sv3d",
    "proj",
}

# Sample entries of the streams a cleaned file keeps, and the size of their fixed part.
VISUAL_ENTRIES = {
    "avc1", "avc3", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav", "mp4v", "av01", "vp09",
    "vp08", "apch", "apcn", "apcs", "apco", "ap4h", "ap4x", "s263", "h263", "jpeg", "mjpa",
}  # fmt: skip
AUDIO_ENTRIES = {
    "mp4a", "Opus", "ac-3", "ec-3", "alac", "fLaC", "lpcm", "sowt", "twos", "ipcm", "fpcm",
    "samr", "sawb", ".mp3", "mp3 ", "in24", "in32", "fl32", "fl64", "raw ", "ulaw", "alaw",
}  # fmt: skip


def _visual_entry(payload: bytes) -> tuple[str | None, int]:
    if len(payload) < 78:
        return "too short", 78
    if payload[42:74].strip(b"\0"):
        return "a compressor name (it names the encoding app or device)", 78
    return None, 78


def _audio_entry(payload: bytes) -> tuple[str | None, int]:
    if len(payload) < 28:
        return "too short", 28
    version = int.from_bytes(payload[8:10], "big")
    return None, {0: 28, 1: 44, 2: 64}.get(version, 28)


class _Walk:
    """Walks a buffer (the moov box's content) whose first byte is at `base` in the file."""

    def __init__(self, data: bytes, base: int) -> None:
        self.data = data
        self.base = base
        self.findings: list[Finding] = []
        self.count = 0

    def flag(self, path: str, reason: str, box: Box | None = None) -> None:
        if box is None:
            self.findings.append(Finding(path, reason))
        else:
            size = box.offset - box.start + len(box.payload)
            self.findings.append(Finding(path, reason, self.base + box.start, size))

    def boxes(self, start: int, end: int, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise BoxError("boxes nested too deep")
        seen: dict[str, int] = {}
        for box in parse(self.data, start, end):
            self.count += 1
            if self.count > MAX_BOXES:
                raise BoxError("too many boxes")
            seen[box.kind] = seen.get(box.kind, 0) + 1
            where = f"{path}/{box.kind}" if path else box.kind
            if box.kind == "trak":
                where += f"[{seen['trak']}]"
            self.box(box, where, depth)

    def box(self, box: Box, where: str, depth: int) -> None:
        end = box.offset + len(box.payload)
        if box.kind in CONTAINERS:
            self.boxes(box.offset, end, where, depth + 1)
        elif box.kind == "stsd":
            self.sample_descriptions(box, where, depth)
        elif box.kind in LEAVES:
            reason = LEAVES[box.kind](box.payload)
            if reason:
                self.flag(where, reason, box)
        else:
            self.flag(where, _carrier_reason(box.kind), box)

    def sample_descriptions(self, stsd: Box, where: str, depth: int) -> None:
        if len(stsd.payload) < 8:
            raise BoxError("a cut sample description")
        for entry in parse(self.data, stsd.offset + 8, stsd.offset + len(stsd.payload)):
            here = f"{where}/{entry.kind}"
            if entry.kind in VISUAL_ENTRIES:
                reason, skip = _visual_entry(entry.payload)
            elif entry.kind in AUDIO_ENTRIES:
                reason, skip = _audio_entry(entry.payload)
            else:
                self.flag(here, _carrier_reason(entry.kind), entry)
                continue
            if reason:
                self.flag(here, reason, entry)
            if len(entry.payload) >= skip:
                self.boxes(entry.offset + skip, entry.offset + len(entry.payload), here, depth + 1)


_CARRIERS = {
    "udta": "user data (location ©xyz, make, model, GoPro GPMF, FIRM, CAME, ...)",
    "meta": "metadata (keys and values such as com.apple.quicktime.location.ISO6709)",
    "uuid": "a vendor block (XMP, Sony or Canon data)",
    "tref": "a track reference (chapters or timecode)",
    "mebx": "timed metadata (Apple: location, faces, ...)",
    "gpmd": "GoPro telemetry (GPS, camera serial)",
    "camm": "camera motion metadata",
    "tmcd": "a timecode track (time of day)",
    "text": "a text track (chapters)",
    "tx3g": "a subtitle track",
    "XMP_": "XMP metadata",
    "Xtra": "Windows metadata",
}


def _carrier_reason(kind: str) -> str:
    if kind in _CARRIERS:
        return _CARRIERS[kind]
    if kind.startswith("\xa9"):
        return "a user-data text (©xyz: location, ©mak, ©mod, ...)"
    return "a box whose content we cannot prove to be structure"


def read_moov(
    handle: BinaryIO, size: int, strict: bool = True
) -> tuple[list[tuple[str, int, int]], bytes, int]:
    """The top-level boxes of a file (type, offset, size), the moov box's content, and
    where that content starts in the file.

    Not strict (an upload): once moov is read, whatever does not parse as a box is
    taken as the end (a phone's trailer, a cut media data box); our own output must be
    boxes to its last byte.
    """
    top: list[tuple[str, int, int]] = []
    moov, moov_at = b"", -1
    pos = 0
    while pos < size:
        handle.seek(pos)
        header = handle.read(16)
        length, kind_raw = struct.unpack_from(">I4s", header) if len(header) >= 8 else (0, b"")
        head = 8
        if length == 1 and len(header) >= 16:
            (length,) = struct.unpack_from(">Q", header, 8)
            head = 16
        elif length == 0 and len(header) >= 8:
            length = size - pos
        if len(header) < 8 or length < head or pos + length > size:
            if not strict and moov:
                top.append(("(trailing data)", pos, size - pos))
                break
            if not strict and _name(kind_raw) == "mdat" and len(header) >= 8:
                length = size - pos  # a cut media data box: read on for the moov
            else:
                raise BoxError(f"the box {_name(kind_raw)!r} claims more bytes than the file has")
        kind = _name(kind_raw)
        top.append((kind, pos, length))
        if kind == "moov":
            if moov or length > MAX_MOOV_BYTES:
                raise BoxError("a second moov box, or one too large")
            handle.seek(pos + head)
            moov, moov_at = handle.read(length - head), pos + head
        pos += length
        if len(top) > 10_000:
            raise BoxError("too many top-level boxes")
    return top, moov, moov_at


def judge(path: Path, strict: bool = True) -> list[Finding]:
    """Every box of an MP4/MOV/3GP file that is not structure (empty: the file is clean).

    Raises BoxError if the file's boxes cannot be walked, which for our own output means
    something is wrong: callers refuse the file.
    """
    with path.open("rb") as handle:
        size = path.stat().st_size
        top, moov, moov_at = read_moov(handle, size, strict)
        walk = _Walk(moov, moov_at)
        for kind, offset, length in top:
            if kind == "moov":
                walk.boxes(0, len(moov), "moov", 1)
            elif kind in ("free", "skip", "wide"):
                handle.seek(offset + 8)
                reason = _empty(handle.read(min(length - 8, 1 << 20)))
                if reason or length > 1 << 20:
                    walk.findings.append(Finding(kind, reason or "a large free-space box"))
            elif kind == "ftyp":
                handle.seek(offset + 8)
                reason = _brands(handle.read(min(length - 8, 257)))
                if reason:
                    walk.findings.append(Finding(kind, reason))
            elif kind == "mdat":
                continue
            elif kind == "(trailing data)":
                walk.findings.append(Finding(kind, "bytes after the last box", offset, length))
            else:
                walk.findings.append(Finding(kind, _carrier_reason(kind), offset, length))
    if not moov:
        raise BoxError("no moov box")
    return walk.findings


def blank_colour_profiles(path: Path, findings: list[Finding] | None = None) -> int:
    """Turn every ICC colour profile box (colr prof/rICC) into empty free space in place.

    ffmpeg copies a video's ICC profile into its output (as stream side data, which no
    option of ffmpeg 5.1 drops). The box keeps its size, so no chunk offset moves: its
    type becomes `free` and its content zeros, and players take the colours as
    unspecified, as they do for nearly every phone video. Returns how many were blanked.
    `findings`: judge(path), when the caller has it already.
    """
    found = [
        item
        for item in (judge(path) if findings is None else findings)
        if item.path.endswith("/colr") and item.start >= 0 and "ICC" in item.reason
    ]
    blanked = 0
    with path.open("r+b") as handle:
        for item in found:
            handle.seek(item.start)
            if int.from_bytes(handle.read(4), "big") != item.size:
                continue  # a 64-bit size: left for judge() to refuse
            handle.write(b"free" + b"\0" * (item.size - 8))
            blanked += 1
    return blanked


def drop_text_from_codec_configs(path: Path, findings: list[Finding] | None = None) -> int:
    """Rebuild, in place, each HEVC configuration (hvcC, lhvC) that holds an SEI message
    able to carry text, without it (codec_config.hevc_config_without_text).

    ffmpeg copies the configuration from the upload as it is, and x265 writes its
    settings there (its build, compiler, CPU flags and every option, free text included).
    The record shrinks, and a `free` box of zeros takes up the bytes it no longer uses,
    so no size above it and no chunk offset changes (as for blank_colour_profiles). A
    record that cannot be rebuilt so is left for judge() to refuse. Returns how many
    were rebuilt. `findings`: judge(path), when the caller has it already.
    """
    found = [
        item
        for item in (judge(path) if findings is None else findings)
        if item.path.endswith(("/hvcC", "/lhvC")) and item.start >= 0 and "SEI" in item.reason
    ]
    rebuilt = 0
    with path.open("r+b") as handle:
        for item in found:
            handle.seek(item.start)
            box = handle.read(item.size)
            if int.from_bytes(box[:4], "big") != item.size:
                continue  # a 64-bit size: left for judge() to refuse
            record = codec_config.hevc_config_without_text(box[8:])
            if record is None or item.size - 8 - len(record) < 8:
                continue  # nothing to rebuild, or no room for a free box's header
            room = item.size - 8 - len(record)
            handle.seek(item.start)
            handle.write(struct.pack(">I", 8 + len(record)) + box[4:8] + record)
            handle.write(struct.pack(">I", room) + b"free" + b"\0" * (room - 8))
            rebuilt += 1
    return rebuilt
