from django.urls import path, re_path

from firsthand.web.tlog import views

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    re_path(r"^(?P<path>tile/.*)$", views.tile, name="tile"),
]
