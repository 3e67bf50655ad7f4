"""Read-only viewsets over the published content.

Every queryset starts from a ``published()`` QuerySet (or from a model that has no drafts), and
its related rows are fetched in a fixed number of queries, whatever the page size.
"""

from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tracker import filters as tracker_filters
from tracker.conditional import conditional
from tracker.lineage import compare_versions
from tracker.models import (
    Actor,
    Clause,
    ClauseLink,
    ClauseTarget,
    Event,
    Figure,
    Indicator,
    Party,
    Plan,
    PlanVersion,
    Position,
    Source,
    Topic,
    VersionClaim,
)

from . import serializers

SLUG = r"[-a-zA-Z0-9_]+"
CLAUSE_NUMBER = r"[^/]+"
VERSION_KEY = f"{SLUG}/{SLUG}"
CLAUSE_KEY = rf"[0-9]+|{SLUG}/{SLUG}/{CLAUSE_NUMBER}"


class OrderingFilter(filters.OrderingFilter):
    """Ordering from an explicit allow-list, always ending in pk so pages never overlap."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and "pk" not in ordering and "-pk" not in ordering:
            ordering = [*ordering, "pk"]
        return ordering


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = []

    def dispatch(self, request, *args, **kwargs):
        return conditional(super().dispatch)(request, *args, **kwargs)


@extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter("slug", OpenApiTypes.STR, "path")]))
class PlanViewSet(ReadOnlyViewSet):
    """Plans, with the slugs of their published versions."""

    serializer_class = serializers.PlanSerializer
    filterset_class = tracker_filters.PlanFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ["title", "pk"]
    ordering_fields = ["title", "updated_at"]

    def get_queryset(self):
        versions = PlanVersion.objects.published().order_by("released_on", "pk")
        return Plan.objects.published().prefetch_related(Prefetch("versions", versions, to_attr="public_versions"))


def _version_queryset():
    return (
        PlanVersion.objects.published()
        .select_related("plan", "based_on", "based_on__plan")
        .prefetch_related(
            "proposed_by",
            "sources",
            Prefetch("claims", VersionClaim.objects.select_related("claimed_by", "source").order_by("stated_on", "pk")),
        )
    )


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                "path",
                description="plan-slug/version-slug, e.g. us-framework-2025/28-point",
                pattern=f"^{VERSION_KEY}$",
            )
        ]
    )
)
class PlanVersionViewSet(ReadOnlyViewSet):
    """Versions of plans: one text each, with who proposed it and how completely it is known."""

    serializer_class = serializers.PlanVersionSerializer
    filterset_class = tracker_filters.PlanVersionFilter
    lookup_url_kwarg = "key"
    lookup_value_regex = VERSION_KEY
    ordering = ["plan__title", "released_on", "pk"]
    ordering_fields = ["released_on", "name", "updated_at"]

    def get_queryset(self):
        return _version_queryset()

    def get_object(self):
        plan, slug = self.kwargs["key"].split("/")
        return get_object_or_404(self.get_queryset(), plan__slug=plan, slug=slug)

    @extend_schema(
        summary="Compare two versions of a plan",
        description="Clause by clause: unchanged, reworded, amended, merged, split, dropped, new, or "
        "'fate not reported' where a text is only partly known. Either order; rows are chronological.",
        parameters=[
            OpenApiParameter("key", OpenApiTypes.STR, "path", description="plan-slug/version-slug of one version"),
            OpenApiParameter("other", OpenApiTypes.STR, "path", description="Slug of another version of the same plan"),
        ],
        responses={200: serializers.ComparisonSerializer},
        filters=False,
    )
    @action(detail=True, url_path=f"compare/(?P<other>{SLUG})", filter_backends=[], pagination_class=None)
    def compare(self, request, key, other):
        version = self.get_object()
        other_version = get_object_or_404(_version_queryset(), plan=version.plan, slug=other)
        if other_version.pk == version.pk:
            raise Http404("Compare a version with another version of the same plan.")
        comparison = compare_versions(version, other_version)
        data = {
            "earlier": comparison.earlier,
            "later": comparison.later,
            "reversed": comparison.reversed,
            "counts": comparison.counts(),
            "rows": comparison.rows,
        }
        return Response(serializers.ComparisonSerializer(data, context=self.get_serializer_context()).data)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                "path",
                description="The clause's id, or plan-slug/version-slug/number, e.g. us-framework-2025/28-point/6",
                pattern=f"^({CLAUSE_KEY})$",
            )
        ]
    )
)
class ClauseViewSet(ReadOnlyViewSet):
    """Clauses of published versions, with their numeric targets and lineage links both ways."""

    serializer_class = serializers.ClauseSerializer
    filterset_class = tracker_filters.ClauseApiFilter
    lookup_url_kwarg = "key"
    lookup_value_regex = CLAUSE_KEY
    ordering = ["version__plan__title", "version__released_on", "version_id", "sort_order", "pk"]
    ordering_fields = ["sort_order", "number", "updated_at"]

    def get_queryset(self):
        links = ClauseLink.objects.published().select_related("source").order_by("pk")
        return (
            Clause.objects.published()
            .select_related("version", "version__plan")
            .prefetch_related(
                Prefetch("topics", Topic.objects.all(), to_attr="topic_list"),
                Prefetch("sources", Source.objects.all(), to_attr="source_list"),
                Prefetch("context_indicators", Indicator.objects.all(), to_attr="context_indicator_list"),
                Prefetch(
                    "targets", ClauseTarget.objects.select_related("indicator").order_by("pk"), to_attr="target_list"
                ),
                Prefetch(
                    "links_forward",
                    links.select_related("to_clause__version__plan", "to_version__plan"),
                    to_attr="public_links_forward",
                ),
                Prefetch(
                    "links_back",
                    links.select_related("from_clause__version__plan"),
                    to_attr="public_links_back",
                ),
            )
        )

    def get_object(self):
        key = self.kwargs["key"]
        if key.isdigit():
            return get_object_or_404(self.get_queryset(), pk=int(key))
        plan, version, number = key.split("/")
        return get_object_or_404(self.get_queryset(), version__plan__slug=plan, version__slug=version, number=number)


class TopicViewSet(ReadOnlyViewSet):
    """The topics clauses are filed under."""

    queryset = Topic.objects.public()
    serializer_class = serializers.TopicSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ["name", "pk"]
    ordering_fields = ["name"]


class PartyViewSet(ReadOnlyViewSet):
    """Parties to the negotiation."""

    queryset = Party.objects.all()
    serializer_class = serializers.PartySerializer
    filterset_class = tracker_filters.PartyFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ["display_order", "name", "pk"]
    ordering_fields = ["name", "display_order"]


class ActorViewSet(ReadOnlyViewSet):
    """People and offices speaking for a party."""

    queryset = Actor.objects.public().select_related("party")
    serializer_class = serializers.ActorSerializer
    filterset_class = tracker_filters.ActorFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ["party__display_order", "name", "pk"]
    ordering_fields = ["name"]


class PositionViewSet(ReadOnlyViewSet):
    """Parties' stances on clauses or whole versions, each with its date and source."""

    serializer_class = serializers.PositionSerializer
    filterset_class = tracker_filters.PositionFilter
    ordering = ["stated_on", "pk"]
    ordering_fields = ["stated_on", "stance", "updated_at"]

    def get_queryset(self):
        return Position.objects.published().with_related().prefetch_related("other_sources")


