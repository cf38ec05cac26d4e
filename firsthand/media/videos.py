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

from firsthand.media import boxes, tracks
from firsthand.media.errors import (
    MalformedMedia,
    MediaTooLarge,
    MismatchedMedia,
    UnsupportedMedia,
)
from firsthand.media.kinds import Kind
from firsthand.media.limits import Limits
from firsthand.media.readback import Field, Probe, ffprobe
from firsthand.media.tools import last_line, run

DEMUXER = {"mp4": "mov", "mov": "mov", "3gp": "mov", "webm": "matroska", "mkv": "matroska"}
MUXER = {"mp4": "mp4", "mov": "mov", "3gp": "3gp", "webm": "webm", "mkv": "matroska"}
# A 3GP whose streams all fit in MP4 (an Android phone's H.264 + AAC) is written as MP4,
# which every browser plays; one with H.263 or AMR stays 3GP.
MEDIA_TYPE = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "webm": "video/webm",
    "matroska": "video/x-matroska",
}
EXTENSION = {"mp4": ".mp4", "mov": ".mov", "3gp": ".3gp", "webm": ".webm", "matroska": ".mkv"}
# ffprobe's format_name for each demuxer: anything else means the structure disagrees.
FORMAT_NAME = {"mov": "mov,mp4,m4a,3gp,3g2,mj2", "matroska": "matroska,webm"}


@dataclass(frozen=True)
class RemuxedVideo:
    path: Path
    muxer: str  # "mp4", "mov", "3gp", "webm" or "matroska"
    width: int  # as displayed (a quarter turn applied)
    height: int
    duration: float | None
    removed_streams: tuple[Field, ...]
    probe: Probe | None = None  # of the output (Matroska and WebM only: see remux_iso)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPE[self.muxer]


# Sample entries MP4's muxer takes (a 3GP with only these is written as MP4).
_MP4_ENTRIES = frozenset(
    {"avc1", "avc3", "hvc1", "hev1", "mp4v", "av01", "vp09", "mp4a", "Opus", ".mp3", "alac"}
)


def output_muxer(kind: Kind, entries: set[str]) -> str:
    """The container a cleaned video is written in (the input's, but 3GP becomes MP4
    when every kept stream fits in one)."""
    if kind.name != "3gp":
        return MUXER[kind.name]
    return "mp4" if entries <= _MP4_ENTRIES else "3gp"


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


def _copy(source: Path, kind: Kind, maps: list[str], muxer: str, workdir: Path,
          limits: Limits) -> Path:  # fmt: skip
    """One ffmpeg run: the mapped streams' packets, copied into a new tag-free container."""
    output = workdir / ("clean" + EXTENSION[muxer])
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-f", DEMUXER[kind.name]]
    argv += ["-i", "file:" + source.name]
    for stream in maps:
        argv += ["-map", stream]
    argv += [
        "-map_metadata", "-1", "-map_metadata:s", "-1", "-map_chapters", "-1", "-c", "copy",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
    ]  # fmt: skip
    if muxer in ("mp4", "mov", "3gp"):
        argv += ["-write_tmcd", "0", "-movflags", "+faststart"]
    argv += ["-f", muxer, "file:" + output.name]
    completed = run(argv, limits=limits, cwd=workdir, max_file_bytes=2 * limits.max_video_bytes)
    if completed.returncode != 0 or not output.exists():
        raise MalformedMedia(
            f"the {kind.label} could not be rewritten without its metadata: "
            f"{last_line(completed.stderr)}"
        )
    return output


def remux(source: Path, kind: Kind, workdir: Path, limits: Limits) -> RemuxedVideo:
    """Copy the main video and the audio streams into a new, tag-free container."""
    if kind.name in ("mp4", "mov", "3gp"):
        return remux_iso(source, kind, workdir, limits)
    probe = inspect_source(source, kind, limits)
    video = probe.video()
    assert video is not None  # inspect_source refused a file without one
    audio = [s.index for s in probe.streams if s.codec_type == "audio"]
    kept = {video.index, *audio}
    muxer = MUXER[kind.name]
    maps = [f"0:{video.index}", *(f"0:{index}" for index in audio)]
    output = _copy(source, kind, maps, muxer, workdir, limits)
    after = ffprobe(output, DEMUXER[kind.name], limits)
    cleaned = after.video()
    if cleaned is None or cleaned.codec_name != video.codec_name:
        raise MalformedMedia("the cleaned video's picture stream is not the one uploaded")
    width, height = cleaned.width, cleaned.height
    if round(cleaned.rotation) % 180:
        width, height = height, width
    return RemuxedVideo(output, muxer, width, height, after.duration, _dropped(probe, kept), after)


