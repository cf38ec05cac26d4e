"""Making one photo or video safe to publish: sniff, clean, read back, hash.

    cleaned = clean(upload_bytes)            # or clean_file(path)
    cleaned.sha256                           # what a statement's head covers
    summary(cleaned.removed)                 # ["GPS location", "Phone or camera model", ...]

Every output is read back by exiftool (and ffprobe for videos) before it is returned;
if any field outside the allow-list in readback.py survived, `MetadataSurvived` is
raised and nothing is returned. The SHA-256 is of the cleaned bytes only.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from firsthand.media import images, videos
from firsthand.media.errors import MalformedMedia, MediaTooLarge, ToolFailed
from firsthand.media.kinds import HEAD_BYTES, Kind, appended_archive, sniff
from firsthand.media.limits import DEFAULT_LIMITS, Limits
from firsthand.media.readback import (
    Field,
    allowed,
    exiftool_fields,
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


def _check_size(size: int, kind: Kind, limits: Limits) -> None:
    limit = limits.max_bytes(kind.category)
    if size > limit:
        raise MediaTooLarge(
            f"the {kind.label} is {size / 2**20:.1f} MiB; the limit is {limit / 2**20:.0f} MiB"
        )


def _source_fields(path: Path, limits: Limits) -> list[Field]:
    """What the upload carries that will not survive, for the report. Best effort:
    a file exiftool cannot list can still be cleaned, since cleaning does not rely on it."""
    try:
        (fields,) = exiftool_fields(path, limits=limits)
    except ToolFailed:
        return [Field("ExifTool", "Error", "the metadata could not be listed")]
    return [item for item in fields if not allowed(item)]


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


def _clean_image(data: bytes, kind: Kind, limits: Limits) -> CleanedMedia:
    with workspace() as workdir:
        source = write_private(workdir / ("source" + kind.extension), data)
        removed = _source_fields(source, limits)
        if appended_archive(data):
            removed.append(Field("File", "AppendedArchive", "a ZIP archive after the image"))
        encoded = images.clean_image(data, kind, limits)
        images.check_decodes(encoded, kind)
        output = write_private(workdir / ("clean" + _EXTENSION[encoded.media_type]), encoded.data)
        verify_exiftool(output, limits=limits)
    return _finish(
        encoded.data, encoded.media_type, encoded.width, encoded.height, None, removed, kind
    )


def _clean_video(source: Path, kind: Kind, workdir: Path, limits: Limits) -> CleanedMedia:
    removed = _source_fields(source, limits)
    remuxed = videos.remux(source, kind, workdir, limits)
    removed.extend(remuxed.removed_streams)
    refuse_survivors(probe_findings(remuxed.probe))
    verify_exiftool(remuxed.path, limits=limits)
    video, before = remuxed.probe.video(), remuxed.source.video()
    if video is None or before is None or video.codec_name != before.codec_name:
        raise MalformedMedia("the cleaned video's picture stream is not the one uploaded")
    width, height = video.width, video.height
    if round(video.rotation) % 180:
        width, height = height, width
    data = remuxed.path.read_bytes()
    return _finish(data, kind.media_type, width, height, remuxed.probe.duration, removed, kind)


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
        return _clean_image(path.read_bytes(), kind, limits)
    with workspace() as workdir:
        source = workdir / ("source" + kind.extension)
        shutil.copyfile(path, source)  # a private copy with a name we chose
        return _clean_video(source, kind, workdir, limits)
