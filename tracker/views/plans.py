"""Plans, their versions and clauses, and comparisons between versions.

The pages read their data from ``tracker.selectors.plans``; here they validate the query
(``?as_of=``, filters, the versions to compare), page it, and render it or write it as CSV.
"""

from csp.decorators import csp_replace
from django import forms
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt

from tracker.charts import spread_chart, spread_sparkline
from tracker.exports import stored_download
from tracker.filters import ClauseFilter
from tracker.forms import InvalidQuery, cleaned
from tracker.models import Clause, Plan, Stance
from tracker.selectors import plans as selectors
from tracker.selectors.convergence import SCALE_TOP, from_positions
from tracker.structured_data import graph, position_claim

from .common import (
    FromField,
    absolute_addresses,
    as_of_context,
    csv_download,
    filtered,
    paginate,
    read_as_of,
    stream_csv,
    wants_csv,
)


def get_version(plan_slug, version_slug, *, with_details=True):
    """The published version, or the 404 page; ``with_details`` adds what its own page shows."""
    versions = selectors.version_with_details(with_details)
    return get_object_or_404(versions, plan__slug=plan_slug, slug=version_slug)


def get_clause(version, number, queryset=None):
    """The version's published point by its number, or the 404 page."""
    clauses = queryset if queryset is not None else Clause.objects.published().with_version()
    return get_object_or_404(clauses, version=version, number=number)


def home(request):
    as_of = read_as_of(request)
    return render(request, "tracker/home.html", {**selectors.home(as_of), **as_of_context(as_of)})


@stored_download("plans.csv", "tracker:plan-list")
def plan_list(request):
    plans = selectors.plan_list()
    if wants_csv(request):
        address = absolute_addresses(request, "tracker:plan-detail", "plan")
        return csv_download(
            "plans",
            plans,
            [
                ("slug", "slug"),
                ("title", "title"),
                ("published_versions", "version_total"),
                ("first_released_on", "first_release"),
                ("last_released_on", "newest_release"),
                ("url", FromField("slug", address)),
            ],
        )
    return render(request, "tracker/plan_list.html", {"page": paginate(request, plans)})


def plan_detail(request, plan):
    plan = get_object_or_404(Plan.objects.published(), slug=plan)
    return render(request, "tracker/plan_detail.html", {"plan": plan, "versions": selectors.plan_versions(plan)})


VERSION_CSV_COLUMNS = [
    ("number", "number"),
    ("heading", "heading"),
    ("summary", "summary"),
    ("text", "text"),
    ("text_basis", lambda c: c.get_text_basis_display()),
    ("topics", lambda c: "; ".join(topic.name for topic in c.topic_list)),
    ("url", lambda c: c.get_absolute_url()),
]


def version_detail(request, plan, version):
    as_of = read_as_of(request)
    version = get_version(plan, version)
    filterset = ClauseFilter(request.GET, queryset=selectors.version_clauses(version), as_of=as_of, request=request)
    clauses = selectors.with_topics(filtered(filterset))
    if wants_csv(request):
        return csv_download(
            f"{version.plan.slug}-{version.slug}-clauses",
            clauses.select_related("version__plan"),
            VERSION_CSV_COLUMNS,
        )
    page = paginate(request, clauses)
    page.object_list = list(page.object_list)
    data = selectors.version_page(version, page.object_list, as_of)
    matrix, histories = data.pop("matrix"), data.pop("histories")
    context = {
        "plan": version.plan,
        "version": version,
        "filterset": filterset,
        "is_filtered": any(filterset.form.cleaned_data.get(name) for name in filterset.filters),
        "page": page,
        "matrix": matrix,
        "stance_counts": matrix.counts(),
        "stances": Stance.choices,
        "clause_rows": [
            (
                clause,
                positions,
                from_positions(clause, positions, as_of),
                spread_sparkline(
                    _("How far apart over time, %(point)s") % {"point": clause.point_name}, histories[clause.pk]
                ),
            )
            for clause, positions in ((clause, matrix.for_clause(clause)) for clause in page.object_list)
        ],
        "closeness_top": SCALE_TOP,
        "not_yet_released": as_of is not None and not version.is_released_by(as_of),
        **data,
        **as_of_context(as_of),
    }
    return render(request, "tracker/version_detail.html", context)


