"""FilterSets shared by the public pages, their CSV downloads and the API.

Views must check ``is_valid()`` before using ``qs`` (see ``tracker.views.common.filtered``):
django-filter drops invalid values from ``qs``, which would show unfiltered data.
"""

import django_filters
from django import forms

from tracker.models import (
    Actor,
    Clause,
    ClauseTextBasis,
    Party,
    PartyKind,
    Position,
    Reliability,
    Source,
    Stance,
    Topic,
)


class ClauseFilter(django_filters.FilterSet):
    """A version's clauses by topic, by how their text is known, and by party and stance.

    Party and stance read each party's latest published position on the clause, as of the
    date given to the FilterSet (``as_of=``; today when None): with both, clauses where that
    party's stance is the one chosen; with the party alone, clauses it has taken a position on;
    with the stance alone, clauses where any party holds it.
    """

    topic = django_filters.ModelChoiceFilter(
        field_name="topics",
        queryset=Topic.objects.order_by("name", "pk"),
        to_field_name="slug",
        empty_label="Any topic",
        label="Topic",
    )
    text_basis = django_filters.ChoiceFilter(choices=ClauseTextBasis.choices, empty_label="Any", label="Text known as")
    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.order_by("display_order", "name", "pk"),
        to_field_name="slug",
        empty_label="Any party",
        label="Party",
        method="filter_by_stance",
    )
    stance = django_filters.ChoiceFilter(
        choices=Stance.choices, empty_label="Any stance", label="Stance", method="filter_by_stance"
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
            positions = latest_positions(self.as_of).filter(clause__isnull=False)
            if party:
                positions = positions.filter(party=party)
            if stance:
                positions = positions.filter(stance=stance)
            queryset = queryset.filter(pk__in=positions.values("clause_id"))
        return queryset


def latest_positions(as_of=None):
    """Each party's latest published position per subject, stated on or before ``as_of`` if given."""
    positions = Position.objects.published()
    if as_of:
        positions = positions.as_of(as_of)
    return positions.latest()


class DateInput(forms.DateInput):
    input_type = "date"


def _check_date_order(form, start, end):
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[start] > data[end]:
        raise forms.ValidationError("The start of the date range must not be after its end.")
    return data


class SourceFilterForm(forms.Form):
    def clean(self):
        return _check_date_order(self, "published_from", "published_to")


class TimelineForm(forms.Form):
    def clean(self):
        return _check_date_order(self, "start", "end")


class PartyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PartyKind.choices, empty_label="Any kind", label="Kind")

    class Meta:
        model = Party
        fields = ["kind"]


class SourceFilter(django_filters.FilterSet):
    reliability = django_filters.ChoiceFilter(choices=Reliability.choices, empty_label="Any", label="Kind of source")
    publisher = django_filters.CharFilter(lookup_expr="icontains", label="Publisher contains", max_length=200)
    published_from = django_filters.DateFilter(
        field_name="published_on", lookup_expr="gte", label="Published from", widget=DateInput
    )
    published_to = django_filters.DateFilter(
        field_name="published_on", lookup_expr="lte", label="Published to", widget=DateInput
    )

    class Meta:
        model = Source
        fields = ["reliability", "publisher", "published_from", "published_to"]
        form = SourceFilterForm


class TimelineFilter(django_filters.FilterSet):
    """Positions on the timeline by party, actor and date range; the view applies the same to events."""

    SHOW_CHOICES = [("events", "Events only"), ("positions", "Positions only")]

    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.order_by("display_order", "name", "pk"),
        to_field_name="slug",
        empty_label="Any party",
        label="Party",
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.select_related("party").order_by("party__display_order", "name", "pk"),
        to_field_name="slug",
        empty_label="Anyone",
        label="Speaker",
    )
    start = django_filters.DateFilter(field_name="stated_on", lookup_expr="gte", label="From", widget=DateInput)
    end = django_filters.DateFilter(field_name="stated_on", lookup_expr="lte", label="To", widget=DateInput)
    show = django_filters.ChoiceFilter(
        choices=SHOW_CHOICES, empty_label="Events and positions", label="Show", method="keep"
    )

    class Meta:
        model = Position
        fields = ["party", "actor", "start", "end", "show"]
        form = TimelineForm

    def keep(self, queryset, name, value):
        # Which kinds of entry to show is decided by the view, which also lists events.
        return queryset
