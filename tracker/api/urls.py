from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from . import checks, views


class Router(routers.DefaultRouter):
    # Clause numbers may contain a dot ("6.1"), so no ".json" suffix routes.
    include_format_suffixes = False


router = Router()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("versions", views.PlanVersionViewSet, basename="version")
router.register("clauses", views.ClauseViewSet, basename="clause")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("parties", views.PartyViewSet, basename="party")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("positions", views.PositionViewSet, basename="position")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("figures", views.FigureViewSet, basename="figure")
router.register("sources", views.SourceViewSet, basename="source")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = [
    path("v1/convergence/", checks.ConvergenceView.as_view(), name="convergence"),
    path("v1/flags/", checks.FlagView.as_view(), name="flags"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # A page for browsers. Its start-up script is served from its own address (?script), so scripts still
    # come only from the site; Swagger UI styles its elements inline. An OPTIONS request would ask the HTML
    # renderer for a template it has not got, so only GET and HEAD.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", http_method_names=["get", "head"])
        ),
        name="docs",
    ),
    re_path(r"^", views.not_found),
]
