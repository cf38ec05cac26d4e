from django.urls import path

from firsthand.web.api.urls import (  # noqa: F401  (registers "keyid" and "fingerprint")
    FingerprintConverter,
    KeyIDConverter,
)
from firsthand.web.pages import feeds, printable, views
from firsthand.web.pages.check import check_page

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("statements/<int:index>", views.statement, name="statement"),
    path("statements/<int:index>/print", printable.statement_print, name="statement-print"),
    path("authors/<fingerprint:fingerprint>", views.author, name="author"),
    path("authors/<fingerprint:fingerprint>/feed.atom", feeds.AuthorFeed(), name="author-feed"),
    # Old links by the 32-bit key ID: never one key picked silently (views.author_by_key_id).
    path("authors/<keyid:key_id>", views.author_by_key_id, name="author-by-key-id"),
    path(
        "authors/<keyid:key_id>/feed.atom",
        views.author_by_key_id,
        {"feed": True},
        name="author-feed-by-key-id",
    ),
    path("feed.atom", feeds.StatementFeed(), name="feed"),
    path("search", views.search, name="search"),
    path("check", check_page, name="check"),
    path("write", views.write, name="write"),
    path("identity", views.identity, name="identity"),
    path("identity/contacts", views.trusted_contacts_page, name="identity-contacts"),
    path("identity/device", views.device_page, name="identity-device"),
    path(
        "identity/social-recovery",
        views.social_recovery_page,
        name="identity-social-recovery",
    ),
    path("about", views.about, name="about"),
]
