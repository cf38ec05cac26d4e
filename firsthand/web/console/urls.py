"""The console's addresses (/operator/, English only) and the readers' report pages (in every
language, under the pages' prefix: see firsthand/web/urls.py)."""

from django.urls import path

from firsthand.web.console import views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("statements/<int:index>/withhold", views.withhold, name="withhold"),
    path("reports/<int:report_id>/answer", views.answer, name="answer"),
    path("withholdings", views.withholdings, name="withholdings"),
]
