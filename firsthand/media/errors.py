"""Errors of the media layer.

Every error says, in words a person can act on, why a photo or video cannot be
published safely. The web and CLI layers turn them into a 4xx answer or one line
of text. None of them carries the file's bytes or its metadata values.
"""


class MediaError(ValueError):
    """Base class for every reason a file cannot be made safe to publish."""


class UnsupportedMedia(MediaError):
    """The file's bytes say it is a type we do not accept (the name is never trusted)."""


class MediaTooLarge(MediaError):
    """The file is over a byte, pixel, frame or duration limit."""


class TooManyPixels(MediaTooLarge):
    """The picture would take too much memory to decode (a decompression bomb, or just huge)."""


class MalformedMedia(MediaError):
    """The file is truncated or damaged, so its pixels or sound cannot be read."""


class MismatchedMedia(MalformedMedia):
    """The first bytes say one type but the structure is another (a polyglot or a disguise)."""


class MetadataSurvived(MediaError):
    """Reading the cleaned file back found a field that could identify someone; nothing is kept."""


class ToolFailed(MediaError):
    """An external tool (ffmpeg, ffprobe, exiftool) is missing, crashed or ran out of time."""
