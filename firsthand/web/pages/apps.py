from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "firsthand.web.pages"
    label = "pages"
    verbose_name = "The website's pages"
