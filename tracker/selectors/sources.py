"""Sources, and everything published that cites each of them: six queries whatever is recorded."""

from django.db.models import Q

from tracker.models import Clause, ClauseLink, Event, Figure, PlanVersion, Position, Source, VersionClaim


def source_list():
    """Every source readers may see (something published cites it), by key."""
    return Source.objects.public().order_by("key", "pk")


def source_page(source):
    """The versions, claims, points, lineage links, positions, figures and events that cite the source."""
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
    return {
        "versions": versions,
        "claims": claims,
        "clauses": clauses,
        "links": links,
        "positions": positions,
        "figures": figures,
        "events": events,
    }
