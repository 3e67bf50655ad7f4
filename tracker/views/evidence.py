"""Indicators: the figures reported for each measured quantity, and the clause terms they bear on."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html

from tracker.charts import PHONE, chart_title, figure_chart, source_colours
from tracker.exports import stored_download
from tracker.models import Figure, Indicator, figure_date
from tracker.selectors import evidence as selectors
from tracker.selectors.flags import flagged_on, flags_among, with_reviews
from tracker.structured_data import figure_claim, graph
from tracker.views.common import (
    PAGE_SIZE,
    FromField,
    absolute_addresses,
    as_of_context,
    csv_download,
    page_address,
    paginate,
    read_as_of,
    wants_csv,
)


@stored_download("indicators.csv", "tracker:indicator-list")
def indicator_list(request):
    indicators = selectors.indicator_list()
    if wants_csv(request):
        address = absolute_addresses(request, "tracker:indicator-detail", "slug")
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
                ("url", FromField("slug", address)),
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


def indicator_chart(request, slug):
    """The indicator's chart as a standalone SVG file, to download or embed (its source line inside)."""
    indicator = get_object_or_404(Indicator.objects.public(), slug=slug)
    as_of = read_as_of(request)
    page = request.build_absolute_uri(indicator.get_absolute_url())
    svg = figure_chart(
        indicator,
        selectors.indicator_figures(indicator, as_of),
        targets=selectors.indicator_targets(indicator),
        page_url=page,
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
    figures = selectors.indicator_figures(indicator, as_of)
    if wants_csv(request):
        return csv_download(f"figures-{indicator.slug}", figures, FIGURE_COLUMNS)

    all_figures = list(figures)
    targets = selectors.indicator_targets(indicator)
    page_url = request.build_absolute_uri(indicator.get_absolute_url())
    chart_url = request.build_absolute_uri(reverse("tracker:indicator-chart", args=[indicator.slug]))
    # Figures that describe the latest date: several sources may disagree, so each gets its own gap.
    last_date = max((figure_date(f) for f in all_figures), default=None)
    latest = [f for f in all_figures if figure_date(f) == last_date]
    context_clauses = selectors.context_clauses(indicator)
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


def figure_detail(request, pk):
    """A figure's permanent address: the page of its indicator's figures that lists it, at its row."""
    figure = get_object_or_404(Figure.objects.published().select_related("indicator"), pk=pk)
    if not Indicator.objects.public().filter(pk=figure.indicator_id).exists():
        raise Http404("This figure's indicator is not published.")
    number = selectors.figures_before(figure) // PAGE_SIZE + 1
    return redirect(page_address("tracker:indicator-detail", number, f"figure-{pk}", slug=figure.indicator.slug))
