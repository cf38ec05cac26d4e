from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "firsthand.web.console"
    label = "console"
    verbose_name = "The operator's console and readers' reports"
