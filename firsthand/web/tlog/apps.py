from django.apps import AppConfig


class TlogConfig(AppConfig):
    """The C2SP tlog-tiles endpoints: /checkpoint and /tile/..., served from the stored log."""

    name = "firsthand.web.tlog"
    label = "tlog"
