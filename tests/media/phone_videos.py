"""Videos laid out like an iPhone's, an Android phone's, a GoPro's and editors' exports.

No registry ships real phone videos (tests/media/corpus.py says what was searched), so
these are built as close to the real layout as ffmpeg and isobmff.py allow, with the
identifying parts each device writes:

  iphone_mov     HEVC (hvc1, parameter sets only, as Apple's encoder writes), AAC, brand
                 `qt  `, portrait (rotation 90), Apple keys (make, model, software,
                 creation date, ISO 6709 location), a ©xyz location, a colour box, sdtp,
                 and an Apple timed-metadata track (mebx) carrying the location
  android_mp4    H.264, AAC, brand mp42, a ©xyz location (what Android's MPEG4Writer adds)
  camera_mp4v    an MP4 whose major brand is the unregistered `mp4v` (isom compatible)
  gopro_mp4      H.264, AAC, brand mp41, a timecode track, a GPMF telemetry track with a
                 real GoPro payload (GPS track, serial), and GoPro's udta (FIRM, LENS,
                 CAME, GPMF)
  premiere_mp4   an editor's export: an XMP uuid box (history, creator tool, a Windows
                 path with a user name) and an ICC profile in the video sample entry
  imovie_mov     chapters (a text track and its tref), ©too and a title
  android_3gp    H.264 + AAC in 3GP (brand 3gp4): written back as MP4
  feature_3gp    H.263 + AAC in 3GP: written back as 3GP
  x265_mov       HEVC from x265 with its settings SEI inside hvcC (build, CPU, options,
                 here a path with a user name): the record is rebuilt without it
"""

from __future__ import annotations

from pathlib import Path

from tests.media import builders, corpus, isobmff
from tests.media.builders import ISO6709, MODEL, OWNER, SECRET, run

LOCATION_3D = "+48.8584+002.2945+035.000/"
GOPRO_FIRMWARE = "HD7.01.01.90.00"
GOPRO_LENS_SERIAL = "LAJ8101436600000"
WINDOWS_PATH = r"C:\Users\Jane Doe\Videos\meeting at the old mill.prproj"


def _lavfi(size: str = "160x120", seconds: float = 1) -> list[str]:
    return [
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
    ]  # fmt: skip


def _apple_keys() -> list[str]:
    return [
        "-movflags", "use_metadata_tags",
        "-metadata", "com.apple.quicktime.make=Apple",
        "-metadata", f"com.apple.quicktime.model={MODEL}",
        "-metadata", "com.apple.quicktime.software=17.4.1",
        "-metadata", "com.apple.quicktime.creationdate=2024-05-01T10:00:00+0200",
        "-metadata", f"com.apple.quicktime.location.ISO6709={LOCATION_3D}",
        "-metadata", f"location={ISO6709}",
    ]  # fmt: skip


def iphone_mov(directory: Path) -> Path:
    encoded, raw = directory / "iphone-encoded.mov", directory / "iphone-raw.mov"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
        "-x265-params", "log-level=error:info=0:bframes=2",
        "-pix_fmt", "yuv420p", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-colorspace", "bt709", "-c:a", "aac", "-ac", "2", *_apple_keys(), "-f", "mov", encoded,
    )  # fmt: skip
    # The display matrix can only be set on a stream copy with this ffmpeg (5.1).
    run(
        "ffmpeg", "-v", "error", "-y", "-i", encoded, "-map", "0", "-c", "copy",
        "-map_metadata", "0", "-movflags", "use_metadata_tags",
        "-metadata:s:v:0", "rotate=90", "-f", "mov", raw,
    )  # fmt: skip
    return isobmff.rewrite(
        raw, directory / "IMG_0001.MOV", samples_tracks=["mebx"], iso6709=LOCATION_3D
    )


def android_mp4(directory: Path) -> Path:
    path = directory / "VID_20240501_100000.mp4"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-brand", "mp42", "-metadata", f"location={ISO6709}",
        "-metadata", "creation_time=2024-05-01T10:00:00Z",
        "-metadata:s:v:0", "handler_name=VideoHandle", "-f", "mp4", path,
    )  # fmt: skip
    return path


def camera_mp4v(directory: Path) -> Path:
    path = directory / "camera-mp4v.mp4"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-brand", "mp4v", "-metadata", f"location={ISO6709}", "-f", "mp4", path,
    )  # fmt: skip
    return path


