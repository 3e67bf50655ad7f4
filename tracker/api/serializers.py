"""JSON shapes of the published content.

Related objects are named by their readable keys (slugs, source keys, plan/version/number), so a
client can join the API with the dataset download and the public pages' addresses.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
from tracker.textdiff import word_diff


def public_page_url(obj, request=None):
    path = obj.get_absolute_url()
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field({"type": "string", "format": "uri", "description": "The object's page on the public site."})
class PageUrlField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return public_page_url(value, self.context.get("request"))


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class KeyListField(serializers.Field):
    """The readable keys (slugs by default) of a list of related objects prefetched into a plain list."""

    def __init__(self, key="slug", **kwargs):
        self.key = key
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return [getattr(obj, self.key) for obj in value]


class SourceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["key", "title", "publisher", "url", "published_on"]


class VersionRefSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.slug", read_only=True)

    class Meta:
        model = PlanVersion
        fields = ["plan", "slug", "name"]


class ClauseRefSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="version.plan.slug", read_only=True)
    version = serializers.CharField(source="version.slug", read_only=True)

    class Meta:
        model = Clause
        fields = ["id", "plan", "version", "number", "heading"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "name", "description"]


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = ["slug", "name", "released_on", "status"]


class PlanSerializer(serializers.ModelSerializer):
    versions = VersionSummarySerializer(source="public_versions", many=True, read_only=True)
    page_url = PageUrlField()

    class Meta:
        model = Plan
        fields = ["slug", "title", "summary", "versions", "updated_at", "page_url"]


class VersionClaimSerializer(serializers.ModelSerializer):
    claimed_by = serializers.SlugRelatedField(read_only=True, slug_field="slug", allow_null=True)
    source = serializers.SlugRelatedField(read_only=True, slug_field="key")

    class Meta:
        model = VersionClaim
        fields = ["attribute", "value", "stated_on", "claimed_by", "grade", "note", "source"]


class PlanVersionSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    based_on = serializers.SerializerMethodField()
    proposed_by = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    sources = SourceRefSerializer(many=True, read_only=True)
    claims = VersionClaimSerializer(many=True, read_only=True)
    page_url = PageUrlField()

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "slug",
            "name",
            "released_on",
            "released_on_note",
            "status",
            "text_basis",
            "based_on",
            "proposed_by",
            "point_count",
            "summary",
            "sources",
            "claims",
            "updated_at",
            "page_url",
        ]

    @extend_schema_field(VersionRefSerializer(allow_null=True))
    def get_based_on(self, obj):
        earlier = obj.based_on
        # A draft earlier version stays hidden: readers see no trace of it.
        if earlier is None or not earlier.is_visible:
            return None
        return VersionRefSerializer(earlier, context=self.context).data


class ClauseTargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(read_only=True, slug_field="slug")

    class Meta:
        model = ClauseTarget
        fields = ["indicator", "comparator", "value", "label", "note"]


def text_diff(earlier, later):
    """Word-level differences between two verbatim texts, or None unless both are known."""
    if earlier is None or later is None or not earlier.text or not later.text:
        return None
    return str(word_diff(earlier.text, later.text))


TEXT_DIFF_SCHEMA = {
    "type": "string",
    "nullable": True,
    "description": "The later verbatim text as HTML, with removed words in <del> and added words in <ins>; "
    "null unless both texts are known.",
}


class LinkForwardSerializer(serializers.ModelSerializer):
    to_clause = ClauseRefSerializer(read_only=True, allow_null=True)
    to_version = VersionRefSerializer(read_only=True, allow_null=True)
    source = serializers.SlugRelatedField(read_only=True, slug_field="key", allow_null=True)
    text_diff = serializers.SerializerMethodField()

    class Meta:
        model = ClauseLink
        fields = ["relation", "to_clause", "to_version", "note", "grade", "source", "text_diff"]

    @extend_schema_field(TEXT_DIFF_SCHEMA)
    def get_text_diff(self, obj):
        return text_diff(obj.from_clause, obj.to_clause)


class LinkBackSerializer(serializers.ModelSerializer):
    from_clause = ClauseRefSerializer(read_only=True)
    source = serializers.SlugRelatedField(read_only=True, slug_field="key", allow_null=True)

    class Meta:
        model = ClauseLink
        fields = ["relation", "from_clause", "note", "grade", "source"]


class ClauseSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="version.plan.slug", read_only=True)
    version = serializers.CharField(source="version.slug", read_only=True)
    topics = KeyListField(source="topic_list")
    sources = SourceRefSerializer(source="source_list", many=True, read_only=True)
    context_indicators = KeyListField(source="context_indicator_list")
    targets = ClauseTargetSerializer(source="target_list", many=True, read_only=True)
    links_forward = LinkForwardSerializer(source="public_links_forward", many=True, read_only=True)
    links_back = LinkBackSerializer(source="public_links_back", many=True, read_only=True)
    page_url = PageUrlField()

    class Meta:
        model = Clause
        fields = [
            "id",
            "plan",
            "version",
            "number",
            "sort_order",
            "heading",
            "summary",
            "text",
            "text_basis",
            "topics",
            "sources",
            "context_indicators",
            "targets",
            "links_forward",
            "links_back",
            "updated_at",
            "page_url",
        ]


class PartySerializer(serializers.ModelSerializer):
    page_url = PageUrlField()

    class Meta:
        model = Party
        fields = ["slug", "name", "short_name", "kind", "description", "display_order", "page_url"]


class ActorSerializer(serializers.ModelSerializer):
    party = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    page_url = PageUrlField()

    class Meta:
        model = Actor
        fields = ["slug", "name", "role", "party", "page_url"]


class PositionSerializer(serializers.ModelSerializer):
    party = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    actor = serializers.SlugRelatedField(read_only=True, slug_field="slug", allow_null=True)
    clause = ClauseRefSerializer(read_only=True, allow_null=True)
    version = VersionRefSerializer(read_only=True, allow_null=True)
    source = SourceRefSerializer(read_only=True)
    other_sources = serializers.SlugRelatedField(many=True, read_only=True, slug_field="key")
    page_url = PageUrlField()

    class Meta:
        model = Position
        fields = [
            "id",
            "party",
            "actor",
            "clause",
            "version",
            "stance",
            "stated_on",
            "date_is_approximate",
            "quote",
            "quote_is_paraphrase",
            "note",
            "source",
            "other_sources",
            "updated_at",
            "page_url",
        ]


class IndicatorSerializer(serializers.ModelSerializer):
    page_url = PageUrlField()

    class Meta:
        model = Indicator
        fields = ["slug", "name", "unit", "description", "caveat", "page_url"]


class GapSerializer(serializers.Serializer):
    """How the figure stands against one published clause target of its indicator."""

    clause = ClauseRefSerializer(source="target.clause", read_only=True)
    comparator = serializers.CharField(source="target.comparator", read_only=True)
    target_value = serializers.DecimalField(source="target.value", max_digits=15, decimal_places=3, read_only=True)
    target_label = serializers.CharField(source="target.label", read_only=True)
    status = serializers.CharField(read_only=True, help_text="meets, misses or straddles (a range across the term).")
    difference = serializers.DecimalField(
        max_digits=None, decimal_places=None, read_only=True, allow_null=True, help_text="Figure minus target."
    )
    difference_low = serializers.DecimalField(max_digits=None, decimal_places=None, read_only=True, allow_null=True)
    difference_high = serializers.DecimalField(max_digits=None, decimal_places=None, read_only=True, allow_null=True)
    percent = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        read_only=True,
        allow_null=True,
        help_text="The difference as a percentage of the target.",
    )
    share_of_figure = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        read_only=True,
        allow_null=True,
        help_text="The difference as a percentage of the figure: the cut (or increase) the term asks for.",
    )


class FigureSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    source = SourceRefSerializer(read_only=True)
    other_sources = serializers.SlugRelatedField(many=True, read_only=True, slug_field="key")
    gaps = serializers.SerializerMethodField()
    page_url = PageUrlField()

    class Meta:
        model = Figure
        fields = [
            "id",
            "indicator",
            "value",
            "low",
            "high",
            "is_lower_bound",
            "period_start",
            "period_end",
            "period_label",
            "reported_on",
            "claimed_by",
            "kind",
            "confidence",
            "caveat",
            "from_reprint",
            "source",
            "other_sources",
            "gaps",
            "updated_at",
            "page_url",
        ]

    @extend_schema_field(GapSerializer(many=True))
    def get_gaps(self, obj):
        targets = obj.indicator.public_targets
        return GapSerializer([target.gap(obj) for target in targets], many=True, context=self.context).data


class SourceSerializer(serializers.ModelSerializer):
    page_url = PageUrlField()

    class Meta:
        model = Source
        fields = [
            "key",
            "title",
            "publisher",
            "url",
            "no_url_reason",
            "published_on",
            "date_is_approximate",
            "date_note",
            "reliability",
            "notes",
            "updated_at",
            "page_url",
        ]


class EventSerializer(serializers.ModelSerializer):
    parties = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    sources = SourceRefSerializer(many=True, read_only=True)
    page_url = PageUrlField()

    class Meta:
        model = Event
        fields = [
            "id",
            "happened_on",
            "ends_on",
            "date_is_approximate",
            "title",
            "kind",
            "description",
            "parties",
            "sources",
            "updated_at",
            "page_url",
        ]


class ComparisonLinkSerializer(serializers.ModelSerializer):
    from_clause = serializers.PrimaryKeyRelatedField(read_only=True)
    to_clause = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    source = serializers.SlugRelatedField(read_only=True, slug_field="key", allow_null=True)

    class Meta:
        model = ClauseLink
        fields = ["from_clause", "to_clause", "relation", "note", "grade", "source"]


class ComparisonRowSerializer(serializers.Serializer):
    change = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    earlier = ClauseRefSerializer(many=True, read_only=True)
    later = ClauseRefSerializer(many=True, read_only=True)
    links = ComparisonLinkSerializer(many=True, read_only=True)
    indirect = serializers.BooleanField(read_only=True, help_text="Joined through versions in between.")
    text_diff = serializers.SerializerMethodField()

    @extend_schema_field(TEXT_DIFF_SCHEMA)
    def get_text_diff(self, row):
        if len(row.earlier) != 1 or len(row.later) != 1:
            return None
        return text_diff(row.earlier[0], row.later[0])


class ComparisonSerializer(serializers.Serializer):
    earlier = VersionRefSerializer(read_only=True)
    later = VersionRefSerializer(read_only=True)
    reversed = serializers.BooleanField(
        read_only=True, help_text="True when the versions were asked for latest first; rows are chronological."
    )
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    rows = ComparisonRowSerializer(many=True, read_only=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
