"""How far apart the parties stand (every point, furthest apart first) and the figures that cannot all be true."""

from urllib.parse import quote

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.charts import spread_chart
from tracker.models import Clause, Indicator, Plan, PlanVersion, Stance, Topic
from tracker.selectors.convergence import SCALE_TOP, convergence_table, load_ranked, ranking, spread_history
from tracker.selectors.flags import RULES, consistency_flags, for_download, with_related

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

# A filter offers its choices as a list up to this many; beyond, it takes the address typed (each plan,
# version and indicator page links to its own filtered list), so a page never lists thousands of options.
LONG_LIST = 100


def offer_choices(field, rows, empty_label, example):
    """Show ``field`` as a list of ``rows`` ((value, label) pairs, at most LONG_LIST + 1 read), or as a text box
    when there are more (or ``rows`` is None: too many to read)."""
    if rows is not None and len(rows) <= LONG_LIST:
        field.widget = forms.Select(choices=[("", empty_label), *rows])
    else:
        field.widget = forms.TextInput(attrs={"placeholder": example, "spellcheck": "false"})


class ConvergenceForm(forms.Form):
    """The page's and the API's filters; an unknown plan, version, topic or a bad date is an error, never ignored."""

    plan = forms.CharField(required=False, max_length=100)
    version = forms.CharField(
        required=False,
        max_length=200,
        help_text=_("As plan/version, e.g. us-framework-2025/28-point."),
    )
    topic = forms.ModelChoiceField(
        Topic.objects.public(),
        to_field_name="slug",
        required=False,
        empty_label=_("All topics"),
        error_messages={"invalid_choice": _("There is no topic with that address (slug).")},
    )
    as_of = forms.DateField(
        required=False,
        label=_("State of play on"),
        input_formats=["%Y-%m-%d"],
        validators=[validate_as_of_range],
        widget=forms.DateInput(attrs={"type": "date", "min": AS_OF_MIN.isoformat(), "max": AS_OF_MAX.isoformat()}),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD, for example 2025-11-22.")},
    )

    def offer_choices(self):
        """For a page: the plans and versions as lists when they are few (two bounded queries)."""
        plans = Plan.objects.published().order_by("title", "pk").values_list("slug", "title")[: LONG_LIST + 1]
        offer_choices(self.fields["plan"], list(plans), _("All plans"), "us-framework-2025")
        versions = (
            PlanVersion.objects.published()
            .order_by("plan__title", "released_on", "pk")
            .values_list("plan__slug", "slug", "plan__title", "name")[: LONG_LIST + 1]
        )
        rows = [(f"{plan}/{slug}", f"{title}: {name}") for plan, slug, title, name in versions]
        offer_choices(self.fields["version"], rows, _("All versions"), "us-framework-2025/28-point")

    def clean_plan(self):
        slug = self.cleaned_data.get("plan")
        if not slug:
            return None
        plan = Plan.objects.published().filter(slug=slug).first()
        if plan is None:
            raise forms.ValidationError(_("There is no published plan with that address (slug)."))
        return plan

    def clean_version(self):
        key = self.cleaned_data.get("version")
        if not key:
            return None
        plan, _slash, slug = key.partition("/")
        version = PlanVersion.objects.published().select_related("plan").filter(plan__slug=plan, slug=slug).first()
        if version is None:
            raise forms.ValidationError(
                _("There is no published version %(key)s; give it as plan/version."), params={"key": key}
            )
        return version


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


class FlagForm(forms.Form):
    indicator = forms.CharField(required=False, max_length=100)
    rule = forms.ChoiceField(
        required=False,
        choices=[("", _("All rules")), *RULES.items()],
        error_messages={
            "invalid_choice": format_lazy("{} {}.", _("There is no rule %(value)s; choose one of"), ", ".join(RULES))
        },
    )
    as_of = ConvergenceForm.base_fields["as_of"]

    def offer_choices(self):
        """For a page: the indicators as a list when they are few (one or two bounded queries)."""
        # Counting every indicator is cheap; which are public is not, and matters only for a short list.
        indicators = None
        if Indicator.objects.count() <= LONG_LIST:
            public = Indicator.objects.public().order_by("name", "pk").values_list("slug", "name")
            indicators = list(public[: LONG_LIST + 1])
        offer_choices(self.fields["indicator"], indicators, _("All indicators"), "ua-forces")

    def clean_indicator(self):
        slug = self.cleaned_data.get("indicator")
        if not slug:
            return None
        indicator = Indicator.objects.public().filter(slug=slug).first()
        if indicator is None:
            raise forms.ValidationError(_("There is no indicator with that address (slug)."))
        return indicator


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


def flag_csv_rows(flags, absolute):
    """The CSV rows of these flags (bare facts, see ``consistency_flags``): two queries for all of them."""
    flags, indicators = for_download(flags)
    mark = "indicator-mark-0"
    page = absolute(reverse("tracker:indicator-detail", kwargs={"slug": mark}))
    for flag in flags:
        figure, other, reviewed = flag.figure, flag.other, flag.reviewed
        slug = indicators[figure.indicator_id].slug
        yield [
            flag.rule,
            slug,
            figure.display_value,
            figure.period_label,
            figure.claimed_by,
            figure.reported_on.isoformat(),
            flag.arithmetic,
            other.display_value if other else "",
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
