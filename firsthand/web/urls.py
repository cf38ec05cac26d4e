from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from firsthand.web import health
from firsthand.web.pages import verifier_download

# The log's endpoints and the API have one address each, whatever the language;
# pages are at / in English and at /fa/ in Persian, so a shared link keeps its language.
urlpatterns = [
    path("api/v1/", include("firsthand.web.api.urls")),
    path("media/", include("firsthand.web.api.media_serving")),  # cleaned photos and videos
    path("operator/", include("firsthand.web.console.urls")),  # the operator's console
    path("healthz", health.healthz, name="healthz"),
    # The offline verifier as one file, for readers who check bundles (statements/offline.py).
    path("download/firsthand-verify.pyz", verifier_download.download, name="verifier-download"),
    path("metrics", health.metrics, name="metrics"),
    path("", include("firsthand.web.tlog.urls")),
    *i18n_patterns(
        path("", include("firsthand.web.pages.urls")),
        path("", include("firsthand.web.console.reader_urls")),  # readers' reports
        prefix_default_language=False,
    ),
]

# Under /api/ a request that matches no route still gets the JSON error the schema documents.
handler404 = "firsthand.web.api.errors.not_found"
# A request Django will not read (too large, too many fields) says so in the reader's language.
handler400 = "firsthand.web.api.errors.bad_request"
