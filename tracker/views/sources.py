"""Sources, and everything on the site that cites each of them."""

from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from tracker.exports import stored_download
from tracker.filters import SourceListFilter
from tracker.models import Clause, ClauseLink, Event, Figure, PlanVersion, Position, Source, VersionClaim
from tracker.views.common import csv_download, filtered, paginate, wants_csv


@stored_download("sources.csv", "tracker:source-list")
def source_list(request):
    filterset = SourceListFilter(request.GET, queryset=Source.objects.public().order_by("key", "pk"), request=request)
    sources = filtered(filterset)
    if wants_csv(request):
        return csv_download(
            "sources",
            sources,
            [
                ("key", "key"),
                ("title", "title"),
                ("publisher", "publisher"),
                ("url", "url"),
                ("no_url_reason", "no_url_reason"),
                ("published_on", "published_on"),
                ("date_is_approximate", "date_is_approximate"),
                ("date_note", "date_note"),
                ("reliability", "reliability"),
                ("notes", "notes"),
            ],
        )
    return render(request, "tracker/source_list.html", {"page": paginate(request, sources), "filterset": filterset})


def source_detail(request, key):
    source = get_object_or_404(Source.objects.public(), key=key)
    cites = Q(source=source)
    versions = (
        PlanVersion.objects.published()
        .filter(sources=source)
        .select_related("plan")
        .order_by("plan__title", "released_on", "pk")
    )
    claims = (
        VersionClaim.objects.filter(source=source, version__in=PlanVersion.objects.published())
        .select_related("version", "version__plan", "claimed_by")
        .order_by("stated_on", "pk")
    )
    clauses = (
        Clause.objects.published()
        .filter(sources=source)
        .with_version()
        .order_by("version__plan__title", "version__released_on", "sort_order", "pk")
    )
    links = (
        ClauseLink.objects.published()
        .filter(cites)
        .select_related(
            "from_clause",
            "from_clause__version",
            "from_clause__version__plan",
            "to_clause",
            "to_clause__version",
            "to_clause__version__plan",
            "to_version",
        )
        .order_by("from_version__released_on", "from_clause__sort_order", "pk")
    )
    # Corroborating sources count as citing too; the subquery avoids duplicate rows.
    positions = (
        Position.objects.published()
        .filter(pk__in=Position.objects.filter(cites | Q(other_sources=source)).values("pk"))
        .with_related()
        .order_by("stated_on", "pk")
    )
    figures = (
        Figure.objects.published()
        .filter(pk__in=Figure.objects.filter(cites | Q(other_sources=source)).values("pk"))
        .select_related("indicator", "source")
        .order_by("reported_on", "pk")
    )
    events = Event.objects.published().filter(sources=source).prefetch_related("parties").order_by("happened_on", "pk")
    return render(
        request,
        "tracker/source_detail.html",
        {
            "source": source,
            "versions": versions,
            "claims": claims,
            "clauses": clauses,
            "links": links,
            "positions": positions,
            "figures": figures,
            "events": events,
        },
    )
