from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API under /api/v1/: statements, authors, bundles and its OpenAPI document."""

    name = "firsthand.web.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from firsthand.publishing import process
        from firsthand.web.media_export import TilesAndMediaExporter

        # Where tiles are exported (FIRSTHAND_TILES_EXPORT), the media everyone may fetch go
        # too, from whichever process sequences: `firsthand serve` or `firsthand sequencer`.
        process.export_with(TilesAndMediaExporter)