class IndicatorViewSet(ReadOnlyViewSet):
    """Measured quantities with a unit."""

    queryset = Indicator.objects.public()
    serializer_class = serializers.IndicatorSerializer
    filterset_class = tracker_filters.IndicatorFilter
    lookup_field = "slug"
    lookup_value_regex = SLUG
    ordering = ["name", "pk"]
    ordering_fields = ["name"]


class FigureViewSet(ReadOnlyViewSet):
    """Sourced values of indicators, each with its gap to every published clause target on the indicator."""

    serializer_class = serializers.FigureSerializer
    filterset_class = tracker_filters.FigureFilter
    ordering = ["indicator__name", "reported_on", "pk"]
    ordering_fields = ["reported_on", "period_end", "value", "updated_at"]

    def get_queryset(self):
        targets = ClauseTarget.objects.published().select_related("clause__version__plan").order_by("pk")
        return (
            Figure.objects.published()
            .select_related("indicator", "source")
            .prefetch_related("other_sources", Prefetch("indicator__targets", targets, to_attr="public_targets"))
        )


@extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter("key", OpenApiTypes.STR, "path")]))
class SourceViewSet(ReadOnlyViewSet):
    """The documents every fact on the site is taken from."""

    queryset = Source.objects.public()
    serializer_class = serializers.SourceSerializer
    filterset_class = tracker_filters.SourceFilter
    lookup_field = "key"
    lookup_value_regex = SLUG
    ordering = ["key", "pk"]
    ordering_fields = ["key", "published_on", "updated_at"]


class EventViewSet(ReadOnlyViewSet):
    """Dated happenings: summits, talks, publications."""

    serializer_class = serializers.EventSerializer
    filterset_class = tracker_filters.EventFilter
    ordering = ["happened_on", "pk"]
    ordering_fields = ["happened_on", "updated_at"]

    def get_queryset(self):
        return Event.objects.published().prefetch_related("parties", "sources")


@csrf_exempt  # nothing is written; answer 405 to unsafe methods rather than a CSRF 403
def not_found(request, *args, **kwargs):
    """A JSON 404 for any address under /api/ that names no endpoint (405 for a method other than GET)."""
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    return JsonResponse({"detail": "No such API endpoint."}, status=404)