def clause_detail(request, plan, version, number):
    as_of = read_as_of(request)
    version = get_version(plan, version, with_details=False)
    clause = get_clause(version, number, selectors.clause_detail_queryset())
    data = selectors.clause_page(version, clause, as_of)
    context = {
        "spread_chart": spread_chart(
            _("How far apart: %(version)s, %(point)s") % {"version": version.name, "point": clause.point_name},
            data["spread_steps"],
        ),
        "plan": version.plan,
        "version": version,
        "clause": clause,
        "permalink": request.build_absolute_uri(clause.get_absolute_url()),
        "card_url": request.build_absolute_uri(reverse("tracker:clause-card", args=[plan, version.slug, number])),
        # Each position shown, as a schema.org Claim whose @id is its permanent address (on its party's page).
        "structured_data": graph(position_claim(p, request.build_absolute_uri) for p in data["positions"]),
        "not_yet_released": as_of is not None and not version.is_released_by(as_of),
        **data,
        **as_of_context(as_of),
    }
    return render(request, "tracker/clause_detail.html", context)


class CompareForm(forms.Form):
    a = forms.ChoiceField(label=_("Compare"), required=False)
    b = forms.ChoiceField(label=_("with"), required=False)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v.slug, f"{v.name} ({v.released_on:%-d %b %Y})") for v in versions]
        for name in ("a", "b"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = _("There is no published version called %(value)s.")


def compare(request, plan):
    plan = get_object_or_404(Plan.objects.published(), slug=plan)
    versions = list(selectors.published_versions().filter(plan=plan))
    chosen = cleaned(CompareForm(request.GET, versions=versions))
    by_slug = {v.slug: v for v in versions}
    a, b = selectors.default_pair(versions, by_slug.get(chosen["a"]), by_slug.get(chosen["b"]))
    form = CompareForm(initial={"a": a and a.slug, "b": b and b.slug}, versions=versions)
    comparison, rows, counts = None, [], []
    if a and b:
        if a.pk == b.pk:
            raise InvalidQuery({"b": [_("Choose two different versions to compare.")]})
        comparison = selectors.comparison(plan, versions, a, b)
        if wants_csv(request):
            return stream_csv(
                f"{plan.slug}-{comparison.earlier.slug}-to-{comparison.later.slug}",
                COMPARE_CSV_HEADER,
                (comparison_csv_row(row) for row in comparison.rows),
            )
        rows = selectors.comparison_rows(comparison)
        counts = selectors.comparison_counts(comparison)
    context = {
        "plan": plan,
        "form": form,
        "a": a,
        "b": b,
        "comparison": comparison,
        "rows": rows,
        "counts": counts,
        "versions": versions,
    }
    return render(request, "tracker/compare.html", context)


COMPARE_CSV_HEADER = [
    "change",
    "earlier_points",
    "earlier_headings",
    "later_points",
    "later_headings",
    "indirect",
    "notes",
    "grades",
    "sources",
]


def comparison_csv_row(row):
    def joined(values):
        return "; ".join(str(v) for v in values if v)

    return [
        row.label,
        joined(c.number for c in row.earlier),
        joined(c.heading for c in row.earlier),
        joined(c.number for c in row.later),
        joined(c.heading for c in row.later),
        "yes" if row.indirect else "no",
        joined(link.note for link in row.links),
        joined(link.get_grade_display() for link in row.links),
        joined(link.source.key for link in row.links if link.source),
    ]


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def clause_card(request, plan, version, number):
    """A point as a card other sites can frame: its summary, each party's latest stance with its source."""
    as_of = read_as_of(request)
    version = get_version(plan, version, with_details=False)
    clause = get_clause(version, number)
    context = {
        "clause": clause,
        "version": version,
        "positions": selectors.clause_card(clause, as_of),
        "page_url": request.build_absolute_uri(clause.get_absolute_url()),
        **as_of_context(as_of),
    }
    return render(request, "tracker/clause_card.html", context)
