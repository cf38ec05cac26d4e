"""POST /api/v1/media and /media/<sha256>: photos and videos cleaned by firsthand.media,
kept content-addressed, served only when a logged statement lists them (or to the
uploader for a preview), and required by publishing. Files are built with the real
tools (tests/media/builders.py) and read back with exiftool and ffprobe."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.test import Client, override_settings
from PIL import Image

from firsthand.log.datadir import open_log
from firsthand.log.note import Signer
from firsthand.media import labels as media_labels
from firsthand.publishing import process
from firsthand.statements.format import Media, Reference, Statement, sign_statement
from firsthand.web import runtime
from firsthand.web.api import media as media_api
from firsthand.web.api import ratelimit
from tests.media import builders
from tests.media.conftest import exiftool_read, ffprobe_read
from tests.web.conftest import forget_published_rows

UPLOAD = "/api/v1/media"
STATEMENTS = "/api/v1/statements"
TEXT = "text/plain; charset=utf-8"
SECRETS = (builders.OWNER, builders.SERIAL, builders.MODEL, builders.SECRET)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("media-data")
    with override_settings(DATA_DIR=directory):
        yield directory


@pytest.fixture(scope="module")
def client(
    database: None, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    log = open_log(tmp_path_factory.mktemp("media-log"))
    forget_published_rows()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process, "_log", log)
        patch.setattr(process, "_operator", None)
        runtime.start_sequencer(0.02)
        yield Client()
        runtime.stop_sequencer()
    log.storage.close()


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> None:
    ratelimit.reset()


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-web-samples")


@pytest.fixture(scope="module")
def phone_jpeg(samples: Path) -> Path:
    """GPS, Make/Model, an embedded thumbnail (written by exiftool), owner, comments."""
    return builders.jpeg_with_everything(samples)


def upload(client: Client, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return client.post(UPLOAD, data=data, content_type=content_type)


def uploaded(client: Client, path: Path) -> dict[str, Any]:
    response = upload(client, path.read_bytes(), "image/jpeg")
    assert response.status_code == 201, response.json()
    answer: dict[str, Any] = response.json()
    return answer


def served_bytes(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def stored(data_dir: Path, sha256: str) -> Path:
    return data_dir / "media" / sha256


def signed(text: str, media: list[Media]) -> Statement:
    return sign_statement(Signer.generate("witness.example"), text, media=media)


def as_media(answer: dict[str, Any]) -> Media:
    return Media(answer["sha256"], answer["type"], answer["size"])


def publish(client: Client, statement: Statement) -> Any:
    return client.post(STATEMENTS, data=statement.file_bytes(), content_type=TEXT)


# -- cleaning and storing ---------------------------------------------------------------


def test_a_phone_photo_is_kept_without_its_location_device_or_embedded_thumbnail(
    client: Client, data_dir: Path, phone_jpeg: Path
) -> None:
    before = exiftool_read(phone_jpeg)
    assert "GPS:GPSLatitude" in before and "IFD0:Model" in before
    assert "IFD1:ThumbnailImage" in before

    answer = uploaded(client, phone_jpeg)
    labels = [item["label"] for item in answer["removed"]]
    for expected in ("GPS location", "Phone or camera make", "Phone or camera model"):
        assert expected in labels
    assert "Embedded thumbnail" in labels
    assert labels[0] == "GPS location"  # most revealing first
    fields = {item["field"] for item in answer["removed"]}
    assert {"GPS:GPSLatitude", "IFD0:Make", "IFD0:Model", "IFD1:ThumbnailImage"} <= fields
    assert not any(secret in str(answer) for secret in SECRETS)  # names, never values

    path = stored(data_dir, answer["sha256"])
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == answer["sha256"]
    assert (len(data), answer["type"]) == (answer["size"], "image/jpeg")
    after = exiftool_read(path)
    assert not [key for key in after if re.search(r"GPS|Make|Model|Thumbnail|IFD1", key)]
    assert not any(secret.encode() in data for secret in SECRETS)

    served = client.get(answer["url"])
    assert served.status_code == 200
    assert served_bytes(served) == data
    thumb = data_dir / "media" / (answer["sha256"] + ".thumb.webp")
    assert not [key for key in exiftool_read(thumb) if re.search(r"GPS|Make|Model", key)]


def test_a_png_loses_its_text_chunks(client: Client, data_dir: Path, samples: Path) -> None:
    png = builders.png_with_text(samples)
    assert "PNG:Author" in exiftool_read(png)
    response = upload(client, png.read_bytes(), "image/png")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["type"] == "image/png"
    assert "Owner or author name" in [item["label"] for item in answer["removed"]]
    after = exiftool_read(stored(data_dir, answer["sha256"]))
    assert not [key for key in after if re.search(r"Author|Comment|Description|EXIF|GPS", key)]
    assert builders.OWNER.encode() not in stored(data_dir, answer["sha256"]).read_bytes()


def test_the_answer_matches_the_published_schema_with_what_the_device_removed(
    client: Client, samples: Path
) -> None:
    # The write page sends the labels of what it removed in the browser; the answer
    # gives back the known ones, translated, and drops anything else (a value smuggled in
    # as a "label" is never echoed).
    png = builders.png_with_text(samples)
    said = f"Phone or camera model, GPS location, {builders.OWNER}, Embedded thumbnail"
    response = client.post(
        UPLOAD,
        data=png.read_bytes(),
        content_type="image/png",
        HTTP_FIRSTHAND_REMOVED_ON_DEVICE=said,
    )
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["removed_on_device"] == [
        {"label": "GPS location"},
        {"label": "Phone or camera model"},
        {"label": "Embedded thumbnail"},
    ]
    assert builders.OWNER not in response.content.decode()
    document = client.get("/api/v1/openapi.json").json()
    root = {"$ref": "#/components/schemas/Uploaded", "components": document["components"]}
    jsonschema.Draft202012Validator(root).validate(answer)
    # The schema is strict (no field it does not name), so it can fail:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(root).validate({**answer, "original_name": "x.png"})
    without = upload(client, png.read_bytes(), "image/png").json()
    assert without["removed_on_device"] == []
    jsonschema.Draft202012Validator(root).validate(without)


def test_an_mp4_loses_its_location_tags_and_extra_tracks(
    client: Client, data_dir: Path, samples: Path
) -> None:
    video = builders.phone_video(samples, "mp4")
    assert "location" in str(ffprobe_read(video)["format"]["tags"])
    response = upload(client, video.read_bytes(), "video/mp4")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["type"] == "video/mp4"
    assert "GPS location" in [item["label"] for item in answer["removed"]]
    path = stored(data_dir, answer["sha256"])
    probe = ffprobe_read(path)
    tags = [probe["format"].get("tags", {})] + [s.get("tags", {}) for s in probe["streams"]]
    assert not [key for t in tags for key in t if "location" in key.lower()]
    assert builders.ISO6709 not in str(probe)
    assert sorted(s["codec_type"] for s in probe["streams"]) == ["audio", "video"]
    assert not [key for key in exiftool_read(path) if re.search(r"GPS|Location|Model", key)]
    # The poster frame is the rendition, served as WebP.
    thumb = client.get(answer["preview_url"])
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/webp")


def test_the_original_upload_is_never_kept(
    client: Client,
    data_dir: Path,
    phone_jpeg: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the cleaner works
    original = hashlib.sha256(phone_jpeg.read_bytes()).hexdigest()
    answer = uploaded(client, phone_jpeg)
    names = {p.name for p in (data_dir / "media").iterdir()}
    assert original not in names
    assert all(re.fullmatch(r"[0-9a-f]{64}(\.thumb\.webp)?", name) for name in names)
    assert answer["sha256"] in names
    assert list(tmp_path.iterdir()) == []  # the private working directory is gone
    refused = upload(client, phone_jpeg.read_bytes()[:2000], "image/jpeg")
    assert refused.status_code == 422
    assert list(tmp_path.iterdir()) == []  # after a refusal too


# -- refusals ---------------------------------------------------------------------------


def test_a_text_file_is_refused_415_naming_what_it_is(client: Client) -> None:
    response = upload(client, b"%PDF-1.7\n1 0 obj\n", "image/jpeg")  # the type is not trusted
    assert response.status_code == 415
    assert "PDF" in response.json()["error"]
    response = upload(client, b"Just some words, not a photo.\n", "text/plain")
    assert response.status_code == 415
    assert "we accept JPEG" in response.json()["error"]


def test_a_truncated_jpeg_is_refused_422(client: Client, phone_jpeg: Path) -> None:
    data = phone_jpeg.read_bytes()
    response = upload(client, data[: len(data) // 2], "image/jpeg")
    assert response.status_code == 422
    assert "truncated" in response.json()["error"]


def test_an_upload_over_the_size_limit_is_refused_413(client: Client, phone_jpeg: Path) -> None:
    data = phone_jpeg.read_bytes()
    with override_settings(FIRSTHAND_MAX_MEDIA_BYTES=len(data) - 1):
        response = upload(client, data, "image/jpeg")
    assert response.status_code == 413
    assert "MiB" in response.json()["error"]


def test_a_pixel_bomb_is_refused_422_before_it_is_decoded(client: Client, samples: Path) -> None:
    bomb = samples / "bomb.png"
    Image.new("1", (10_000, 10_000)).save(bomb)  # 100 million pixels in a few kilobytes
    assert bomb.stat().st_size < 100_000
    response = upload(client, bomb.read_bytes(), "image/png")
    assert response.status_code == 422
    assert "too many pixels" in response.json()["error"]


def test_an_empty_body_or_a_form_is_refused(client: Client) -> None:
    assert upload(client, b"").status_code == 400
    form = client.post(UPLOAD, data={"file": "x"})  # multipart/form-data
    assert form.status_code == 415
    assert "not as a form" in form.json()["error"]


def test_uploads_share_the_per_client_rate_limit(client: Client) -> None:
    with override_settings(FIRSTHAND_POST_RATE_PER_MINUTE=1):
        assert upload(client, b"not media").status_code == 415
        limited = upload(client, b"not media")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1


# -- serving ----------------------------------------------------------------------------


def test_an_unpublished_upload_is_served_only_with_its_preview_token(
    client: Client, samples: Path
) -> None:
    image = samples / "preview.jpg"
    builders.quadrants(96, 64).save(image, "JPEG")
    answer = uploaded(client, image)
    sha = answer["sha256"]
    assert client.get(f"/media/{sha}").status_code == 404
    assert client.get(f"/media/{sha}/thumb").status_code == 404
    assert client.get(f"/media/{sha}?preview=1abc:forged").status_code == 404
    preview = client.get(answer["preview_url"])
    assert preview.status_code == 200
    assert preview["Cache-Control"].startswith("private")
    served = client.get(answer["url"])
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == f'inline; filename="{sha[:16]}.jpg"'
    part = client.get(answer["url"], HTTP_RANGE="bytes=2-5")
    assert part.status_code == 206
    assert served_bytes(part) == served_bytes(client.get(answer["url"]))[2:6]
    assert part["Content-Range"] == f"bytes 2-5/{answer['size']}"


def test_publishing_needs_the_media_held_here_and_then_serves_it_to_everyone(
    client: Client, phone_jpeg: Path
) -> None:
    answer = uploaded(client, phone_jpeg)
    missing = Media("ab" * 32, "image/jpeg", 1234)
    refused = publish(client, signed("A photo I never sent.", [missing]))
    assert refused.status_code == 422
    assert "does not hold" in refused.json()["error"]
    wrong_size = Media(answer["sha256"], answer["type"], answer["size"] + 1)
    assert publish(client, signed("The wrong size.", [wrong_size])).status_code == 422

    published = publish(client, signed("The photo from the meeting.", [as_media(answer)]))
    assert published.status_code == 201, published.json()
    index = published.json()["index"]
    public = client.get(f"/media/{answer['sha256']}")
    assert public.status_code == 200
    assert public["Cache-Control"] == "public, max-age=86400, immutable"
    assert public["ETag"] == f'"{answer["sha256"]}"'
    assert client.get(f"/media/{answer['sha256']}/thumb").status_code == 200
    assert (
        client.get(f"/media/{answer['sha256']}", HTTP_IF_NONE_MATCH=public["ETag"]).status_code
        == 304
    )
    page = client.get(f"/statements/{index}").content.decode()
    assert f'src="/media/{answer["sha256"]}/thumb"' in page
    assert f'href="/media/{answer["sha256"]}"' in page
    assert "Photo (image/jpeg)" in page
    home = client.get("/").content.decode()
    assert f'src="/media/{answer["sha256"]}/thumb"' in home  # the card shows it too
    listed = client.get(f"{STATEMENTS}/{index}").json()["media"]
    assert listed == [{"sha256": answer["sha256"], "type": "image/jpeg", "size": answer["size"]}]


def test_a_statement_without_media_still_publishes(client: Client) -> None:
    assert publish(client, signed("Only words this time.", [])).status_code == 201


def test_a_media_file_not_held_shows_its_hash_on_the_statement_page(client: Client) -> None:
    from firsthand.publishing.pipeline import record_statement

    absent = Media("cd" * 32, "video/mp4", 99)
    sequencer = runtime.sequencer()
    assert sequencer is not None
    index, _, _ = record_statement(signed("Sent before media were kept.", [absent]), sequencer)
    page = client.get(f"/statements/{index}").content.decode()
    assert "Not held by this server." in page
    assert f"sha256:{'cd' * 32}" in page
    assert f"/media/{'cd' * 32}/thumb" not in page


def test_media_of_a_withheld_statement_are_no_longer_served(client: Client, samples: Path) -> None:
    image = samples / "doxxing.png"
    builders.quadrants(80, 80).save(image, "PNG")
    answer = uploaded(client, image)
    target = signed("A photo of someone's front door.", [as_media(answer)])
    index = publish(client, target).json()["index"]
    assert client.get(f"/media/{answer['sha256']}").status_code == 200
    notice = sign_statement(
        runtime.operator(),
        "it shows a private home",
        kind="withholding",
        refers=[Reference("leaf", target.leaf_hash.hex())],
        reason="it shows a private home",
    )
    assert publish(client, notice).status_code == 201
    assert client.get(f"/media/{answer['sha256']}").status_code == 410
    assert client.get(f"/media/{answer['sha256']}/thumb").status_code == 410
    assert client.get(answer["url"]).status_code == 410  # the preview token no longer opens it
    page = client.get(f"/statements/{index}").content.decode()
    assert f"/media/{answer['sha256']}/thumb" not in page
    # The same file cannot come back through a new statement.
    again = publish(client, signed("Again.", [as_media(answer)]))
    assert again.status_code == 422
    assert "withheld" in again.json()["error"]


def test_every_label_the_cleaner_gives_is_marked_for_translation() -> None:
    given = set(media_labels._PRIORITY) | {"Other metadata"}
    given |= {text for _, text in media_labels._BY_NAME + media_labels._BY_GROUP}
    given |= set(media_labels._STREAM_LABELS.values())
    assert given <= set(media_api.LABELS)


def test_the_stored_file_is_written_whole_or_not_at_all(data_dir: Path, phone_jpeg: Path) -> None:
    # No temporary file is left in the media folder after the uploads above.
    media = data_dir / "media"
    assert not [p for p in media.iterdir() if p.name.startswith(".incoming-")]
    assert oct(media.stat().st_mode & 0o777) == oct(0o700)
    assert os.access(media, os.W_OK)


# -- in the reader's language (issue 22) ---------------------------------------------------


def test_the_removed_details_and_the_refusals_follow_accept_language(
    client: Client, phone_jpeg: Path
) -> None:
    """The write page asks in its own language; /api/v1/ has none in its path."""
    persian = client.post(
        UPLOAD, data=phone_jpeg.read_bytes(), content_type="image/jpeg", HTTP_ACCEPT_LANGUAGE="fa"
    )
    assert persian.status_code == 201
    assert persian["Content-Language"] == "fa" and "Accept-Language" in persian["Vary"]
    labels = [item["label"] for item in persian.json()["removed"]]
    assert "موقعیت مکانی (GPS)" in labels and "GPS location" not in labels
    english = upload(client, phone_jpeg.read_bytes(), "image/jpeg")
    assert "GPS location" in [item["label"] for item in english.json()["removed"]]
    # The same field names for programs, whatever the language.
    assert [i["field"] for i in persian.json()["removed"]] == [
        i["field"] for i in english.json()["removed"]
    ]

    unknown = b"\x00\x01\x02\x03\x04\x05\x06\x07 not a photo"
    refused = client.post(
        UPLOAD, data=unknown, content_type="image/jpeg", HTTP_ACCEPT_LANGUAGE="fa"
    )
    assert refused.status_code == 415
    assert refused.json()["error"].startswith("نوع این پرونده شناخته نیست (با 00 01 02")
    assert upload(client, unknown).json()["error"].startswith("unknown file type (it starts with")
    pdf = client.post(
        UPLOAD, data=b"%PDF-1.7\n", content_type="image/jpeg", HTTP_ACCEPT_LANGUAGE="fa"
    )
    assert pdf.status_code == 415
    assert pdf.json()["error"].startswith("این نوع پرونده پذیرفته نمی‌شود")  # its kind's sentence
    assert upload(client, b"%PDF-1.7\n").json()["error"] == (
        "this is a PDF document, not a photo or video we accept"
    )
