from django.contrib import admin
from django.urls import include, path

from tracker.views import plans

# Public pages; models' get_absolute_url and templates rely on these names (namespace "tracker").
public_patterns = [
    path("", plans.home, name="home"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((public_patterns, "tracker"))),
]

handler400 = "tracker.views.common.bad_request"
