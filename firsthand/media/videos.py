"""Cleaning videos: remux the main video stream and the audio into a fresh container.

One ffmpeg run copies the coded packets as they are (`-c copy`: no re-encoding, no
quality loss, seconds for a long film) into a new container that carries nothing else:

  -map 0:<v> -map 0:<a>...   only the main video stream (never a cover picture) and the
                             audio streams, chosen by index from ffprobe: GoPro GPMF and
                             Apple mebx timed metadata, timecode, subtitle, data and
                             attachment streams are simply not taken along
  -map_metadata -1           no container tags (location, com.apple.quicktime.*, title,
                             creation_time, encoder, ...)
  -map_metadata:s -1         no per-stream tags (handler and vendor names, creation_time,
                             language is rewritten by the muxer as "und")
  -map_chapters -1           no chapters (titles are free text)
  -fflags +bitexact          the muxer writes no "Lavf x.y" version, no random UIDs, no
  -flags:v/-flags:a +bitexact  dates (zero dates in QuickTime boxes)
  -write_tmcd 0              no timecode track re-created from stream tags (MOV/MP4)
  -movflags +faststart       the index first, so browsers can start playing at once

mat2 0.13 runs nearly the same ffmpeg command but with `-map 0`, which keeps every data
track (a GoPro's GPS track survives), and only for MP4, AVI and WMV.

The display matrix (a phone's "rotate 90°") is stream side data, not a tag, and is kept so
the video stays upright. What is not touched: the coded bitstream itself (an H.264 SEI
user-data message such as x264's settings string); see docs/media.md.

ffmpeg and ffprobe are always told the demuxer (-f), so a file cannot talk them into
probing it as something else (an HLS playlist that reads local files, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from firsthand.media.errors import MalformedMedia, MediaTooLarge, MismatchedMedia
from firsthand.media.kinds import Kind
from firsthand.media.limits import Limits
from firsthand.media.readback import Field, Probe, ffprobe
from firsthand.media.tools import last_line, run

DEMUXER = {"mp4": "mov", "mov": "mov", "webm": "matroska", "mkv": "matroska"}
MUXER = {"mp4": "mp4", "mov": "mov", "webm": "webm", "mkv": "matroska"}
# ffprobe's format_name for each demuxer: anything else means the structure disagrees.
FORMAT_NAME = {"mov": "mov,mp4,m4a,3gp,3g2,mj2", "matroska": "matroska,webm"}


@dataclass(frozen=True)
class RemuxedVideo:
    path: Path
    probe: Probe  # of the output
    source: Probe  # of the input
    removed_streams: tuple[Field, ...]


def inspect_source(path: Path, kind: Kind, limits: Limits) -> Probe:
    """Probe the upload and check it is what its first bytes said, within limits."""
    demuxer = DEMUXER[kind.name]
    probe = ffprobe(path, demuxer, limits)
    if probe.format_name != FORMAT_NAME[demuxer]:
        raise MismatchedMedia(
            f"the file starts like a {kind.label} but ffprobe reads it as {probe.format_name!r}"
        )
    video = probe.video()
    if video is None:
        raise MalformedMedia(f"the {kind.label} has no video stream that can be read")
    if video.width <= 0 or video.height <= 0:
        raise MalformedMedia(f"the {kind.label}'s video stream has no picture size")
    if video.width * video.height > limits.max_video_pixels:
        raise MediaTooLarge(f"the video is {video.width}x{video.height}; the largest we take is 8K")
    if probe.duration is not None and probe.duration > limits.max_video_seconds:
        raise MediaTooLarge(
            f"the video lasts {probe.duration / 60:.0f} minutes; the limit is "
            f"{limits.max_video_seconds / 60:.0f} minutes"
        )
    return probe


def _dropped(probe: Probe, kept: set[int]) -> tuple[Field, ...]:
    dropped = []
    for stream in probe.streams:
        if stream.index in kept:
            continue
        kind = "cover picture" if stream.attached_pic else stream.codec_type
        if stream.codec_type == "video" and not stream.attached_pic:
            kind = "extra video"
        dropped.append(Field(f"Stream {stream.index}", f"{kind} stream", stream.codec_name))
    for number, chapter in enumerate(probe.chapters, 1):
        title = str(chapter.get("tags", {}).get("title", ""))
        dropped.append(Field("Chapter", f"chapter {number}", title))
    return tuple(dropped)


def remux(source: Path, kind: Kind, workdir: Path, limits: Limits) -> RemuxedVideo:
    """Copy the main video and the audio streams into a new, tag-free container."""
    probe = inspect_source(source, kind, limits)
    video = probe.video()
    assert video is not None  # inspect_source refused a file without one
    audio = [s.index for s in probe.streams if s.codec_type == "audio"]
    kept = {video.index, *audio}
    output = workdir / ("clean" + kind.extension)
    argv = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-f",
        DEMUXER[kind.name],
        "-i",
        "file:" + source.name,
        "-map",
        f"0:{video.index}",
    ]
    for index in audio:
        argv += ["-map", f"0:{index}"]
    argv += [
        "-map_metadata",
        "-1",
        "-map_metadata:s",
        "-1",
        "-map_chapters",
        "-1",
        "-c",
        "copy",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-flags:a",
        "+bitexact",
    ]
    if MUXER[kind.name] in ("mp4", "mov"):
        argv += ["-write_tmcd", "0", "-movflags", "+faststart"]
    argv += ["-f", MUXER[kind.name], "file:" + output.name]
    completed = run(argv, limits=limits, cwd=workdir, max_file_bytes=2 * limits.max_video_bytes)
    if completed.returncode != 0 or not output.exists():
        raise MalformedMedia(
            f"the {kind.label} could not be rewritten without its metadata: "
            f"{last_line(completed.stderr)}"
        )
    return RemuxedVideo(
        output, ffprobe(output, DEMUXER[kind.name], limits), probe, _dropped(probe, kept)
    )


def poster_png(video: Path, kind: Kind, workdir: Path, limits: Limits) -> Path:
    """The first frame as a PNG (ffmpeg turns it upright by the display matrix)."""
    output = workdir / "poster.png"
    completed = run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-f",
            DEMUXER[kind.name],
            "-i",
            "file:" + video.name,
            "-map",
            "0:v:0",
            "-frames:v",
            "1",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            "-f",
            "image2",
            "-c:v",
            "png",
            "file:" + output.name,
        ],
        limits=limits,
        cwd=workdir,
        max_file_bytes=limits.max_image_bytes * 4,
    )
    if completed.returncode != 0 or not output.exists():
        raise MalformedMedia(
            f"no frame could be read from the video: {last_line(completed.stderr)}"
        )
    return output
