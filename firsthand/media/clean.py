"""Making one photo or video safe to publish: sniff, clean, read back, hash.

    cleaned = clean(upload_bytes)            # or clean_file(path)
    cleaned.sha256                           # what a statement's head covers
    summary(cleaned.removed)                 # ["GPS location", "Phone or camera model", ...]

Every output is read back before it is returned: a JPEG we wrote by walking its
segments (jpeg_structure.py), other photos by exiftool, videos by the box walker or
ffprobe and exiftool. If anything outside the allow-list in readback.py (or, in a JPEG,
any segment that is not picture data) survived, `MetadataSurvived` is raised and nothing
is returned. The SHA-256 is of the cleaned bytes only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from firsthand.media import boxes, exiftool, images, jpeg_structure, videos
from firsthand.media.errors import MalformedMedia, MediaTooLarge, MetadataSurvived, ToolFailed
from firsthand.media.kinds import HEAD_BYTES, Kind, appended_archive, sniff
from firsthand.media.limits import DEFAULT_LIMITS, Limits
from firsthand.media.readback import (
    Field,
    allowed,
    fields_of,
    probe_findings,
    refuse_survivors,
    verify_exiftool,
)
from firsthand.media.tools import workspace, write_private

# The report's name for a removed field: the same shape as any field read back.
RemovedField = Field

_EXTENSION = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/3gpp": ".3gp",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
}


@dataclass(frozen=True)
class CleanedMedia:
    """A photo or video with nothing left but pixels and sound, verified."""

    data: bytes
    media_type: str
    sha256: str  # hex SHA-256 of `data`
    size: int
    width: int  # as displayed (a video's rotation applied)
    height: int
    duration: float | None  # seconds, videos only
    removed: tuple[RemovedField, ...]
    source_type: str  # the sniffed input type: "jpeg", "heif", "mov", ...

    @property
    def extension(self) -> str:
        return _EXTENSION[self.media_type]

    @property
    def category(self) -> str:
        return self.media_type.split("/", 1)[0]


def _private_copy(original: Path | None, target: Path, data: bytes | None = None) -> Path:
    """The upload under a private name we chose, for the tools: a hard link to the file
    on disk costs nothing; otherwise its bytes are written (or copied) there."""
    if original is not None:
        try:
            os.link(original, target)
            return target
        except OSError:
            if data is None:
                shutil.copyfile(original, target)
                return target
    assert data is not None
    return write_private(target, data)


def _check_size(size: int, kind: Kind, limits: Limits) -> None:
    limit = limits.max_bytes(kind.category)
    if size > limit:
        raise MediaTooLarge(
            f"the {kind.label} is {size / 2**20:.1f} MiB; the limit is {limit / 2**20:.0f} MiB"
        )


def _removed_from(listing: exiftool.Pending, source: Path) -> list[Field]:
    """The upload's fields that will not survive, for the report. Best effort: a file
    exiftool cannot list can still be cleaned, since cleaning does not rely on it."""
    try:
        (before,) = fields_of(listing.result(), [source])
    except ToolFailed:
        return [Field("ExifTool", "Error", "the metadata could not be listed")]
    return [item for item in before if not allowed(item)]


def _carried_boxes(path: Path) -> list[Field]:
    """What an MP4/MOV's boxes carried that exiftool may not name (a colour profile, a
    timed-metadata sample entry, an XMP uuid), for the report. Best effort."""
    try:
        found = boxes.judge(path, strict=False)
    except (boxes.BoxError, OSError):
        return []
    # The rest (udta, meta, tracks, handler names) is listed by exiftool and ffprobe.
    telling = ("colr", "mebx", "gpmd", "camm", "uuid", "XMP_", "hvcC", "avcC", "lhvC", "(trai")
    return [
        Field("Box", item.path, item.reason)
        for item in found
        if item.path.rsplit("/", 1)[-1].startswith(telling)
    ]


def _finish(
    data: bytes,
    media_type: str,
    width: int,
    height: int,
    duration: float | None,
    removed: list[Field],
    kind: Kind,
) -> CleanedMedia:
    return CleanedMedia(
        data=data,
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        width=width,
        height=height,
        duration=duration,
        removed=tuple(removed),
        source_type=kind.name,
    )


def _verify_image(encoded: images.EncodedImage, kind: Kind, workdir: Path, limits: Limits) -> None:
    """Prove the re-encoded picture holds nothing but pixels, at the size we say.

    A JPEG we wrote is walked segment by segment in-process (jpeg_structure.py): that
    walk excludes every place exiftool could find a field in a JPEG, so exiftool is not
    asked again, and its frame header must give our size. It is not decoded again: a
    decode (even at 1/8 scale, which still reads every coefficient) cost as much as
    half the first decode of a 12 MP photo and can find no metadata; the tests decode
    our JPEGs instead. PNG, WebP and GIF outputs are decoded and read back by exiftool."""
    if encoded.pillow_format == "JPEG":
        jpeg_structure.prove_plain(encoded.data, encoded.width, encoded.height)
        return
    images.check_decodes(encoded, kind)
    name = "clean" + _EXTENSION[encoded.media_type]
    verify_exiftool(write_private(workdir / name, encoded.data), limits=limits)


def _clean_image(
    data: bytes, kind: Kind, limits: Limits, original: Path | None = None
) -> CleanedMedia:
    with workspace() as workdir:
        source = workdir / ("source" + kind.extension)
        # exiftool lists the upload (for the report) while Pillow decodes it; a JPEG that
        # is already only pixels (cleaned on the device) has nothing to list.
        listing = None
        if not (kind.name == "jpeg" and jpeg_structure.is_plain(data)):
            _private_copy(original, source, data)
            listing = exiftool.start([source], limits, exiftool.LISTING)
        try:
            encoded = images.clean_image(data, kind, limits)
            _verify_image(encoded, kind, workdir, limits)
            removed = [] if listing is None else _removed_from(listing, source)
        finally:
            if listing is not None:
                listing.cancel()
    if appended_archive(data):
        removed.append(Field("File", "AppendedArchive", "a ZIP archive after the image"))
    return _finish(
        encoded.data, encoded.media_type, encoded.width, encoded.height, None, removed, kind
    )


def _judge_boxes(remuxed: videos.RemuxedVideo) -> None:
    """An MP4/MOV/3GP output is walked box by box: only structure may be left (boxes.py)."""
    if remuxed.muxer not in ("mp4", "mov", "3gp"):
        return
    try:
        found = boxes.judge(remuxed.path)
        # What ffmpeg copied from the upload and can be made structure in place: an ICC
        # profile blanked, x265's settings taken out of the HEVC configuration.
        repaired = boxes.blank_colour_profiles(remuxed.path, found)
        repaired += boxes.drop_text_from_codec_configs(remuxed.path, found)
        if repaired:
            found = boxes.judge(remuxed.path)
    except boxes.BoxError as error:
        raise MalformedMedia(f"the cleaned video's boxes cannot be read back: {error}") from None
    if found:
        reasons = "; ".join(f"{item.path}: {item.reason}" for item in found[:5])
        raise MetadataSurvived(
            f"after cleaning, boxes that are not structure were still there, so the file "
            f"was not kept: {reasons}"
        )


def _clean_video(source: Path, kind: Kind, workdir: Path, limits: Limits) -> CleanedMedia:
    # the report's listing, beside ffmpeg's copy
    listing = exiftool.start([source], limits, exiftool.LISTING)
    try:
        remuxed = videos.remux(source, kind, workdir, limits)
        if remuxed.probe is not None:  # Matroska and WebM: ffprobe is their structural reader
            refuse_survivors(probe_findings(remuxed.probe))
        _judge_boxes(remuxed)  # before any other reader: it may rewrite boxes in place
        verify_exiftool(remuxed.path, limits=limits)
        removed = _removed_from(listing, source)
    finally:
        listing.cancel()
    removed.extend(remuxed.removed_streams)
    if kind.name in ("mp4", "mov", "3gp"):
        removed.extend(_carried_boxes(source))
    data = remuxed.path.read_bytes()
    return _finish(
        data, remuxed.media_type, remuxed.width, remuxed.height, remuxed.duration, removed, kind
    )


def clean(data: bytes, limits: Limits = DEFAULT_LIMITS) -> CleanedMedia:
    """Clean an upload held in memory. Raises a `MediaError` subclass if it cannot be made safe."""
    kind = sniff(data[:HEAD_BYTES])
    _check_size(len(data), kind, limits)
    if kind.category == "image":
        return _clean_image(data, kind, limits)
    with workspace() as workdir:
        source = write_private(workdir / ("source" + kind.extension), data)
        return _clean_video(source, kind, workdir, limits)


def clean_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> CleanedMedia:
    """Clean a file on disk (its name and extension are ignored)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    kind = sniff(head)
    _check_size(path.stat().st_size, kind, limits)
    if kind.category == "image":
        return _clean_image(path.read_bytes(), kind, limits, original=path)
    with workspace() as workdir:
        source = _private_copy(path, workdir / ("source" + kind.extension))
        return _clean_video(source, kind, workdir, limits)
