from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API under /api/v1/: statements, authors, bundles and its OpenAPI document."""

    name = "firsthand.web.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
