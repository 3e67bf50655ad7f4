"""Search across points, positions and their quotes, figures, indicators, sources and events.

Each word must appear (in any of a kind's fields); only published content is searched.
Without a kind, each kind shows its first few matches and a count; with one, its matches
are paginated.
"""

from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django import forms
from django.db.models import Q
from django.shortcuts import render

from tracker.models import Clause, Event, Figure, Indicator, Position, Source
from tracker.views.common import csv_download, paginate, wants_csv

MAX_QUERY_LENGTH = 200
MAX_WORDS = 10
PREVIEW = 5


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    fields: tuple
    ordering: tuple
    columns: tuple = ()

    def queryset(self):
        return _QUERYSETS[self.slug]()

    def matching(self, words):
        condition = reduce(
            and_, (reduce(or_, (Q(**{f"{field}__icontains": word}) for field in self.fields)) for word in words)
        )
        return self.queryset().filter(condition).order_by(*self.ordering)


_QUERYSETS = {
    "points": lambda: Clause.objects.published().with_version(),
    "positions": lambda: Position.objects.published().with_related(),
    "figures": lambda: Figure.objects.published().select_related("indicator", "source"),
    "indicators": lambda: Indicator.objects.public(),
    "sources": lambda: Source.objects.public(),
    "events": lambda: Event.objects.published(),
}

KINDS = [
    Kind(
        "points",
        "Points of plans",
        ("number", "heading", "summary", "text"),
        ("version__plan__title", "version__released_on", "sort_order", "pk"),
        (
            ("plan", "version.plan.title"),
            ("version", "version.name"),
            ("number", "number"),
            ("heading", "heading"),
            ("summary", "summary"),
            ("text_basis", "text_basis"),
        ),
    ),
    Kind(
        "positions",
        "Positions and quotes",
        ("quote", "note", "party__name", "actor__name"),
        ("-stated_on", "-pk"),
        (
            ("stated_on", "stated_on"),
            ("party", "party.name"),
            ("actor", lambda p: p.actor.name if p.actor_id else ""),
            ("subject", lambda p: str(p.subject)),
            ("stance", "stance"),
            ("quote", "quote"),
            ("source_key", "source.key"),
        ),
    ),
    Kind(
        "figures",
        "Figures",
        ("claimed_by", "caveat", "period_label", "indicator__name"),
        ("-reported_on", "-pk"),
        (
            ("indicator", "indicator.name"),
            ("value", "value"),
            ("low", "low"),
            ("high", "high"),
            ("period_label", "period_label"),
            ("reported_on", "reported_on"),
            ("claimed_by", "claimed_by"),
            ("kind", "kind"),
            ("source_key", "source.key"),
        ),
    ),
    Kind(
        "indicators",
        "Indicators",
        ("name", "unit", "description", "caveat"),
        ("name", "pk"),
        (("slug", "slug"), ("name", "name"), ("unit", "unit")),
    ),
    Kind(
        "sources",
        "Sources",
        ("key", "title", "publisher", "notes"),
        ("key", "pk"),
        (
            ("key", "key"),
            ("title", "title"),
            ("publisher", "publisher"),
            ("url", "url"),
            ("published_on", "published_on"),
        ),
    ),
    Kind(
        "events",
        "Events",
        ("title", "description"),
        ("-happened_on", "-pk"),
        (("happened_on", "happened_on"), ("ends_on", "ends_on"), ("title", "title"), ("description", "description")),
    ),
]
KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search for",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": f"Search for at most {MAX_QUERY_LENGTH} characters."},
    )
    kind = forms.ChoiceField(
        label="In",
        required=False,
        choices=[("", "Everything")] + [(kind.slug, kind.label) for kind in KINDS],
        error_messages={"invalid_choice": "Choose one of the listed kinds of content."},
    )


def search(request):
    form = SearchForm(request.GET)
    context = {"form": form, "kinds": KINDS}
    if not form.is_valid():
        return render(request, "tracker/search.html", context, status=400)
    words = form.cleaned_data["q"].split()[:MAX_WORDS]
    context["query"] = " ".join(words)
    if not words:
        context["message"] = "Type one or more words to search the points, positions, figures, sources and events."
        return render(request, "tracker/search.html", context)
    kind = KINDS_BY_SLUG.get(form.cleaned_data["kind"])
    if kind:
        if wants_csv(request):
            return csv_download(f"search-{kind.slug}", kind.matching(words), kind.columns)
        context["kind"] = kind
        context["page"] = paginate(request, kind.matching(words))
    else:
        sections = []
        for each in KINDS:
            matches = each.matching(words)
            sections.append({"kind": each, "count": matches.count(), "items": list(matches[:PREVIEW])})
        context["sections"] = sections
        context["total"] = sum(section["count"] for section in sections)
    return render(request, "tracker/search.html", context)
