"""How far apart the parties stand, and the figures that cannot all be true, as JSON.

The same selectors and filters as the convergence page and the list of flags (``?format=csv``
there gives all the rows as CSV); bad filters answer 400 with what to fix. Numbered pages, as
every list of the API: every row is ranked or checked from plain values, and only the page's
rows are loaded.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.api.pagination import ListPagination
from tracker.forms import InvalidQuery, read_filters, read_flag_filters
from tracker.models import Source
from tracker.selectors.convergence import load_ranked, ranking
from tracker.selectors.flags import RULES, consistency_flags, with_related


class PartyStanceSerializer(serializers.Serializer):
    party = serializers.CharField(source="party.slug")
    stance = serializers.CharField()
    rank = serializers.IntegerField(help_text="0 supports ... 4 rejects.")
    stated_on = serializers.DateField(source="position.stated_on")
    source = serializers.CharField(source="position.source.key")


class ConvergenceSerializer(serializers.Serializer):
    plan = serializers.CharField(source="clause.version.plan.slug")
    version = serializers.CharField(source="clause.version.slug")
    point = serializers.CharField(source="clause.number")
    heading = serializers.CharField(source="clause.heading")
    spread = serializers.IntegerField(allow_null=True, help_text="Null when fewer than two parties are on record.")
    parties_recorded = serializers.IntegerField()
    label = serializers.CharField()
    stances = PartyStanceSerializer(many=True)
    url = serializers.SerializerMethodField()

    def get_url(self, item) -> str:
        return self.context["request"].build_absolute_uri(item.clause.get_absolute_url())


class FlagReviewSerializer(serializers.Serializer):
    reviewed_on = serializers.DateField()
    note = serializers.CharField(help_text="The editors' note, shown to readers next to the flag.")


class FlagSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=list(RULES.items()))
    rule_label = serializers.CharField()
    indicator = serializers.CharField(source="figure.indicator.slug")
    figure = serializers.IntegerField(source="figure.pk")
    value = serializers.CharField(source="figure.display_value")
    claimed_by = serializers.CharField(source="figure.claimed_by")
    reported_on = serializers.DateField(source="figure.reported_on")
    arithmetic = serializers.CharField()
    compared_with = serializers.IntegerField(source="other.pk", allow_null=True, default=None)
    term = serializers.IntegerField(source="target.pk", allow_null=True, default=None)
    reviewed = FlagReviewSerializer(
        allow_null=True, help_text="The editors' review, null until they review the flag as it now reads."
    )


def paginated(name, serializer):
    """The schema of a page of rows, as the API's other lists give them."""
    return inline_serializer(
        name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


def _bad(error):
    return Response({"errors": error.messages}, status=400)


AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description="State of play on this date (YYYY-MM-DD).")


class ConvergenceView(APIView):
    """Every published point, furthest apart first, as of a date."""

    @extend_schema(
        parameters=[
            OpenApiParameter("plan", OpenApiTypes.STR, description="A plan's slug."),
            OpenApiParameter("version", OpenApiTypes.STR, description="plan/version, e.g. us-framework-2025/28-point."),
            OpenApiParameter("topic", OpenApiTypes.STR, description="A topic's slug."),
            AS_OF,
        ],
        responses={200: paginated("PaginatedConvergenceList", ConvergenceSerializer), 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        try:
            _, filters = read_filters(request.query_params)
        except InvalidQuery as error:
            return _bad(error)
        paginator = ListPagination()
        page = paginator.paginate_queryset(ranking(**filters), request, view=self)
        items = load_ranked(page, filters["as_of"])
        # The sources are read once, for the positions shown.
        positions = [stance.position for item in items for stance in item.stances]
        sources = Source.objects.in_bulk({position.source_id for position in positions})
        for position in positions:
            position.source = sources[position.source_id]
        return paginator.get_paginated_response(
            ConvergenceSerializer(items, many=True, context={"request": request}).data
        )


class FlagView(APIView):
    """Figures that cannot all be true, each with its arithmetic."""

    @extend_schema(
        parameters=[
            OpenApiParameter("indicator", OpenApiTypes.STR, description="An indicator's slug."),
            OpenApiParameter("rule", OpenApiTypes.STR, enum=list(RULES)),
            AS_OF,
        ],
        responses={200: paginated("PaginatedFlagList", FlagSerializer), 400: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        try:
            _, filters = read_flag_filters(request.query_params)
        except InvalidQuery as error:
            return _bad(error)
        paginator = ListPagination()
        page = paginator.paginate_queryset(consistency_flags(**filters, related=False), request, view=self)
        return paginator.get_paginated_response(FlagSerializer(with_related(page), many=True).data)
