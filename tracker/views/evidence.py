"""Indicators: the figures reported for each measured quantity, and the clause terms they bear on."""

from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html

from tracker.charts import PHONE, chart_title, figure_chart, figure_date, source_colours
from tracker.exports import stored_download
from tracker.models import Clause, ClauseTarget, Figure, Indicator
from tracker.selectors.flags import flagged_on, flags_among, with_reviews
from tracker.structured_data import figure_claim, graph
from tracker.views.common import as_of_context, csv_download, paginate, read_as_of, wants_csv


def _count(queryset, outer_field):
    counts = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field).annotate(n=Count("pk"))
    return Coalesce(Subquery(counts.values("n"), output_field=IntegerField()), Value(0))


def _latest_report(outer_field="indicator"):
    latest = Figure.objects.published().filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return Subquery(latest.annotate(last=Max("reported_on")).values("last"))


@stored_download("indicators.csv", "tracker:indicator-list")
def indicator_list(request):
    indicators = (
        Indicator.objects.public()
        .annotate(
            figure_count=_count(Figure.objects.published(), "indicator"),
            target_count=_count(ClauseTarget.objects.published(), "indicator"),
            last_reported_on=_latest_report(),
        )
        .order_by("name", "pk")
    )
    if wants_csv(request):
        return csv_download(
            "indicators",
            indicators,
            [
                ("slug", "slug"),
                ("name", "name"),
                ("unit", "unit"),
                ("published_figures", "figure_count"),
                ("clause_terms", "target_count"),
                ("last_reported_on", "last_reported_on"),
                ("caveat", "caveat"),
                ("url", lambda indicator: request.build_absolute_uri(indicator.get_absolute_url())),
            ],
        )
    return render(request, "tracker/indicator_list.html", {"page": paginate(request, indicators)})


FIGURE_COLUMNS = [
    ("indicator", "indicator.name"),
    ("unit", "indicator.unit"),
    ("value", "value"),
    ("low", "low"),
    ("high", "high"),
    ("is_lower_bound", "is_lower_bound"),
    ("period_start", "period_start"),
    ("period_end", "period_end"),
    ("period_label", "period_label"),
    ("reported_on", "reported_on"),
    ("claimed_by", "claimed_by"),
    ("kind", "kind"),
    ("confidence", "confidence"),
    ("caveat", "caveat"),
    ("from_reprint", "from_reprint"),
    ("source_key", "source.key"),
    ("source_title", "source.title"),
    ("source_url", "source.url"),
]


def indicator_figures(indicator, as_of=None):
    figures = indicator.figures.published().select_related("source", "indicator")
    if as_of:
        figures = figures.as_of(as_of)
    return figures.chronological()


def indicator_targets(indicator):
    return list(
        ClauseTarget.objects.published()
        .filter(indicator=indicator)
        .select_related("indicator", "clause", "clause__version", "clause__version__plan")
        .order_by("clause__version__plan__title", "clause__version__released_on", "clause__sort_order", "pk")
    )


def indicator_chart(request, slug):
    """The indicator's chart as a standalone SVG file, to download or embed (its source line inside)."""
    indicator = get_object_or_404(Indicator.objects.public(), slug=slug)
    as_of = read_as_of(request)
    page = request.build_absolute_uri(indicator.get_absolute_url())
    svg = figure_chart(
        indicator, indicator_figures(indicator, as_of), targets=indicator_targets(indicator), page_url=page
    )
    if not svg:
        raise Http404("This indicator has no published figures to chart.")
    response = HttpResponse('<?xml version="1.0" encoding="utf-8"?>\n' + svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{indicator.slug}.svg"'
    response["Access-Control-Allow-Origin"] = "*"  # other sites may embed it
    return response


def embed_snippet(indicator, chart_url, page_url):
    return format_html(
        '<figure>\n  <img src="{}" alt="{}" width="720" style="max-width:100%;height:auto">\n'
        '  <figcaption>Source: <a href="{}">Peace-plan tracker</a>, each figure from its own source. '
        "CC BY 4.0.</figcaption>\n</figure>",
        chart_url,
        chart_title(indicator),
        page_url,
    )


def indicator_detail(request, slug):
    indicator = get_object_or_404(Indicator.objects.public(), slug=slug)
    as_of = read_as_of(request)
    figures = indicator_figures(indicator, as_of)
    if wants_csv(request):
        return csv_download(f"figures-{indicator.slug}", figures, FIGURE_COLUMNS)

    all_figures = list(figures)
    targets = indicator_targets(indicator)
    page_url = request.build_absolute_uri(indicator.get_absolute_url())
    chart_url = request.build_absolute_uri(reverse("tracker:indicator-chart", args=[indicator.slug]))
    # Figures that describe the latest date: several sources may disagree, so each gets its own gap.
    last_date = max((figure_date(f) for f in all_figures), default=None)
    latest = [f for f in all_figures if figure_date(f) == last_date]
    context_clauses = (
        Clause.objects.published()
        .filter(context_indicators=indicator)
        .with_version()
        .order_by("version__plan__title", "version__released_on", "sort_order", "pk")
    )
    colours = source_colours(all_figures)
    page = paginate(request, all_figures)
    # From the figures and terms already read, and one query for the editors' reviews.
    flags = with_reviews(flags_among(all_figures, targets))
    flagged = flagged_on(flags)
    return render(
        request,
        "tracker/indicator_detail.html",
        {
            "indicator": indicator,
            "chart": figure_chart(
                indicator, all_figures, targets=targets, chart_id=f"chart-{indicator.slug}", page_url=page_url
            ),
            "chart_phone": figure_chart(
                indicator,
                all_figures,
                targets=targets,
                chart_id=f"chart-{indicator.slug}-phone",
                frame=PHONE,
                page_url=page_url,
            ),
            "chart_url": chart_url,
            "embed_snippet": embed_snippet(indicator, chart_url, page_url),
            "page": page,
            "rows": [(figure, colours[figure.source_id][0], flagged.get(figure.pk, [])) for figure in page],
            "figure_count": len(all_figures),
            "targets": [(target, [target.gap(figure) for figure in latest]) for target in targets],
            "latest": latest,
            "permalink": page_url,
            "context_clauses": context_clauses,
            "flags": flags,
            "structured_data": graph(figure_claim(figure, request.build_absolute_uri) for figure in page),
            **as_of_context(as_of),
        },
    )
