"""FilterSets shared by the public pages, their CSV downloads and the API.

One FilterSet per model, so a filter means the same thing on every surface. Each starts from
the published rows it is given; ``as_of`` is a date filter with a method so that a malformed
date is a validation error (400 in the API, a message on a page) and the schema documents it.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tracker.models import (
    Actor,
    Clause,
    ClauseTextBasis,
    Confidence,
    Event,
    EventKind,
    Figure,
    FigureKind,
    Indicator,
    Party,
    PartyKind,
    Plan,
    PlanVersion,
    Position,
    Reliability,
    Source,
    Stance,
    TextBasis,
    Topic,
    VersionStatus,
)


class SafeIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time that also fits the database once converted to UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        # In UTC: Python allows offsets PostgreSQL refuses (beyond 15:59), and near the ends of the
        # calendar the conversion itself can overflow.
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError("Enter a date and time between the years 1 and 9999.") from error


@extend_schema_field(OpenApiTypes.STR)
class KeyChoiceFilter(django_filters.ModelChoiceFilter):
    """A related row named by its readable key (a slug, a source key); an unknown key is an error."""


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault(
            "label", "Only rows changed at or after this moment (ISO 8601), for incremental synchronisation."
        )
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true or false (also 1 or 0); anything else is an error rather than silently ignored."""

    widget = forms.TextInput  # the select widget would turn an unknown value into "no filter"

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise forms.ValidationError("Enter true or false.")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def as_of_filter(help_text):
    return django_filters.DateFilter(
        method="filter_as_of", label=f"State of play on this date (YYYY-MM-DD): {help_text}"
    )


def _published_plans(request):
    return Plan.objects.published()


class PlanFilter(django_filters.FilterSet):
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Plan
        fields = []


class PlanVersionFilter(django_filters.FilterSet):
    plan = KeyChoiceFilter(queryset=_published_plans, to_field_name="slug", label="Plan, by its slug.")
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)
    text_basis = django_filters.ChoiceFilter(choices=TextBasis.choices, label="How completely the text is known.")
    as_of = as_of_filter("versions released by then.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = PlanVersion
        fields = []

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(released_on__lte=value)


class ClauseFilter(django_filters.FilterSet):
    plan = KeyChoiceFilter(
        field_name="version__plan", queryset=_published_plans, to_field_name="slug", label="Plan, by its slug."
    )
    version = django_filters.CharFilter(
        field_name="version__slug", label="Version, by its slug (unique within a plan; combine with plan)."
    )
    topic = KeyChoiceFilter(
        field_name="topics", queryset=Topic.objects.all(), to_field_name="slug", label="Topic, by its slug."
    )
    text_basis = django_filters.ChoiceFilter(choices=ClauseTextBasis.choices, label="How the wording is known.")
    party = KeyChoiceFilter(
        queryset=Party.objects.all(),
        to_field_name="slug",
        method="filter_party",
        label="Clauses this party has taken a position on (with stance: whose latest stance is that).",
    )
    stance = django_filters.ChoiceFilter(
        choices=Stance.choices, method="filter_stance", label="Clauses with a party's latest stance at this value."
    )
    as_of = as_of_filter("clauses of versions released by then; party and stance count positions stated by then.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Clause
        fields = []

    def _latest_positions(self):
        positions = Position.objects.published()
        as_of = self.form.cleaned_data.get("as_of")
        if as_of:
            positions = positions.as_of(as_of)
        positions = positions.latest()
        party = self.form.cleaned_data.get("party")
        stance = self.form.cleaned_data.get("stance")
        if party:
            positions = positions.filter(party=party)
        if stance:
            positions = positions.filter(stance=stance)
        return positions

    def filter_party(self, queryset, name, value):
        return queryset.filter(pk__in=self._latest_positions().values("clause_id"))

    def filter_stance(self, queryset, name, value):
        if self.form.cleaned_data.get("party"):
            return queryset  # filter_party already applied both conditions
        return queryset.filter(pk__in=self._latest_positions().values("clause_id"))

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(version__released_on__lte=value)


class PartyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PartyKind.choices)

    class Meta:
        model = Party
        fields = []


class ActorFilter(django_filters.FilterSet):
    party = KeyChoiceFilter(queryset=Party.objects.all(), to_field_name="slug", label="Party, by its slug.")

    class Meta:
        model = Actor
        fields = []


class PositionFilter(django_filters.FilterSet):
    party = KeyChoiceFilter(queryset=Party.objects.all(), to_field_name="slug", label="Party, by its slug.")
    actor = KeyChoiceFilter(queryset=Actor.objects.all(), to_field_name="slug", label="Actor, by its slug.")
    plan = KeyChoiceFilter(
        queryset=_published_plans, method="filter_plan", to_field_name="slug", label="Plan, by its slug."
    )
    clause = django_filters.NumberFilter(field_name="clause_id", label="Clause, by its id.")
    stance = django_filters.ChoiceFilter(choices=Stance.choices)
    stated_after = django_filters.DateFilter(field_name="stated_on", lookup_expr="gte", label="Stated on or after.")
    stated_before = django_filters.DateFilter(field_name="stated_on", lookup_expr="lte", label="Stated on or before.")
    as_of = as_of_filter("positions stated by then.")
    latest = StrictBooleanFilter(
        method="filter_latest", label="Only each party's latest position on each subject (as of the as_of date)."
    )
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Position
        fields = []

    def filter_plan(self, queryset, name, value):
        return queryset.filter(Q(clause__version__plan=value) | Q(version__plan=value))

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)

    def filter_latest(self, queryset, name, value):
        if not value:
            return queryset
        # Latest among all published positions up to as_of, so other filters (stance, actor) narrow
        # the result rather than change which position counts as the latest.
        latest = Position.objects.published()
        as_of = self.form.cleaned_data.get("as_of")
        if as_of:
            latest = latest.as_of(as_of)
        return queryset.filter(pk__in=latest.latest().values("pk"))


class IndicatorFilter(django_filters.FilterSet):
    class Meta:
        model = Indicator
        fields = []


class FigureFilter(django_filters.FilterSet):
    indicator = KeyChoiceFilter(queryset=Indicator.objects.all(), to_field_name="slug", label="Indicator, by its slug.")
    kind = django_filters.ChoiceFilter(choices=FigureKind.choices)
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices)
    source = KeyChoiceFilter(queryset=Source.objects.all(), to_field_name="key", label="Source, by its key.")
    as_of = as_of_filter("figures reported by then.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Figure
        fields = []

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)


class SourceFilter(django_filters.FilterSet):
    reliability = django_filters.ChoiceFilter(choices=Reliability.choices)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Source
        fields = []


class EventFilter(django_filters.FilterSet):
    party = KeyChoiceFilter(
        field_name="parties", queryset=Party.objects.all(), to_field_name="slug", label="Party, by its slug."
    )
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    happened_after = django_filters.DateFilter(field_name="happened_on", lookup_expr="gte")
    happened_before = django_filters.DateFilter(field_name="happened_on", lookup_expr="lte")
    as_of = as_of_filter("events that happened by then.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Event
        fields = []

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)
