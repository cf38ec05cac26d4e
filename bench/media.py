"""Media benchmark: files/s and MB/s cleaning photos and a video, ours beside mat2 and exiftool.

    .venv/bin/python bench/media.py [--photos 20] [--megapixels 12] [--video-seconds 60]

Inputs are generated once and cached under the system temp dir: N JPEG photos of about
12 MP with phone-like EXIF (GPS, make, model, serial, orientation), and a 1080p H.264 +
AAC video with location and Apple tags. Three cleaners run on the same files:

  firsthand  clean_file(): sniff, decode, re-encode from pixels (photos) or remux the
             kept streams (video), then read back with exiftool (+ ffprobe): verified
  mat2       Debian's `mat2` command (0.13): GdkPixbuf re-render for JPEG, ffmpeg -map 0
             for MP4; no read-back
  exiftool   `exiftool -all= -o OUT IN`: rewrites in place, keeps pixels bit for bit, no
             orientation applied, keeps video data tracks; no read-back

Figures are printed, never asserted. MB/s counts input bytes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firsthand.media import clean_file

CACHE = Path(tempfile.gettempdir()) / "firsthand-bench-media"


def _exif(index: int) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Apple", "iPhone 15 Pro", 6
    exif[0x0131], exif[0x0132] = "17.4.1", "2024:05:01 10:00:00"
    exif.get_ifd(0x8769)[0xA431] = f"SN{index:08d}"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.0), "E", (2.0, 17.0, float(index))
    return exif.tobytes()


def photos(count: int, megapixels: float) -> list[Path]:
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    folder = CACHE / f"photos-{width}x{height}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"photo{i:03d}.jpg" for i in range(count)]
    missing = [(i, p) for i, p in enumerate(paths) if not p.exists()]
    if missing:
        # A photo-like picture (smooth gradients plus noise), so JPEG sizes are realistic.
        base = Image.merge(
            "RGB",
            [
                Image.linear_gradient("L").resize((width, height)),
                Image.radial_gradient("L").resize((width, height)),
                Image.effect_noise((width, height), 40),
            ],
        )
        for i, path in tqdm(missing, desc="making photos", file=sys.stderr):
            base.rotate(i * 3).save(path, "JPEG", quality=90, exif=_exif(i))
    return paths


def video(seconds: int) -> Path:
    path = CACHE / f"video-1080p-{seconds}s.mp4"
    if not path.exists():
        print(f"making a {seconds} s 1080p video (cached in {CACHE})", file=sys.stderr)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-b:v",
                "8M",
                "-c:a",
                "aac",
                "-metadata",
                "location=+48.8584+002.2945/",
                "-movflags",
                "use_metadata_tags",
                "-metadata",
                "com.apple.quicktime.make=Apple",
                "-metadata",
                "creation_time=2024-05-01T10:00:00Z",
                str(path),
            ],
            check=True,
            timeout=1800,
        )
    return path


def ours(source: Path, out: Path) -> None:
    out.write_bytes(clean_file(source).data)


def mat2(source: Path, out: Path) -> None:
    copy = out.with_name("in" + source.suffix)
    shutil.copyfile(source, copy)
    subprocess.run(["mat2", str(copy)], check=True, capture_output=True, timeout=1800)
    copy.with_name(f"in.cleaned{source.suffix}").replace(out)


def exiftool(source: Path, out: Path) -> None:
    subprocess.run(
        ["exiftool", "-q", "-all=", "-o", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=1800,
    )


CLEANERS: dict[str, Callable[[Path, Path], None]] = {
    "firsthand": ours,
    "mat2": mat2,
    "exiftool -all=": exiftool,
}


def measure(cleaner: Callable[[Path, Path], None], files: list[Path]) -> tuple[float, float]:
    total = sum(path.stat().st_size for path in files)
    with tempfile.TemporaryDirectory() as scratch:
        began = time.perf_counter()
        for number, source in enumerate(files):
            out = Path(scratch) / f"out{number}{source.suffix}"
            cleaner(source, out)
            out.unlink()
        elapsed = time.perf_counter() - began
    return len(files) / elapsed, total / elapsed / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20, help="how many JPEG photos")
    parser.add_argument("--megapixels", type=float, default=12.0, help="size of each photo")
    parser.add_argument("--video-seconds", type=int, default=60, help="length of the video")
    args = parser.parse_args()
    for tool in ("ffmpeg", "exiftool", "mat2"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/media.py needs {tool} (Debian: ffmpeg, libimage-exiftool-perl, mat2)")
    sets = {
        f"{args.photos} JPEG {args.megapixels:g} MP": photos(args.photos, args.megapixels),
        f"video 1080p {args.video_seconds} s": [video(args.video_seconds)],
    }
    header = f"{'input':<24} {'cleaner':<16} {'files/s':>9} {'MB/s':>9}"
    rows = []
    for name, files in sets.items():
        for cleaner_name, cleaner in CLEANERS.items():
            print(f"{name}: {cleaner_name}", file=sys.stderr)
            rate, throughput = measure(cleaner, files)
            rows.append(f"{name:<24} {cleaner_name:<16} {rate:>9.2f} {throughput:>9.1f}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)
    print("firsthand also verifies every output (exiftool, ffprobe); the others do not.")


if __name__ == "__main__":
    main()
