from django.contrib import admin
from django.urls import include, path

from tracker import views
from tracker.views.health import healthz

public_patterns = [
    path("", views.home, name="home"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include((public_patterns, "tracker"))),
]
