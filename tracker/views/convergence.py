"""How far apart the parties stand (every point, furthest apart first) and the figures that cannot all be true."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from tracker.charts import spread_chart
from tracker.models import Clause, Indicator, Plan, PlanVersion, Topic
from tracker.selectors.convergence import SCALE_TOP, convergence_list, load_ranked, ranking, spread_history
from tracker.selectors.flags import RULES, consistency_flags

from .common import (
    AS_OF_MAX,
    AS_OF_MIN,
    InvalidQuery,
    paginate,
    read_as_of,
    stream_csv,
    validate_as_of_range,
    wants_csv,
)


class ConvergenceForm(forms.Form):
    """The page's and the API's filters; an unknown plan, version, topic or a bad date is an error, never ignored."""

    plan = forms.ModelChoiceField(
        Plan.objects.published(),
        to_field_name="slug",
        required=False,
        empty_label="All plans",
        error_messages={"invalid_choice": "There is no published plan with that address (slug)."},
    )
    version = forms.ChoiceField(
        required=False,
        help_text="As plan/version, e.g. us-framework-2025/28-point.",
        error_messages={"invalid_choice": "There is no published version %(value)s; give it as plan/version."},
    )
    topic = forms.ModelChoiceField(
        Topic.objects.public(),
        to_field_name="slug",
        required=False,
        empty_label="All topics",
        error_messages={"invalid_choice": "There is no topic with that address (slug)."},
    )
    as_of = forms.DateField(
        required=False,
        label="State of play on",
        input_formats=["%Y-%m-%d"],
        validators=[validate_as_of_range],
        widget=forms.DateInput(attrs={"type": "date", "min": AS_OF_MIN.isoformat(), "max": AS_OF_MAX.isoformat()}),
        error_messages={"invalid": "Give the date as YYYY-MM-DD, for example 2025-11-22."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {
            f"{v.plan.slug}/{v.slug}": v
            for v in PlanVersion.objects.published().select_related("plan").order_by("plan__title", "released_on", "pk")
        }
        self.fields["version"].choices = [("", "All versions")] + [
            (key, f"{v.plan.title}: {v.name}") for key, v in self.versions.items()
        ]

    def clean_version(self):
        key = self.cleaned_data.get("version")
        return self.versions.get(key) if key else None


def read_filters(data):
    """The filters as keyword arguments for ``convergence_list``, or InvalidQuery saying what to fix."""
    form = ConvergenceForm(data)
    if not form.is_valid():
        raise InvalidQuery({name: list(errors) for name, errors in form.errors.items()})
    return form, {name: form.cleaned_data.get(name) for name in ("plan", "version", "topic", "as_of")}


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


def csv_row(item, as_of, absolute):
    clause = item.clause
    return [
        clause.version.plan.title,
        clause.version.name,
        clause.number if clause.has_reported_number else "",
        clause.heading,
        as_of.isoformat() if as_of else "",
        "" if item.spread is None else item.spread,
        item.parties_recorded,
        item.label,
        "; ".join(f"{s.party.name}: {s.label.lower()} ({s.position.stated_on.isoformat()})" for s in item.stances),
        absolute(clause.get_absolute_url()),
    ]


def convergence_page(request):
    form, filters = read_filters(request.GET)
    if wants_csv(request):
        rows = (csv_row(item, filters["as_of"], request.build_absolute_uri) for item in convergence_list(**filters))
        return stream_csv("convergence", CSV_HEADER, rows)
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
    return f"How far apart: {clause.version.name}, {clause.point_name}"


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


class FlagForm(forms.Form):
    indicator = forms.ModelChoiceField(
        Indicator.objects.public(),
        to_field_name="slug",
        required=False,
        empty_label="All indicators",
        error_messages={"invalid_choice": "There is no indicator with that address (slug)."},
    )
    rule = forms.ChoiceField(
        required=False,
        choices=[("", "All rules"), *RULES.items()],
        error_messages={"invalid_choice": "There is no rule %(value)s; choose one of " + ", ".join(RULES) + "."},
    )
    as_of = ConvergenceForm.base_fields["as_of"]


def read_flag_filters(data):
    """The filters as keyword arguments for ``consistency_flags``, or InvalidQuery saying what to fix."""
    form = FlagForm(data)
    if not form.is_valid():
        raise InvalidQuery({name: list(errors) for name, errors in form.errors.items()})
    return form, {name: form.cleaned_data.get(name) or None for name in ("indicator", "rule", "as_of")}


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


def flag_csv_row(flag, absolute):
    figure, other = flag.figure, flag.other
    return [
        flag.rule,
        figure.indicator.slug,
        figure.display_value,
        figure.period_label,
        figure.claimed_by,
        figure.reported_on.isoformat(),
        flag.arithmetic,
        other.display_value if other else "",
        other.claimed_by if other else "",
        str(flag.target) if flag.target else "",
        flag.reviewed.reviewed_on.isoformat() if flag.reviewed else "",
        flag.reviewed.note if flag.reviewed else "",
        absolute(figure.get_absolute_url()),
    ]


def flag_list(request):
    form, filters = read_flag_filters(request.GET)
    flags = consistency_flags(**filters)
    if wants_csv(request):
        return stream_csv("flags", FLAG_CSV_HEADER, (flag_csv_row(f, request.build_absolute_uri) for f in flags))
    context = {"form": form, "as_of": filters["as_of"], "page": paginate(request, flags), "total": len(flags)}
    return render(request, "tracker/flags.html", context)
