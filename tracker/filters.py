"""FilterSets shared by the public pages, their CSV downloads and the API.

Views must check ``is_valid()`` before using ``qs`` (see ``tracker.views.common.filtered``):
django-filter drops invalid values from ``qs``, which would show unfiltered data.
"""

import django_filters
from django import forms

from tracker.models import Actor, Party, PartyKind, Position, Reliability, Source


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
