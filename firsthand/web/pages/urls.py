from django.urls import path

from firsthand.web.api.urls import KeyIDConverter  # noqa: F401  (registers "keyid")
from firsthand.web.pages import feeds, views
from firsthand.web.pages.check import check_page

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("statements/<int:index>", views.statement, name="statement"),
    path("authors/<keyid:key_id>", views.author, name="author"),
    path("authors/<keyid:key_id>/feed.atom", feeds.AuthorFeed(), name="author-feed"),
    path("feed.atom", feeds.StatementFeed(), name="feed"),
    path("search", views.search, name="search"),
    path("check", check_page, name="check"),
    path("write", views.write, name="write"),
    path("identity", views.identity, name="identity"),
    path("about", views.about, name="about"),
]
