"""FilterSets shared by the public pages, their CSV downloads and the API.

One FilterSet per model, so a filter means the same thing on every surface. Views must check
``is_valid()`` before using ``qs`` (see ``tracker.views.common.filtered``): django-filter drops
invalid values from ``qs``, which would show unfiltered data. Each starts from
the published rows it is given; ``as_of`` is a date filter with a method so that a malformed
date is a validation error (400 in the API, a message on a page) and the schema documents it.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
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
from tracker.selectors.positions import latest_positions


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
            raise forms.ValidationError(_("Enter a date and time between the years 1 and 9999.")) from error


@extend_schema_field(OpenApiTypes.STR)
class KeyChoiceFilter(django_filters.ModelChoiceFilter):
    """A related row named by its readable key (a slug, a source key); an unknown key is an error."""


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number the database can hold; anything else is an error, not a crash."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


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
        raise forms.ValidationError(_("Enter true or false."))

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def as_of_filter(help_text):
    return django_filters.DateFilter(
        method="filter_as_of",
        label=format_lazy("{} {}", _("State of play on this date (YYYY-MM-DD):"), help_text),
    )


def _published_plans(request):
    return Plan.objects.published()


class PlanFilter(django_filters.FilterSet):
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Plan
        fields = []


class PlanVersionFilter(django_filters.FilterSet):
    plan = KeyChoiceFilter(queryset=_published_plans, to_field_name="slug", label=_("Plan, by its slug."))
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)
    text_basis = django_filters.ChoiceFilter(choices=TextBasis.choices, label=_("How completely the text is known."))
    as_of = as_of_filter("versions released by then.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = PlanVersion
        fields = []

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)


class ClauseFilter(django_filters.FilterSet):
    """A version's clauses by topic, by how their text is known, and by party and stance.

    Party and stance read each party's latest published position on the clause, as of the
    date given to the FilterSet (``as_of=``; today when None): with both, clauses where that
    party's stance is the one chosen; with the party alone, clauses it has taken a position on;
    with the stance alone, clauses where any party holds it.
    """

    topic = KeyChoiceFilter(
        field_name="topics",
        queryset=Topic.objects.public().order_by("name", "pk"),
        to_field_name="slug",
        empty_label=_("Any topic"),
        label=_("Topic"),
    )
    text_basis = django_filters.ChoiceFilter(
        choices=ClauseTextBasis.choices, empty_label=_("Any"), label=_("Text known as")
    )
    party = KeyChoiceFilter(
        queryset=Party.objects.order_by("display_order", "name", "pk"),
        to_field_name="slug",
        empty_label=_("Any party"),
        label=_("Party"),
        method="filter_by_stance",
    )
    stance = django_filters.ChoiceFilter(
        choices=Stance.choices, empty_label=_("Any stance"), label=_("Stance"), method="filter_by_stance"
    )

    class Meta:
        model = Clause
        fields = ["topic", "text_basis", "party", "stance"]

    def __init__(self, data=None, queryset=None, *, as_of=None, **kwargs):
        self.as_of = as_of
        super().__init__(data, queryset, **kwargs)

    def filter_by_stance(self, queryset, name, value):
        # Party and stance are applied together in filter_queryset.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        party = self.form.cleaned_data.get("party")
        stance = self.form.cleaned_data.get("stance")
        if party or stance:
            as_of = self.as_of or self.form.cleaned_data.get("as_of")
            subjects = {"clause__in": queryset.values("pk")}
            if party:
                subjects["party"] = party
            positions = latest_positions(as_of, **subjects)
            if stance:
                positions = positions.filter(stance=stance)
            queryset = queryset.filter(pk__in=positions.values("clause_id"))
        return queryset


class ClauseApiFilter(ClauseFilter):
    """The version page's clause filters, plus what an API client needs across versions.

    Pages read ``?as_of=`` themselves and pass it to the constructor; API clients give it as a
    parameter, which sets the date party and stance are read at.
    """

    plan = KeyChoiceFilter(
        field_name="version__plan", queryset=_published_plans, to_field_name="slug", label=_("Plan, by its slug.")
    )
    version = django_filters.CharFilter(
        field_name="version__slug", label=_("Version, by its slug (unique within a plan; combine with plan).")
    )
    as_of = django_filters.DateFilter(
        method="filter_by_stance",
        label=_("State of play on this date (YYYY-MM-DD): party and stance count positions stated by then."),
    )
    updated_since = UpdatedSinceFilter()

    class Meta(ClauseFilter.Meta):
        fields = ["plan", "version", *ClauseFilter.Meta.fields, "as_of", "updated_since"]


class PartyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PartyKind.choices)

    class Meta:
        model = Party
        fields = []


class ActorFilter(django_filters.FilterSet):
    party = KeyChoiceFilter(queryset=Party.objects.all(), to_field_name="slug", label=_("Party, by its slug."))

    class Meta:
        model = Actor
        fields = []


class PositionFilter(django_filters.FilterSet):
    party = KeyChoiceFilter(queryset=Party.objects.all(), to_field_name="slug", label=_("Party, by its slug."))
    actor = KeyChoiceFilter(queryset=Actor.objects.public(), to_field_name="slug", label=_("Actor, by its slug."))
    plan = KeyChoiceFilter(
        queryset=_published_plans, method="filter_plan", to_field_name="slug", label=_("Plan, by its slug.")
    )
    clause = IdFilter(field_name="clause_id", label=_("Clause, by its id."))
    source = KeyChoiceFilter(
        queryset=Source.objects.public(),
        to_field_name="key",
        method="filter_source",
        label=_("Positions citing this source (by its key), as main or further source."),
    )
    stance = django_filters.ChoiceFilter(choices=Stance.choices)
    stated_after = django_filters.DateFilter(field_name="stated_on", lookup_expr="gte", label=_("Stated on or after."))
    stated_before = django_filters.DateFilter(
        field_name="stated_on", lookup_expr="lte", label=_("Stated on or before.")
    )
    as_of = as_of_filter("positions stated by then.")
    latest = StrictBooleanFilter(
        method="filter_latest", label=_("Only each party's latest position on each subject (as of the as_of date).")
    )
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Position
        fields = []

    def filter_plan(self, queryset, name, value):
        return queryset.filter(Q(clause__version__plan=value) | Q(version__plan=value))

    def filter_source(self, queryset, name, value):
        # A subquery, so a position citing the source twice is still listed once.
        citing = Position.objects.filter(Q(source=value) | Q(other_sources=value)).values("pk")
        return queryset.filter(pk__in=citing)

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)

    def filter_latest(self, queryset, name, value):
        if not value:
            return queryset
        # Latest among all published positions up to as_of, so other filters (stance, actor) narrow
        # the result rather than change which position counts as the latest.
        return queryset.filter(pk__in=latest_positions(self.form.cleaned_data.get("as_of")).values("pk"))


class IndicatorFilter(django_filters.FilterSet):
    class Meta:
        model = Indicator
        fields = []


class FigureFilter(django_filters.FilterSet):
    indicator = KeyChoiceFilter(
        queryset=Indicator.objects.public(), to_field_name="slug", label=_("Indicator, by its slug.")
    )
    kind = django_filters.ChoiceFilter(choices=FigureKind.choices)
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices)
    source = KeyChoiceFilter(queryset=Source.objects.public(), to_field_name="key", label=_("Source, by its key."))
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
        field_name="parties", queryset=Party.objects.all(), to_field_name="slug", label=_("Party, by its slug.")
    )
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    source = KeyChoiceFilter(
        field_name="sources", queryset=Source.objects.public(), to_field_name="key", label=_("Source, by its key.")
    )
    happened_after = django_filters.DateFilter(field_name="happened_on", lookup_expr="gte")
    happened_before = django_filters.DateFilter(field_name="happened_on", lookup_expr="lte")
    as_of = as_of_filter("events that happened by then.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Event
        fields = []

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)


class DateInput(forms.DateInput):
    input_type = "date"


def _check_date_order(form, start, end):
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[start] > data[end]:
        raise forms.ValidationError(_("The start of the date range must not be after its end."))
    return data


class SourceFilterForm(forms.Form):
    def clean(self):
        return _check_date_order(self, "published_after", "published_before")


class TimelineForm(forms.Form):
    def clean(self):
        return _check_date_order(self, "start", "end")


class SourceListFilter(SourceFilter):
    """The sources page's filters: the API's, plus the publisher, with labels for readers."""

    reliability = django_filters.ChoiceFilter(
        choices=Reliability.choices, empty_label=_("Any"), label=_("Kind of source")
    )
    publisher = django_filters.CharFilter(lookup_expr="icontains", label=_("Publisher contains"), max_length=200)
    published_after = django_filters.DateFilter(
        field_name="published_on", lookup_expr="gte", label=_("Published from"), widget=DateInput
    )
    published_before = django_filters.DateFilter(
        field_name="published_on", lookup_expr="lte", label=_("Published to"), widget=DateInput
    )

    class Meta(SourceFilter.Meta):
        form = SourceFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Incremental sync is for API clients; readers filter by what the source is.
        self.filters.pop("updated_since")


class TimelineFilter(django_filters.FilterSet):
    """Positions on the timeline by party, actor and date range; the view applies the same to events."""

    SHOW_CHOICES = [
        ("changes", "Events and changes of stance"),
        ("events", "Events only"),
        ("positions", "Positions only"),
    ]

    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.order_by("display_order", "name", "pk"),
        to_field_name="slug",
        empty_label=_("Any party"),
        label=_("Party"),
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.public().select_related("party").order_by("party__display_order", "name", "pk"),
        to_field_name="slug",
        empty_label=_("Anyone"),
        label=_("Speaker"),
    )
    start = django_filters.DateFilter(field_name="stated_on", lookup_expr="gte", label=_("From"), widget=DateInput)
    end = django_filters.DateFilter(field_name="stated_on", lookup_expr="lte", label=_("To"), widget=DateInput)
    show = django_filters.ChoiceFilter(
        choices=SHOW_CHOICES, empty_label=_("Events and positions"), label=_("Show"), method="keep"
    )

    class Meta:
        model = Position
        fields = ["party", "actor", "start", "end", "show"]
        form = TimelineForm

    def keep(self, queryset, name, value):
        # Which kinds of entry to show is decided by the view, which also lists events.
        return queryset
