"""Writing the boxes ffmpeg cannot: phone-like MP4/MOV fixtures for the media tests.

ffmpeg makes the streams, a QuickTime ©xyz location, Apple keys and a timecode track. What
phones and cameras add beyond that is written here, box by box, into a file whose moov
comes after its media data (so no chunk offset moves when moov grows):

  - an Apple timed-metadata track (mebx sample entry with a `keys` box naming
    com.apple.quicktime.location.ISO6709, samples holding the location),
  - a GoPro telemetry track (gpmd sample entry, "GoPro MET" handler) whose samples are
    real GPMF payloads from GoPro cameras (gopro-telemetry's samples on npm),
  - GoPro's udta boxes (FIRM, LENS, CAME, and a global GPMF),
  - an ICC profile in the video sample entry (colr of type prof),
  - an XMP uuid box, as Adobe Premiere and Final Cut write them.

Only the tests use this: the product reads boxes (firsthand/media/boxes.py), it never
writes them.
"""

from __future__ import annotations

import struct
from pathlib import Path

XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """Top-level (kind, whole box) pairs of data (32-bit sizes only: our own fixtures)."""
    found, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        size = size or len(data) - pos
        found.append((kind, data[pos : pos + size]))
        pos += size
    return found


def _rebuild(kind: bytes, children: list[bytes], head: bytes = b"") -> bytes:
    return box(kind, head + b"".join(children))


def _edit(container: bytes, path: list[bytes], add: bytes, head: int = 0) -> bytes:
    """Append `add` inside the box reached by `path` (kinds, the first match each level)."""
    kind = container[4:8]
    head_bytes = container[8 : 8 + head]
    children = [whole for _, whole in boxes(container[8 + head :])]
    if not path:
        return _rebuild(kind, [*children, add], head_bytes)
    target, rest = path[0], path[1:]
    for number, child in enumerate(children):
        if child[4:8] == target:
            inner = {b"stsd": 8, b"meta": 4}.get(target, 0)
            if rest and rest[0] == b"*entry":  # the first sample entry of an stsd
                entry = boxes(child[16:])[0][1]
                fixed = 78 if entry[4:8] in (b"avc1", b"hvc1", b"hev1") else 28
                entry = _edit(entry, rest[1:], add, fixed)
                children[number] = _rebuild(b"stsd", [entry], child[8:16])
            else:
                children[number] = _edit(child, rest, add, inner)
            return _rebuild(kind, children, head_bytes)
    raise KeyError(target)


