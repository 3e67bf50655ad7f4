"""Query parameters read the same way by the pages and the API: the forms, and the error they raise.

Like the FilterSets in ``tracker/filters.py``, these sit below the views and the API, so both
validate a parameter with one definition. Bad input raises ``InvalidQuery``, which a page turns
into its 400 page (``tracker.views.common.bad_request``) and the API into a 400 answer listing the
same messages::

    form, filters = read_filters(request.GET)        # InvalidQuery when a filter is unusable
"""

import datetime

from django import forms
from django.core.exceptions import BadRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.models import Indicator, Plan, PlanVersion, Topic
from tracker.selectors.flags import RULES

# The tracker covers recent diplomacy; far-off dates are typing mistakes (and years like 0001
# or 9999 overflow once made timezone-aware).
AS_OF_MIN = datetime.date(1900, 1, 1)
AS_OF_MAX = datetime.date(2100, 12, 31)

# A filter offers its choices as a list up to this many; beyond, it takes the address typed (each plan,
# version and indicator page links to its own filtered list), so a page never lists thousands of options.
LONG_LIST = 100


class InvalidQuery(BadRequest):
    """A query parameter the page cannot use; ``messages`` say what to fix, field by field."""

    def __init__(self, messages):
        self.messages = messages  # {parameter: [message, ...]}
        super().__init__("; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in messages.items()))


def cleaned(form):
    """The form's cleaned data, or InvalidQuery with its errors: never a guess at what was meant."""
    if not form.is_valid():
        raise InvalidQuery({name: list(errors) for name, errors in form.errors.items()})
    return form.cleaned_data


def validate_as_of_range(value):
    if not (AS_OF_MIN <= value <= AS_OF_MAX):
        raise forms.ValidationError(
            _("Choose a date between %(min)s and %(max)s."),
            params={"min": AS_OF_MIN.isoformat(), "max": AS_OF_MAX.isoformat()},
            code="out_of_range",
        )


def date_field(**kwargs):
    """A YYYY-MM-DD date between AS_OF_MIN and AS_OF_MAX, optional."""
    return forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[validate_as_of_range],
        error_messages={"invalid": _("Give the date as YYYY-MM-DD, for example 2025-11-22.")},
        **kwargs,
    )


class AsOfForm(forms.Form):
    as_of = date_field()


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
    as_of = date_field(
        label=_("State of play on"),
        widget=forms.DateInput(attrs={"type": "date", "min": AS_OF_MIN.isoformat(), "max": AS_OF_MAX.isoformat()}),
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
    """The form and the filters as keyword arguments for ``ranking`` and ``convergence_table``, or InvalidQuery
    saying what to fix."""
    form = ConvergenceForm(data)
    data = cleaned(form)
    return form, {name: data.get(name) for name in ("plan", "version", "topic", "as_of")}


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
    """The form and the filters as keyword arguments for ``consistency_flags``, or InvalidQuery saying what
    to fix."""
    form = FlagForm(data)
    data = cleaned(form)
    return form, {name: data.get(name) or None for name in ("indicator", "rule", "as_of")}
