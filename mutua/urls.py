from django.contrib import admin
from django.urls import include, path

from mutua import views
from mutua.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("mutua.members.urls")),
    path("", include("mutua.exchange.urls")),
    path("", include("mutua.schedules.urls")),
    path("", include("mutua.agreements.urls")),
    path("", include("mutua.decisions.urls")),
    path("", include("mutua.groups.urls")),
    path("", include("mutua.orientation.urls")),
    path("", include("mutua.deliveries.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
