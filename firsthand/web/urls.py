from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("firsthand.web.api.urls")),
    path("", include("firsthand.web.tlog.urls")),
]
