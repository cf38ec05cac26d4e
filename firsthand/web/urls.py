from django.urls import include, path

urlpatterns = [
    path("", include("firsthand.web.tlog.urls")),
]
