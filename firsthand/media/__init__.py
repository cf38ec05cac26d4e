"""Safe media: photos and videos published with location, device and editing metadata removed.

    from firsthand.media import clean, summary, thumbnails
    cleaned = clean(upload)              # raises a MediaError subclass if it cannot be made safe
    summary(cleaned.removed)             # ["GPS location", "Phone or camera model", ...]
    thumbnails(cleaned)                  # {320: Rendition, 1280: Rendition}

Modules: kinds (type sniffing), limits, tools (fenced external tools), exiftool (one
long-lived exiftool per process), images (Pillow), videos (ffmpeg), boxes (MP4/MOV boxes
judged by what they can carry), readback (exiftool/ffprobe and the allow-list), labels,
clean, renditions. Why each tool was chosen per format: docs/media.md.
"""

from firsthand.media.clean import CleanedMedia, RemovedField, clean, clean_file
from firsthand.media.errors import (
    MalformedMedia,
    MediaError,
    MediaTooLarge,
    MetadataSurvived,
    MismatchedMedia,
    ToolFailed,
    TooManyPixels,
    UnsupportedMedia,
)
from firsthand.media.kinds import KINDS, Kind, sniff
from firsthand.media.labels import label, summary
from firsthand.media.limits import DEFAULT_LIMITS, Limits
from firsthand.media.renditions import Rendition, poster, thumbnails

__all__ = [
    "DEFAULT_LIMITS",
    "KINDS",
    "CleanedMedia",
    "Kind",
    "Limits",
    "MalformedMedia",
    "MediaError",
    "MediaTooLarge",
    "MetadataSurvived",
    "MismatchedMedia",
    "RemovedField",
    "Rendition",
    "TooManyPixels",
    "ToolFailed",
    "UnsupportedMedia",
    "clean",
    "clean_file",
    "label",
    "poster",
    "sniff",
    "summary",
    "thumbnails",
]