def _track(track_id: int, handler: bytes, name: bytes, entry: bytes, samples: list[bytes],
           offset: int, timescale: int = 1000, header: bytes = b"") -> bytes:  # fmt: skip
    duration = 1000
    tkhd = full(b"tkhd", struct.pack(">III4xI8xHHHH36xII", 0, 0, track_id, duration,
                                       0, 0, 0, 0, 0, 0), flags=1)  # fmt: skip
    mdhd = full(b"mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = full(b"hdlr", b"\0\0\0\0" + handler + b"\0" * 12 + name + b"\0")
    dinf = box(b"dinf", full(b"dref", struct.pack(">I", 1) + full(b"url ", b"", flags=1)))
    stsd = full(b"stsd", struct.pack(">I", 1) + entry)
    stts = full(b"stts", struct.pack(">III", 1, len(samples), duration // len(samples)))
    stsc = full(b"stsc", struct.pack(">IIII", 1, 1, len(samples), 1))
    stsz = full(b"stsz", struct.pack(">II", 0, len(samples))
                + b"".join(struct.pack(">I", len(s)) for s in samples))  # fmt: skip
    stco = full(b"stco", struct.pack(">II", 1, offset))
    stbl = box(b"stbl", stsd + stts + stsc + stsz + stco)
    minf = box(b"minf", (header or full(b"nmhd", b"")) + dinf + stbl)
    return box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + minf))


def mebx_track(track_id: int, iso6709: str, offset: int) -> tuple[bytes, bytes]:
    """Apple's timed location metadata: (trak box, sample bytes)."""
    key = b"com.apple.quicktime.location.ISO6709"
    keyd = box(b"keyd", b"mdta" + key)
    dtyp = box(b"dtyp", struct.pack(">I", 0) + struct.pack(">I", 1))  # UTF-8
    keys = box(b"keys", box(struct.pack(">I", 1), keyd + dtyp))
    entry = box(b"mebx", b"\0" * 6 + struct.pack(">H", 1) + keys)
    sample = box(struct.pack(">I", 1), iso6709.encode())
    return _track(track_id, b"meta", b"Core Media Metadata", entry, [sample], offset), sample


def gpmd_track(track_id: int, payload: bytes, offset: int) -> tuple[bytes, bytes]:
    """GoPro's telemetry track, as the cameras write it: (trak box, sample bytes)."""
    entry = box(b"gpmd", b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 4)
    gmhd = box(b"gmhd", full(b"gmin", struct.pack(">HHHHHH", 64, 32768, 32768, 32768, 0, 0)))
    trak = _track(track_id, b"meta", b"\tGoPro MET", entry, [payload], offset, header=gmhd)
    return trak, payload


def apac_track(track_id: int, offset: int) -> tuple[bytes, bytes]:
    """A sound track in a codec the cleaner does not know (Apple's APAC spatial audio)."""
    entry = box(b"apac", b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 8 + struct.pack(">HH", 2, 16)
                + b"\0" * 4 + struct.pack(">I", 48000 << 16))  # fmt: skip
    sample = b"\x5a" * 64
    smhd = full(b"smhd", b"\0" * 4)
    return _track(track_id, b"soun", b"SoundHandler", entry, [sample], offset, header=smhd), sample


def xmp_uuid(xmp: str) -> bytes:
    return box(b"uuid", XMP_UUID + xmp.encode())


def icc_colr(profile: bytes) -> bytes:
    return box(b"colr", b"prof" + profile)


def next_track_id(moov: bytes) -> int:
    for kind, whole in boxes(moov[8:]):
        if kind == b"mvhd":
            version = whole[8]
            return int.from_bytes(whole[-4:], "big") if version == 0 else 99
    return 99


def rewrite(
    source: Path,
    out: Path,
    *,
    samples_tracks: list[str] = (),  # type: ignore[assignment]
    gpmf: bytes = b"",
    iso6709: str = "",
    moov_boxes: list[bytes] = (),  # type: ignore[assignment]
    top_boxes: list[bytes] = (),  # type: ignore[assignment]
    video_entry_boxes: list[bytes] = (),  # type: ignore[assignment]
) -> Path:
    """Copy a moov-last MP4/MOV, adding boxes and tracks; new samples go in a second mdat."""
    data = source.read_bytes()
    top = boxes(data)
    kinds = [kind for kind, _ in top]
    assert kinds.index(b"moov") > kinds.index(b"mdat"), "make the input without +faststart"
    prefix = b"".join(whole for kind, whole in top if kind != b"moov")
    moov = next(whole for kind, whole in top if kind == b"moov")
    for child in video_entry_boxes:
        moov = _edit(moov, [b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"*entry"], child)
    for child in moov_boxes:
        moov = _edit(moov, [], child)
    top_extra = b"".join(top_boxes)

    def build(base: int) -> tuple[bytes, bytes]:
        tracks, payloads, offset = [], [], base
        track_id = next_track_id(moov)
        for name in samples_tracks:
            if name == "mebx":
                trak, sample = mebx_track(track_id, iso6709, offset)
            elif name == "apac":
                trak, sample = apac_track(track_id, offset)
            else:
                trak, sample = gpmd_track(track_id, gpmf, offset)
            tracks.append(trak)
            payloads.append(sample)
            offset += len(sample)
            track_id += 1
        new_moov = moov
        for trak in tracks:
            new_moov = _edit(new_moov, [], trak)
        return new_moov, b"".join(payloads)

    first, extra = build(0)
    base = len(prefix) + len(top_extra) + len(first) + 8
    final, extra = build(base)
    assert len(final) == len(first)
    out.write_bytes(prefix + top_extra + final + box(b"mdat", extra))
    return out
