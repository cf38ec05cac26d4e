"""Reading a file's fields back with exiftool and ffprobe, and judging them.

Cleaning is only trusted after an independent reader finds nothing left. Every field
exiftool (`-j -G1 -a -u -n`: all groups, duplicates and unknown tags, raw values) or
ffprobe reports on a cleaned file must be on the allow-list below; a field that is not
on it is taken as identifying and the file is refused (`MetadataSurvived`). An
allow-list fails closed: a new camera's odd tag costs a refused upload, not a leak.

The allow-list holds structure only: sizes, codecs, sample tables, colour type, brand.
Dates are allowed only as the zero date ffmpeg writes under +bitexact; handler, vendor
and muxer names only with the fixed values ffmpeg writes itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firsthand.media import exiftool
from firsthand.media.errors import MalformedMedia, MetadataSurvived, ToolFailed
from firsthand.media.limits import Limits
from firsthand.media.tools import last_line, run


@dataclass(frozen=True)
class Field:
    """One metadata field: exiftool's family-1 group (or "Stream", "Chapter"), name, value."""

    group: str
    name: str
    value: str


# exiftool groups about the file on disk, not its content. exiftool's own Warning and
# Error fields are kept: on a cleaned file they mean something odd is still in there.
_NOT_CONTENT = {"System", "SourceFile", "ExifTool:ExifToolVersion"}

_ZERO_DATE = frozenset({"0000:00:00 00:00:00"})

