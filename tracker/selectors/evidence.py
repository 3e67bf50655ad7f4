"""Indicators and their figures: the indicator list, an indicator's page and chart, where a figure is listed.

Each function runs a fixed number of queries whatever the number of figures and terms.
"""

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from tracker.models import Clause, ClauseTarget, Figure, Indicator


def _count(queryset, outer_field):
    counts = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field).annotate(n=Count("pk"))
    return Coalesce(Subquery(counts.values("n"), output_field=IntegerField()), Value(0))


def _latest_report(outer_field="indicator"):
    latest = Figure.objects.published().filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return Subquery(latest.annotate(last=Max("reported_on")).values("last"))


def indicator_list():
    """Every public indicator with its counts of published figures and clause terms and its last report."""
    return (
        Indicator.objects.public()
        .annotate(
            figure_count=_count(Figure.objects.published(), "indicator"),
            target_count=_count(ClauseTarget.objects.published(), "indicator"),
            last_reported_on=_latest_report(),
        )
        .order_by("name", "pk")
    )


def published_figures(as_of=None):
    """Published figures (reported by the date) with their source and indicator, in the order pages list them."""
    figures = Figure.objects.published().select_related("source", "indicator")
    if as_of:
        figures = figures.as_of(as_of)
    return figures.chronological()


def indicator_figures(indicator, as_of=None):
    return published_figures(as_of).filter(indicator=indicator)


def indicator_targets(indicator):
    """The published clause terms on the indicator, by plan, version and point."""
    return list(
        ClauseTarget.objects.published()
        .filter(indicator=indicator)
        .select_related("indicator", "clause", "clause__version", "clause__version__plan")
        .order_by("clause__version__plan__title", "clause__version__released_on", "clause__sort_order", "pk")
    )


def context_clauses(indicator):
    """The published points that give the indicator as context."""
    return (
        Clause.objects.published()
        .filter(context_indicators=indicator)
        .with_version()
        .order_by("version__plan__title", "version__released_on", "sort_order", "pk")
    )


def figures_before(figure):
    """How many figures the indicator's page lists before this one (``chronological()`` order): one count."""
    day = Coalesce("period_end", "reported_on")
    figure_day = figure.period_end or figure.reported_on
    earlier = (
        Q(_day__lt=figure_day)
        | Q(_day=figure_day, reported_on__lt=figure.reported_on)
        | Q(_day=figure_day, reported_on=figure.reported_on, pk__lt=figure.pk)
    )
    return Figure.objects.published().filter(indicator=figure.indicator_id).alias(_day=day).filter(earlier).count()