def _dropped_tracks(movie: tracks.Movie, kept: set[int]) -> tuple[Field, ...]:
    chapters = movie.chapter_tracks()
    dropped = []
    for track in movie.tracks:
        if track.number in kept:
            continue
        if track.track_id in chapters:
            dropped.append(Field("Chapter", "chapter track", track.entry))
            continue
        kind = {"vide": "extra video", "soun": "audio", "text": "subtitle", "sbtl": "subtitle",
                "subt": "subtitle", "clcp": "subtitle"}.get(track.handler, "data")  # fmt: skip
        dropped.append(Field(f"Stream {track.number}", f"{kind} stream", track.entry))
    return tuple(dropped)


def _check_limits(kind: Kind, movie: tracks.Movie, limits: Limits) -> tracks.Track:
    video = movie.video()
    if video is None:
        raise MalformedMedia(f"the {kind.label} has no video stream that can be read")
    if video.width * video.height > limits.max_video_pixels:
        raise MediaTooLarge(f"the video is {video.width}x{video.height}; the largest we take is 8K")
    if movie.seconds is not None and movie.seconds > limits.max_video_seconds:
        raise MediaTooLarge(
            f"the video lasts {movie.seconds / 60:.0f} minutes; the limit is "
            f"{limits.max_video_seconds / 60:.0f} minutes"
        )
    return video


def remux_iso(source: Path, kind: Kind, workdir: Path, limits: Limits) -> RemuxedVideo:
    """MP4, MOV and 3GP: read the tracks from the boxes (boxes.py), copy with one ffmpeg run.

    No ffprobe here: starting ffprobe costs as much as the copy itself, and for ISO media
    the box walker reads every box of the output anyway, more strictly than ffprobe's
    tags (clean.py). `-map 0:V:0` is the first video stream that is not a cover picture.
    """
    try:
        before = tracks.movie(source, strict=False)
    except boxes.BoxError as error:
        raise MismatchedMedia(
            f"the file starts like a {kind.label} but its boxes cannot be read (damaged, or "
            f"another type in disguise): {error}"
        ) from None
    video = _check_limits(kind, before, limits)
    if video.entry not in boxes.VISUAL_ENTRIES:
        raise UnsupportedMedia(
            f"the {kind.label}'s picture is coded as {video.entry!r}, which we do not take"
        )
    # Sound tracks in a codec whose sample entry the box walker knows (an iPhone's APAC
    # spatial audio, say, is not), by their order among the sound tracks (ffmpeg's a:N).
    sound = [t for t in before.tracks if t.handler == "soun"]
    audio = [(n, t) for n, t in enumerate(sound) if t.entry in boxes.AUDIO_ENTRIES]
    muxer = output_muxer(kind, {video.entry, *(t.entry for _, t in audio)})
    maps = ["0:V:0", *(f"0:a:{n}" for n, _ in audio)]
    output = _copy(source, kind, maps, muxer, workdir, limits)
    try:
        after = tracks.movie(output)
    except boxes.BoxError as error:
        raise MalformedMedia(f"the cleaned video cannot be read back: {error}") from None
    cleaned = after.video()
    if cleaned is None or cleaned.entry != video.entry:
        raise MalformedMedia("the cleaned video's picture stream is not the one uploaded")
    if [t.handler for t in after.tracks] != ["vide"] + ["soun"] * (len(after.tracks) - 1):
        raise MalformedMedia("the cleaned video holds tracks other than its picture and sound")
    width, height = cleaned.width, cleaned.height
    if cleaned.quarter_turn:
        width, height = height, width
    kept = {video.number, *(t.number for _, t in audio)}
    return RemuxedVideo(output, muxer, width, height, after.seconds, _dropped_tracks(before, kept))


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