def gopro_mp4(directory: Path, model: str = "HERO7") -> Path:
    raw = directory / f"gopro-{model}-raw.mp4"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-timecode", "10:11:12:13", "-brand", "mp41",
        "-metadata:s:v:0", "handler_name=\tGoPro AVC  ",
        "-metadata:s:a:0", "handler_name=\tGoPro AAC  ", "-f", "mp4", raw,
    )  # fmt: skip
    box = isobmff.box
    udta = box(
        b"udta",
        box(b"FIRM", GOPRO_FIRMWARE.encode())
        + box(b"LENS", GOPRO_LENS_SERIAL.encode())
        + box(b"CAME", bytes.fromhex("8a0f3c5e7d1b2a4c6e8f0a1b2c3d4e5f"))
        + box(b"GPMF", corpus.gpmf_udta()),
    )
    return isobmff.rewrite(
        raw,
        directory / f"GX01{model}.MP4",
        samples_tracks=["gpmd"],
        gpmf=corpus.gpmf_payload(model),
        moov_boxes=[udta],
    )


def premiere_mp4(directory: Path) -> Path:
    raw = directory / "premiere-raw.mp4"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-metadata", f"title={SECRET}", "-f", "mp4", raw,
    )  # fmt: skip
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        '02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:dc="http://purl.org/dc/'
        'elements/1.1/" xmp:CreatorTool="Adobe Premiere Pro 2024.0 (Windows)" '
        f'xmpMM:WindowsAtomFilePath="{WINDOWS_PATH}" dc:creator="{OWNER}"/>'
        "</rdf:RDF></x:xmpmeta>"
    )
    profile = builders.srgb_named("Jane's Nikon ")
    return isobmff.rewrite(
        raw,
        directory / "export-premiere.mp4",
        top_boxes=[isobmff.xmp_uuid(xmp)],
        video_entry_boxes=[isobmff.icc_colr(profile)],
    )


def imovie_mov(directory: Path) -> Path:
    chapters = directory / "imovie-chapters.txt"
    chapters.write_text(
        f";FFMETADATA1\ntitle={SECRET}\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\n"
        f"title={SECRET}\n",
        encoding="utf-8",
    )
    path = directory / "export-imovie.mov"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(), "-i", chapters,
        "-map", "0", "-map", "1", "-map_metadata", "2", "-map_chapters", "2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-metadata", "encoder=iMovie 10.4", "-metadata", f"artist={OWNER}",
        "-f", "mov", path,
    )  # fmt: skip
    return path


def android_3gp(directory: Path) -> Path:
    path = directory / "VID_0001.3gp"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-metadata", f"location={ISO6709}", "-f", "3gp", path,
    )  # fmt: skip
    return path


def feature_3gp(directory: Path) -> Path:
    path = directory / "old-phone.3gp"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(size="176x144"),
        "-c:v", "h263", "-c:a", "aac", "-ar", "16000", "-ac", "1",
        "-metadata", f"title={SECRET}", "-f", "3gp", path,
    )  # fmt: skip
    return path


# x265 copies some options' text into its settings SEI verbatim (numa-pools is one).
X265_PATH = "/home/janedoe/Videos/protest-footage"


def x265_mov(directory: Path) -> Path:
    path = directory / "x265-settings.mov"
    run(
        "ffmpeg", "-v", "error", "-y", *_lavfi(),
        "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
        "-x265-params", f"log-level=error:numa-pools={X265_PATH}", "-c:a", "aac",
        "-f", "mov", path,
    )  # fmt: skip
    return path


# name -> (builder, what, expected outcome)
VIDEOS = {
    "iphone_mov": (iphone_mov, "iPhone-style HEVC MOV with mebx location", "clean"),
    "android_mp4": (android_mp4, "Android-style H.264 MP4 with ©xyz", "clean"),
    "camera_mp4v": (camera_mp4v, "MP4 with major brand mp4v", "clean"),
    **{
        f"gopro_{model.lower()}": (
            lambda directory, model=model: gopro_mp4(directory, model),
            f"GoPro-style MP4 with real {model} GPMF telemetry",
            "clean",
        )
        for model in corpus.GPMF
    },
    "premiere_mp4": (premiere_mp4, "editor export with XMP uuid and ICC colr", "clean"),
    "imovie_mov": (imovie_mov, "editor export with chapters", "clean"),
    "android_3gp": (android_3gp, "3GP (H.264 + AAC), becomes MP4", "clean"),
    "feature_3gp": (feature_3gp, "3GP (H.263 + AAC), stays 3GP", "clean"),
    "x265_mov": (x265_mov, "x265 settings SEI inside hvcC", "clean"),
}