# group -> field names allowed with any value. "Track" stands for Track1, Track2, ...
ALLOWED: Mapping[str, frozenset[str]] = {
    "File": frozenset(
        {
            "FileType",
            "FileTypeExtension",
            "MIMEType",
            "ImageWidth",
            "ImageHeight",
            "BitsPerSample",
            "ColorComponents",
            "EncodingProcess",
            "YCbCrSubSampling",
        }
    ),
    "Composite": frozenset({"ImageSize", "Megapixels", "AvgBitrate", "Rotation"}),
    "JFIF": frozenset({"JFIFVersion", "ResolutionUnit", "XResolution", "YResolution"}),
    "PNG": frozenset(
        {
            "ImageWidth",
            "ImageHeight",
            "BitDepth",
            "ColorType",
            "Compression",
            "Filter",
            "Interlace",
            "AnimationFrames",
            "AnimationPlays",
        }
    ),
    "GIF": frozenset(
        {
            "GIFVersion",
            "ImageWidth",
            "ImageHeight",
            "HasColorMap",
            "ColorResolutionDepth",
            "BitsPerPixel",
            "BackgroundColor",
            "AnimationIterations",
            "FrameCount",
            "Duration",
            "TransparentColor",
        }
    ),
    "RIFF": frozenset(
        {
            "ImageWidth",
            "ImageHeight",
            "VP8Version",
            "HorizontalScale",
            "VerticalScale",
            "WebP_Flags",
            "AnimationLoopCount",
            "BackgroundColor",
            "Duration",
            "AlphaPreprocessing",
            "AlphaFiltering",
            "AlphaCompression",
        }
    ),
    "QuickTime": frozenset(
        {
            "MajorBrand",
            "MinorVersion",
            "CompatibleBrands",
            "MovieHeaderVersion",
            "TimeScale",
            "Duration",
            "PreferredRate",
            "PreferredVolume",
            "MatrixStructure",
            "PreviewTime",
            "PreviewDuration",
            "PosterTime",
            "SelectionTime",
            "SelectionDuration",
            "CurrentTime",
            "NextTrackID",
            "MediaDataSize",
            "MediaDataOffset",
            "MediaData",
        }
    ),
    "Track": frozenset(
        {
            # QuickTime track, media and sample-description boxes
            "TrackHeaderVersion",
            "TrackID",
            "TrackDuration",
            "TrackLayer",
            "TrackVolume",
            "MatrixStructure",
            "ImageWidth",
            "ImageHeight",
            "Unknown_edts",
            "MediaHeaderVersion",
            "MediaTimeScale",
            "MediaDuration",
            "MediaLanguageCode",
            "HandlerClass",
            "HandlerType",
            "GraphicsMode",
            "OpColor",
            "CompressorID",
            "SourceImageWidth",
            "SourceImageHeight",
            "XResolution",
            "YResolution",
            "BitDepth",
            "AVCConfiguration",
            "PixelAspectRatio",
            "BufferSize",
            "MaxBitrate",
            "AverageBitrate",
            "VideoFrameRate",
            "SyncSampleTable",
            "SampleToChunk",
            "SampleSizes",
            "ChunkOffset",
            "ChunkOffset64",
            "TimeToSampleTable",
            "CompositionTimeToSample",
            "SampleGroupDescription",
            "SampleToGroup",
            "Balance",
            "AudioFormat",
            "AudioChannels",
            "AudioBitsPerSample",
            "AudioSampleRate",
            "Unknown_esds",
            "Unknown_btrt",
            "Unknown_dOps",
            "Unknown_vpcC",
            "Unknown_av1C",
            "ColorRepresentation",
            "ColorPrimaries",
            "TransferCharacteristics",
            "MatrixCoefficients",
            "VideoFullRangeFlag",
            "CleanApertureDimensions",
            "ProductionApertureDimensions",
            "LayoutFlags",
            "AudioLayoutFlags",
            "PurchaseFileFormat",  # exiftool's name for the 'frma' box: the codec's fourcc
            "EncodedPixelsDimensions",
            "GenMediaVersion",
            "GenFlags",
            "GenGraphicsMode",
            "GenOpColor",
            "GenBalance",
            # HEVC decoder configuration, as exiftool spells it out
            "HEVCConfigurationVersion",
            "GeneralProfileSpace",
            "GeneralTierFlag",
            "GeneralProfileIDC",
            "GenProfileCompatibilityFlags",
            "ConstraintIndicatorFlags",
            "GeneralLevelIDC",
            "MinSpatialSegmentationIDC",
            "ParallelismType",
            "ChromaFormat",
            "BitDepthLuma",
            "BitDepthChroma",
            "AverageFrameRate",
            "ConstantFrameRate",
            "NumTemporalLayers",
            "TemporalIDNested",
            # Boxes that the box walker (boxes.py) proves to be structure: exiftool sees
            # them but has no fields for their numbers.
            "Unknown_hvcC",  # HEVC configuration: parameter sets only (no SEI)
            "IdependentAndDisposableSamples",  # sdtp, exiftool's spelling
            "VideoFieldOrder",  # fiel
            "Unknown_clli",
            "Unknown_mdcv",
            "Unknown_dvcC",
            "Unknown_dvvC",
            "Unknown_pasp",
            "Unknown_d263",  # H.263 decoder level and profile (vendor checked by boxes.py)
            "Unknown_damr",
            # space left by boxes.blank_colour_profiles / drop_text_from_codec_configs
            "Unknown_free",
            # Matroska tracks
            "TrackNumber",
            "TrackUID",
            "TrackLacing",
            "TrackLanguage",
            "TrackDefault",
            "CodecID",
            "TrackType",
            "VideoScanType",
            "CodecPrivate",
            "DisplayWidth",
            "DisplayHeight",
            "DisplayUnit",
            "DefaultDuration",
            "TrackForced",
            "Matroska_0x15b0",  # Colour element (primaries, transfer, range)
            "Matroska_0x16aa",  # CodecDelay
            "Matroska_0x16bb",  # SeekPreRoll
            "Matroska_0x55aa",  # FlagOriginal / FlagCommentary style flags
            "Matroska_0x55ee",  # MaxBlockAdditionID
        }
    ),
    "Matroska": frozenset(
        {
            "EBMLVersion",
            "EBMLReadVersion",
            "EBMLMaxIDLength",
            "EBMLMaxSizeLength",
            "DocType",
            "DocTypeVersion",
            "DocTypeReadVersion",
            "SeekID",
            "SeekPosition",
            "TimecodeScale",
            "CRC-32",
            "TagTrackUID",
            "Duration",
            "Void",
        }
    ),
}

