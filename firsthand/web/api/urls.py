from django.urls import path, register_converter

from firsthand.web.api import check, media, publish, views

app_name = "api"


class KeyIDConverter:
    """A signed-note key ID: 4 bytes as 8 hex digits."""

    regex = "[0-9a-fA-F]{8}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return value


class FingerprintConverter:
    """An author's fingerprint: SHA-256 of the public key, 64 hex digits."""

    regex = "[0-9a-fA-F]{64}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return value


register_converter(KeyIDConverter, "keyid")
register_converter(FingerprintConverter, "fingerprint")

urlpatterns = [
    path("statements", publish.publish, name="statements"),
    path("media", media.upload, name="media"),
    path("statements/<int:index>", views.statement, name="statement"),
    path("statements/<int:index>/bundle", views.bundle, name="statement-bundle"),
    path("authors/<fingerprint:fingerprint>", views.author, name="author"),
    # Old links by the 32-bit key ID: a redirect, or the list of every key it may mean.
    path("authors/<keyid:key_id>", views.author_by_key_id, name="author-by-key-id"),
    path("text-hash", views.text_hash, name="text-hash"),
    path("check", check.check_text, name="check"),
    path("check/batch", check.check_batch, name="check-batch"),
    path("openapi.json", views.openapi, name="openapi"),
]
