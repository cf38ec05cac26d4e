"""Media benchmark: files/s per format, ours beside mat2 and `exiftool -all=`, and what each left.

    .venv/bin/python bench/media.py [--photos 12] [--megapixels 12] [--video-seconds 20]

Inputs, per format:
  - the test corpus (tests/media/corpus.py: real camera and phone photos, a real MP4,
    fetched from package registries) and the phone-like videos of
    tests/media/phone_videos.py (iPhone MOV, Android MP4, six GoPro MP4s with real
    telemetry, editors' exports, 3GP);
  - N JPEG photos of about 12 MP with a phone's EXIF, and a 1080p H.264 + AAC video with
    location and Apple tags (made once, cached under the system temp dir), so that sizes
    are those of a phone too.

Cleaners, each on the same files:
  firsthand      clean_file() in one process, as a web worker or `firsthand media clean
                 A B C --out DIR` runs it: sniff, re-encode (photos) or remux (videos),
                 then read back: one long-lived exiftool (-stay_open), ffprobe, the box
                 walker. Verified.
  firsthand x2   the same in two processes (the web server cleans two files at once)
  firsthand 1 core  firsthand with this process and its exiftool pinned to one core
  mat2           Debian's mat2 (0.13), one process per file, as bench/media.py always
                 measured it; no read-back
  mat2 batch     `mat2 A B C ...`: one command, mat2's own process pool over both cores
  mat2 batch 1 core  the same pinned to one core (like `taskset -c 0`): like with like
                 beside "firsthand 1 core"
  exiftool -all= one process per file; rewrites in place, keeps pixels; no read-back
  exiftool batch `exiftool -all= -o DIR A B C ...`: one process

"left" counts, over the cleaned files of that format, those in which one independent
exiftool read (-ee, embedded data too) still finds an identifying field (GPS, make,
model, serial, owner, software, XMP, IPTC, ICC, thumbnail, QuickTime location and keys,
timed metadata); the names most often left are listed after the table. "-" means the
cleaner does not take that format. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firsthand.media import MediaError, clean_file, exiftool, sniff
from firsthand.media.kinds import HEAD_BYTES
from tests.media import corpus, phone_videos

CACHE = Path(tempfile.gettempdir()) / "firsthand-bench-media"
IDENTIFYING = re.compile(
    r"GPS|Make|Model|Serial|Lens|Owner|Artist|Author|Creator|Copyright|Software|Location|"
    r"MakerNote|Thumbnail|PreviewImage|Comment|Title|History|Firmware|ICC_Profile|"
    r"ColorProfiles|Keys|ItemList|UserData|XMP|IPTC|Photoshop|Encoder|CompressorName",
    re.IGNORECASE,
)
MAT2_TYPES = {"jpeg", "png", "tiff", "gif", "heif", "mp4"}  # `mat2 -l`, formats we take too


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
                "ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                "-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-c:a", "aac",
                "-metadata", "location=+48.8584+002.2945/", "-movflags", "use_metadata_tags",
                "-metadata", "com.apple.quicktime.make=Apple",
                "-metadata", "creation_time=2024-05-01T10:00:00Z", str(path),
            ],
            check=True,
            timeout=1800,
        )  # fmt: skip
    return path


def inputs(args: argparse.Namespace) -> dict[str, list[Path]]:
    """Files by format (the sniffed input type), the ones the tests say are cleanable."""
    corpus.corpus_dir()
    files = [corpus.path_of(s) for s in corpus.SAMPLES if s.expect == "clean"]
    made = CACHE / "phone-videos"
    made.mkdir(parents=True, exist_ok=True)
    for _name, (build, _what, expect) in phone_videos.VIDEOS.items():
        if expect == "clean":
            files.append(build(made))
    by_format: dict[str, list[Path]] = collections.defaultdict(list)
    for path in files:
        with path.open("rb") as handle:
            by_format[sniff(handle.read(HEAD_BYTES)).name].append(path)
    by_format[f"jpeg {args.megapixels:g} MP"] = photos(args.photos, args.megapixels)
    by_format[f"mp4 1080p {args.video_seconds} s"] = [video(args.video_seconds)]
    return dict(by_format)


def _ours(files: list[Path], out: Path) -> list[Path]:
    made = []
    for number, source in enumerate(files):
        try:
            cleaned = clean_file(source)
        except MediaError:
            continue
        target = out / f"{number}{cleaned.extension}"
        target.write_bytes(cleaned.data)
        made.append(target)
    return made


def _ours_worker(job: tuple[Path, Path]) -> Path | None:
    source, target = job
    try:
        cleaned = clean_file(source)
    except MediaError:
        return None
    target = target.with_suffix(cleaned.extension)
    target.write_bytes(cleaned.data)
    return target


def _ours_two(files: list[Path], out: Path) -> list[Path]:
    jobs = [(source, out / str(number)) for number, source in enumerate(files)]
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        pool.submit(_ours_worker, jobs[0]).result()  # start-up, not measured below
        began = time.perf_counter()
        done = [path for path in pool.map(_ours_worker, jobs) if path is not None]
        _ours_two.elapsed = time.perf_counter() - began  # type: ignore[attr-defined]
    return done


@contextlib.contextmanager
def _one_core() -> Iterator[None]:
    """This process and its exiftool workers (those running and those it starts) on one
    core, as `taskset -c N` would put a command: like with like beside mat2 on one core."""
    everything = os.sched_getaffinity(0)
    one = {min(everything)}

    def pin(cores: set[int]) -> None:
        os.sched_setaffinity(0, cores)
        for worker in exiftool._idle:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(worker.process.pid, cores)

    pin(one)
    try:
        yield
    finally:
        pin(everything)


def _ours_one_core(files: list[Path], out: Path) -> list[Path]:
    with _one_core():
        return _ours(files, out)


def _copies(files: list[Path], out: Path) -> list[Path]:
    copies = []
    for number, source in enumerate(files):
        copy = out / f"in{number}{source.suffix.lower() or '.bin'}"
        shutil.copyfile(source, copy)
        copies.append(copy)
    return copies


def _mat2_output(copy: Path) -> Path:
    return copy.with_name(f"{copy.stem}.cleaned{copy.suffix}")


def _mat2(files: list[Path], out: Path) -> list[Path]:
    made = []
    for copy in _copies(files, out):
        done = subprocess.run(["mat2", str(copy)], capture_output=True, timeout=1800, check=False)
        if done.returncode == 0 and _mat2_output(copy).exists():
            made.append(_mat2_output(copy))
    return made


def _mat2_batch(files: list[Path], out: Path, one_core: bool = False) -> list[Path]:
    copies = _copies(files, out)
    pin = (lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})) if one_core else None
    subprocess.run(
        ["mat2", *map(str, copies)], capture_output=True, timeout=3600, check=False, preexec_fn=pin
    )
    return [_mat2_output(c) for c in copies if _mat2_output(c).exists()]


def _mat2_batch_one_core(files: list[Path], out: Path) -> list[Path]:
    return _mat2_batch(files, out, one_core=True)


def _exiftool(files: list[Path], out: Path) -> list[Path]:
    made = []
    for number, source in enumerate(files):
        target = out / f"out{number}{source.suffix.lower()}"
        subprocess.run(
            ["exiftool", "-q", "-q", "-all=", "-o", str(target), str(source)],
            capture_output=True,
            timeout=1800,
            check=False,
        )
        if target.exists():
            made.append(target)
    return made


def _exiftool_batch(files: list[Path], out: Path) -> list[Path]:
    (out / "in").mkdir()
    copies = _copies(files, out / "in")
    target = out / "out"
    target.mkdir()
    subprocess.run(
        ["exiftool", "-q", "-q", "-all=", "-o", f"{target}/", *map(str, copies)],
        capture_output=True,
        timeout=3600,
        check=False,
    )
    return sorted(target.iterdir())


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process, of its children that have ended (mat2,
    its pool, exiftool -all=, retired exiftool workers), and of the exiftool workers still
    alive. Unlike wall-clock time it hardly moves when other work shares the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    alive = sum(exiftool._cpu_seconds(worker.process.pid) for worker in exiftool._idle)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime + alive


CLEANERS: dict[str, Callable[[list[Path], Path], list[Path]]] = {
    "firsthand": _ours,
    "firsthand x2": _ours_two,
    "firsthand 1 core": _ours_one_core,
    "mat2": _mat2,
    "mat2 batch": _mat2_batch,
    "mat2 batch 1 core": _mat2_batch_one_core,
    "exiftool -all=": _exiftool,
    "exiftool batch": _exiftool_batch,
}


def left_behind(paths: list[Path]) -> tuple[int, collections.Counter[str]]:
    """How many files still hold an identifying field, and which fields, by name."""
    if not paths:
        return 0, collections.Counter()
    done = subprocess.run(
        ["exiftool", "-j", "-G1", "-a", "-u", "-ee", *map(str, paths)],
        capture_output=True,
        timeout=1800,
        check=False,
    )
    names: collections.Counter[str] = collections.Counter()
    dirty = 0
    tracks = _extra_tracks(paths)
    for record in json.loads(done.stdout or b"[]"):
        found = {
            key.split(":", 1)[-1]
            for key, value in record.items()
            if IDENTIFYING.search(key)
            and not str(value).startswith("0000:00:00")
            and key.split(":", 1)[0] not in ("System", "ExifTool")
            and not (key.endswith("ColorProfiles") and value in ("nclx", "nclc"))
        }
        found |= tracks.get(str(record.get("SourceFile")), set())
        names.update(found)
        dirty += bool(found)
    return dirty, names


def _extra_tracks(paths: list[Path]) -> dict[str, set[str]]:
    """Data, subtitle and attachment tracks left in cleaned videos (GoPro's GPS track,
    Apple's timed location): exiftool does not always decode them, ffprobe lists them."""
    found: dict[str, set[str]] = {}
    for path in paths:
        if path.suffix.lower() not in (".mp4", ".mov", ".3gp", ".webm", ".mkv"):
            continue
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
            capture_output=True,
            timeout=300,
            check=False,
        )
        streams = json.loads(done.stdout or b"{}").get("streams", [])
        if done.returncode != 0 or not streams:
            found[str(path)] = {"(unreadable output)"}
            continue
        kept = {
            f"{s.get('codec_type')} track ({s.get('codec_tag_string')})"
            for s in streams
            if s.get("codec_type") not in ("video", "audio")
        }
        if kept:
            found[str(path)] = kept
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=12, help="how many 12 MP JPEG photos")
    parser.add_argument("--megapixels", type=float, default=12.0, help="size of each photo")
    parser.add_argument("--video-seconds", type=int, default=20, help="length of the video")
    parser.add_argument("--cleaners", default=",".join(CLEANERS), help="which to run")
    parser.add_argument("--rounds", type=int, default=2, help="runs per cleaner; fastest kept")
    parser.add_argument("--formats", default="", help="only these sets (e.g. mp4,mov)")
    args = parser.parse_args()
    for tool in ("ffmpeg", "exiftool", "mat2"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/media.py needs {tool} (Debian: ffmpeg, libimage-exiftool-perl, mat2)")
    sets = inputs(args)
    if args.formats:
        wanted = args.formats.split(",")
        sets = {name: files for name, files in sets.items() if name.split()[0] in wanted}
    chosen = args.cleaners.split(",")
    header = (
        f"{'format':<18} {'files':>5} {'cleaner':<18} {'files/s':>8} {'MB/s':>7} "
        f"{'CPU ms/file':>11} {'left':>9}"
    )
    rows, notes = [], []
    clean_file(next(iter(sets.values()))[0])  # warm up our exiftool, as a server has it
    for name, files in sets.items():
        size = sum(path.stat().st_size for path in files) / 1e6
        kind = name.split()[0]
        takers = [c for c in chosen if not (c.startswith("mat2") and kind not in MAT2_TYPES)]
        best: dict[str, float] = {}
        cpu: dict[str, float] = {}
        left: dict[str, tuple[int, int, collections.Counter[str]]] = {}
        # Rounds alternate the cleaners and keep each one's fastest: this machine is
        # shared, and a burst of someone else's work should not decide a comparison.
        for _round in range(args.rounds):
            for cleaner_name in takers:
                print(f"{name}: {cleaner_name}", file=sys.stderr)
                with tempfile.TemporaryDirectory() as scratch:
                    began, cpu_before = time.perf_counter(), _cpu_seconds()
                    made = CLEANERS[cleaner_name](files, Path(scratch))
                    elapsed = time.perf_counter() - began
                    used = _cpu_seconds() - cpu_before
                    cpu[cleaner_name] = min(cpu.get(cleaner_name, used), used)
                    if cleaner_name == "firsthand x2":
                        elapsed = getattr(_ours_two, "elapsed", elapsed)
                    best[cleaner_name] = min(best.get(cleaner_name, elapsed), elapsed)
                    if cleaner_name not in left:
                        dirty, names = left_behind(made)
                        left[cleaner_name] = (dirty, len(made), names)
        for cleaner_name in chosen:
            if cleaner_name not in best:
                rows.append(f"{name:<18} {len(files):>5} {cleaner_name:<18} {'-':>8}")
                continue
            elapsed = best[cleaner_name]
            dirty, count, names = left[cleaner_name]
            rows.append(
                f"{name:<18} {len(files):>5} {cleaner_name:<18} {len(files) / elapsed:>8.2f} "
                f"{size / elapsed:>7.1f} {1000 * cpu[cleaner_name] / len(files):>11.1f} "
                f"{f'{dirty}/{count}':>9}"
            )
            if names:
                common = ", ".join(f"{field} ({n})" for field, n in names.most_common(5))
                notes.append(f"{name} / {cleaner_name}: {common}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)
    print(f"\nfiles/s: the fastest of {args.rounds} alternating rounds")
    print("CPU ms/file: the least CPU time (user + system, with every child process and")
    print("      exiftool worker) of those rounds, per file: steadier on a shared machine")
    print("left: outputs still holding an identifying field (or unreadable) / outputs written")
    print("      (a cleaner that exits with an error writes nothing here; files - outputs failed)")
    for note in notes:
        print(f"  {note}")
    print("firsthand also verifies every output (exiftool, ffprobe, boxes); the others do not.")


if __name__ == "__main__":
    main()