# (group, name) -> the only values allowed: fixed strings ffmpeg writes under +bitexact.
ALLOWED_VALUES: Mapping[tuple[str, str], frozenset[str]] = {
    ("QuickTime", "CreateDate"): _ZERO_DATE,
    ("QuickTime", "ModifyDate"): _ZERO_DATE,
    ("Track", "TrackCreateDate"): _ZERO_DATE,
    ("Track", "TrackModifyDate"): _ZERO_DATE,
    ("Track", "MediaCreateDate"): _ZERO_DATE,
    ("Track", "MediaModifyDate"): _ZERO_DATE,
    ("Track", "HandlerDescription"): frozenset({"VideoHandler", "SoundHandler", "DataHandler"}),
    ("Track", "Unknown_mp4a"): frozenset({""}),  # the empty 'mp4a' atom inside a MOV 'wave'
    # colr: the number-only kinds. A 'prof' (ICC profile) is never allowed.
    ("Track", "ColorProfiles"): frozenset({"nclx", "nclc"}),
    ("Track", "VendorID"): frozenset({"FFMP"}),
    ("QuickTime", "HandlerType"): frozenset({"mdir"}),
    ("QuickTime", "HandlerVendorID"): frozenset({"appl"}),
    ("QuickTime", "Free"): frozenset({"(Binary data 0 bytes, use -b option to extract)"}),
    ("QuickTime", "Wide"): frozenset({"(Binary data 0 bytes, use -b option to extract)"}),
    ("Matroska", "MuxingApp"): frozenset({"Lavf"}),
    ("Matroska", "WritingApp"): frozenset({"Lavf"}),
}

# ffprobe: tags allowed on the container and on each stream (name -> allowed value pattern).
ALLOWED_FORMAT_TAGS: Mapping[str, re.Pattern[str]] = {
    "major_brand": re.compile(r"[ -~]{4}"),
    "minor_version": re.compile(r"\d+"),
    "compatible_brands": re.compile(r"[ -~]*"),
    "encoder": re.compile(r"Lavf"),  # Matroska's muxing app under +bitexact: no version
}
ALLOWED_STREAM_TAGS: Mapping[str, re.Pattern[str]] = {
    "language": re.compile(r"[a-z]{3}"),
    "handler_name": re.compile(r"VideoHandler|SoundHandler"),
    "vendor_id": re.compile(r"\[0\]\[0\]\[0\]\[0\]|FFMP"),
    "DURATION": re.compile(r"\d+:\d\d:\d\d\.\d+"),  # Matroska muxer's per-track length
}
KEPT_STREAM_TYPES = frozenset({"video", "audio"})


def _family(group: str) -> str:
    return "Track" if re.fullmatch(r"Track\d+", group) else group


def allowed(item: Field) -> bool:
    """Whether a field reported on a cleaned file is harmless structure."""
    family = _family(item.group)
    if item.name in ALLOWED.get(family, frozenset()):
        return True
    values = ALLOWED_VALUES.get((family, item.name))
    return values is not None and item.value in values


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_text(part) for part in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def exiftool_fields(*paths: Path, limits: Limits) -> list[list[Field]]:
    """Every content field exiftool finds in each file (not file-system facts).

    One request to a long-lived exiftool reads all the files (exiftool.py): Perl's
    start-up costs more than the reading.
    """
    return fields_of(exiftool.read(paths, limits), paths)


def fields_of(answer: exiftool.Records, paths: Sequence[Path]) -> list[list[Field]]:
    """The fields of each file from one exiftool answer (ToolFailed if it has none)."""
    records, stderr = answer
    try:
        assert records is not None
        by_path = {str(record["SourceFile"]): record for record in records}
        ordered = [by_path[str(path.resolve())] for path in paths]
    except (AssertionError, KeyError, TypeError):
        reason = last_line(stderr)
        raise ToolFailed(f"exiftool could not read the file: {reason}") from None
    result = []
    for record in ordered:
        fields = []
        for key, value in record.items():
            group, _, name = key.rpartition(":")
            if group in _NOT_CONTENT or key in _NOT_CONTENT:
                continue
            fields.append(Field(group, name, _text(value)))
        result.append(fields)
    return result


@dataclass(frozen=True)
class Stream:
    index: int
    codec_type: str
    codec_name: str
    width: int
    height: int
    attached_pic: bool
    tags: Mapping[str, str]
    rotation: float


