from django.contrib import admin
from django.urls import include, path

from tracker import views

public_patterns = [
    path("", views.home, name="home"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(("tracker.api.urls", "api"))),
    path("", include((public_patterns, "tracker"))),
]
