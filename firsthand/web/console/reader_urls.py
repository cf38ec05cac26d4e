"""Readers' reports: a form on each statement page posts here; the receipt shows the answer."""

from django.urls import path

from firsthand.web.console import views

app_name = "reports"

urlpatterns = [
    path("statements/<int:index>/report", views.report, name="report"),
    path("reports/<str:token>", views.receipt, name="receipt"),
]
