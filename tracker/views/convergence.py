"""How far apart the parties stand (every point, furthest apart first) and the figures that cannot all be true."""

from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext_lazy as _

from tracker.charts import spread_chart
from tracker.forms import read_filters, read_flag_filters
from tracker.models import Clause, Stance
from tracker.numbers import local_grouper
from tracker.selectors.convergence import SCALE_TOP, convergence_table, load_ranked, ranking, spread_history
from tracker.selectors.flags import consistency_flags, for_download, with_related

from .common import paginate, read_as_of, stream_csv, wants_csv

CSV_HEADER = [
    "plan",
    "version",
    "point",
    "heading",
    "as_of",
    "spread",
    "parties_recorded",
    "label",
    "stances",
    "url",
]


_STANCE_WORDS = {value: label.lower() for value, label in Stance.choices}


def clause_address(absolute):
    """A function giving a point's absolute address from its plan's and version's slugs and its number, built
    from one reverse() (thousands of points would each walk the URL patterns)."""
    marks = {"plan": "plan-mark-0", "version": "version-mark-0", "number": "number-mark-0"}
    template = absolute(reverse("tracker:clause-detail", kwargs=marks))

    def address(plan, version, number):
        url = template.replace(marks["plan"], plan).replace(marks["version"], version)
        return url.replace(marks["number"], quote(number, safe=RFC3986_SUBDELIMS + "~:@"))

    return address


def csv_row(item, as_of, address):
    """One point of ``convergence_table`` as a CSV row."""
    return [
        item.plan_title,
        item.version_name,
        item.number if item.has_reported_number else "",
        item.heading,
        as_of.isoformat() if as_of else "",
        "" if item.spread is None else item.spread,
        item.parties_recorded,
        item.label,
        "; ".join(
            f"{party}: {_STANCE_WORDS[stance]} ({stated_on.isoformat()})" for party, stance, stated_on in item.stances
        ),
        address(item.plan_slug, item.version_slug, item.number),
    ]


def convergence_page(request):
    form, filters = read_filters(request.GET)
    if wants_csv(request):
        address, as_of = clause_address(request.build_absolute_uri), filters["as_of"]
        rows = (csv_row(item, as_of, address) for item in convergence_table(**filters))
        return stream_csv("convergence", CSV_HEADER, rows)
    form.offer_choices()
    # Every point is ranked from plain values; only the page's points are loaded.
    ranked = ranking(**filters)
    page = paginate(request, ranked)
    page.object_list = load_ranked(page.object_list, filters["as_of"])
    context = {
        "form": form,
        "filters": filters,
        "as_of": filters["as_of"],
        "page": page,
        "total": len(ranked),
        "apart": sum(1 for item in ranked if item.spread),
        "scale_top": SCALE_TOP,
    }
    return render(request, "tracker/convergence.html", context)


def chart_title(clause):
    return _("How far apart: %(version)s, %(point)s") % {"version": clause.version.name, "point": clause.point_name}


def spread_chart_svg(request, plan, version, number):
    """The point's spread over time as a standalone SVG file."""
    as_of = read_as_of(request)
    clause = get_object_or_404(
        Clause.objects.published().with_version(), version__plan__slug=plan, version__slug=version, number=number
    )
    svg = spread_chart(chart_title(clause), spread_history(clause, as_of))
    if not svg:
        raise Http404("No published position on this point to chart.")
    return HttpResponse('<?xml version="1.0" encoding="utf-8"?>\n' + svg, content_type="image/svg+xml")


# Figures that cannot all be true ------------------------------------------------------------


FLAG_CSV_HEADER = [
    "rule",
    "indicator",
    "value",
    "period",
    "claimed_by",
    "reported_on",
    "arithmetic",
    "compared_with_value",
    "compared_with_claimed_by",
    "term",
    "reviewed_on",
    "editors_note",
    "url",
]


def flag_csv_rows(flags, absolute):
    """The CSV rows of these flags (bare facts, see ``consistency_flags``): two queries for all of them."""
    flags, slugs = for_download(flags)
    mark = "indicator-mark-0"
    page = absolute(reverse("tracker:indicator-detail", kwargs={"slug": mark}))
    # Each figure's value as ``display_value`` writes it, once (a figure is in several flags).
    values, number = {}, local_grouper()

    def value(figure):
        if figure.pk not in values:
            values[figure.pk] = figure.value_text(number)
        return values[figure.pk]

    for flag in flags:
        figure, other, reviewed = flag.figure, flag.other, flag.reviewed
        slug = slugs[figure.indicator_id]
        yield [
            flag.rule,
            slug,
            value(figure),
            figure.period_label,
            figure.claimed_by,
            figure.reported_on.isoformat(),
            flag.arithmetic,
            value(other) if other else "",
            other.claimed_by if other else "",
            str(flag.target) if flag.target else "",
            reviewed.reviewed_on.isoformat() if reviewed else "",
            reviewed.note if reviewed else "",
            page.replace(mark, slug) + f"#figure-{figure.pk}",
        ]


def flag_list(request):
    form, filters = read_flag_filters(request.GET)
    if wants_csv(request):
        flags = consistency_flags(**filters, related=False)
        return stream_csv("flags", FLAG_CSV_HEADER, flag_csv_rows(flags, request.build_absolute_uri))
    form.offer_choices()
    # Every flag is worked out from the figures' plain values; only the page's are loaded to be shown.
    flags = consistency_flags(**filters, related=False)
    page = paginate(request, flags)
    page.object_list = with_related(page.object_list)
    context = {"form": form, "as_of": filters["as_of"], "page": page, "total": len(flags)}
    return render(request, "tracker/flags.html", context)