@dataclass(frozen=True)
class Probe:
    """What ffprobe says about a video file."""

    format_name: str
    duration: float | None
    tags: Mapping[str, str]
    streams: tuple[Stream, ...]
    chapters: tuple[Mapping[str, Any], ...] = field(default=())

    def video(self) -> Stream | None:
        """The main video stream: the first that is not a cover picture."""
        for stream in self.streams:
            if stream.codec_type == "video" and not stream.attached_pic:
                return stream
        return None


def _rotation(raw: Mapping[str, Any]) -> float:
    for side in raw.get("side_data_list", ()):
        if "rotation" in side:
            return float(side["rotation"])
    return 0.0


def ffprobe(path: Path, demuxer: str, limits: Limits) -> Probe:
    """ffprobe forced to one demuxer, so the file cannot be probed as something else."""
    completed = run(
        [
            "ffprobe",
            "-v",
            "error",
            "-f",
            demuxer,
            "-show_streams",
            "-show_format",
            "-show_chapters",
            "-of",
            "json",
            "file:" + path.name,
        ],
        limits=limits,
        cwd=path.parent,
        max_file_bytes=0,
    )
    try:
        data = json.loads(completed.stdout.decode("utf-8", "replace"))
        raw_format = data["format"]
    except (ValueError, KeyError):
        raise MalformedMedia(f"the video cannot be read: {last_line(completed.stderr)}") from None
    streams = tuple(
        Stream(
            index=int(raw["index"]),
            codec_type=str(raw.get("codec_type", "unknown")),
            codec_name=str(raw.get("codec_name", raw.get("codec_tag_string", "unknown"))),
            width=int(raw.get("width", 0)),
            height=int(raw.get("height", 0)),
            attached_pic=bool(raw.get("disposition", {}).get("attached_pic", 0)),
            tags={str(k): _text(v) for k, v in raw.get("tags", {}).items()},
            rotation=_rotation(raw),
        )
        for raw in data.get("streams", ())
    )
    duration = raw_format.get("duration")
    return Probe(
        format_name=str(raw_format.get("format_name", "")),
        duration=float(duration) if duration not in (None, "N/A") else None,
        tags={str(k): _text(v) for k, v in raw_format.get("tags", {}).items()},
        streams=streams,
        chapters=tuple(data.get("chapters", ())),
    )


def probe_findings(probe: Probe) -> list[Field]:
    """Everything in a probe that a cleaned video must not have."""
    found = [
        Field("Container", name, value)
        for name, value in probe.tags.items()
        if not (name in ALLOWED_FORMAT_TAGS and ALLOWED_FORMAT_TAGS[name].fullmatch(value))
    ]
    videos = 0
    for stream in probe.streams:
        where = f"Stream {stream.index}"
        if stream.codec_type not in KEPT_STREAM_TYPES or stream.attached_pic:
            kind = "cover picture" if stream.attached_pic else stream.codec_type
            found.append(Field(where, f"{kind} stream", stream.codec_name))
        elif stream.codec_type == "video":
            videos += 1
            if videos > 1:
                found.append(Field(where, "extra video stream", stream.codec_name))
        for name, value in stream.tags.items():
            pattern = ALLOWED_STREAM_TAGS.get(name)
            if pattern is None or not pattern.fullmatch(value):
                found.append(Field(where, name, value))
    for number, chapter in enumerate(probe.chapters, 1):
        title = _text(chapter.get("tags", {}).get("title", ""))
        found.append(Field("Chapter", f"chapter {number}", title))
    return found


def refuse_survivors(found: list[Field]) -> None:
    """Raise `MetadataSurvived` naming the fields, if any were found on a cleaned file."""
    if found:
        names = ", ".join(sorted({f"{item.group}:{item.name}" for item in found}))
        raise MetadataSurvived(
            f"after cleaning, these fields were still there, so the file was not kept: {names}"
        )


def verify_exiftool(*paths: Path, limits: Limits) -> None:
    """Read cleaned files back with exiftool; refuse if anything is not allow-listed."""
    for fields in exiftool_fields(*paths, limits=limits):
        refuse_survivors([item for item in fields if not allowed(item)])
