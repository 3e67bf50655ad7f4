"""FilterSets shared by the public pages, their CSV downloads and the API.

Views must check ``is_valid()`` before using ``qs`` (see ``tracker.views.common.filtered``):
django-filter drops invalid values from ``qs``, which would show unfiltered data.
"""

import django_filters

from tracker.models import Clause, ClauseTextBasis, Party, Position, Stance, Topic


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
