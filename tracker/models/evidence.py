from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.numbers import grouped, local_grouped

from .base import Publishable, PublishableQuerySet, readers_rule


class IndicatorQuerySet(models.QuerySet):
    @readers_rule
    def public(self):
        """Indicators with a published figure, or that a published clause has as a term or as context; one
        made for a draft stays with the editors until then."""
        from .sources import public_if_used

        return public_if_used(self, self.public_uses())

    def public_uses(self):
        """What makes an indicator public (see ``public_if_used``)."""
        from .plans import Clause

        return [
            (Figure.objects.published(), "indicator"),
            (ClauseTarget.objects.published(), "indicator"),
            (Clause.objects.published(), "context_indicators"),
        ]


class Indicator(models.Model):
    """A measured quantity with a unit, such as Ukrainian armed forces personnel."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=60, help_text=_("What one unit counts, e.g. 'personnel', 'cases', 'USD bn'."))
    description = models.TextField(blank=True)
    caveat = models.TextField(
        blank=True, help_text=_("What readers must keep in mind, e.g. 'counts criminal cases, not people'.")
    )

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def get_absolute_url(self):
        return reverse("tracker:indicator-detail", kwargs={"slug": self.slug})


class FigureKind(models.TextChoices):
    OFFICIAL = "official", _("Official")
    REPORTED = "reported", _("Reported")
    CLAIM = "claim", _("Claim")
    ESTIMATE = "estimate", _("Estimate")
    DERIVED = "derived", _("Derived")


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    UNVERIFIED = "unverified", _("Unverified")
    DISPUTED = "disputed", _("Disputed")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")


# Figures and targets keep at most 15 significant digits (12 before the point, 3 after): SQLite stores
# decimals as binary floats, which hold 15 digits exactly; a longer value comes back rounded past the
# column's size and cannot be read at all. Counts of people, cases or dollars stay far below this.
AMOUNT_DIGITS = 15
AMOUNT_DECIMAL_PLACES = 3
AMOUNT_LIMIT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_DECIMAL_PLACES)


def amount_field(**kwargs):
    return models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, **kwargs)


def within_amount_limit(name, *, nullable=False):
    """The condition on a column holding an amount that fits its field (for SQLite, which does not check)."""
    fits = Q(**{f"{name}__gt": -AMOUNT_LIMIT, f"{name}__lt": AMOUNT_LIMIT})
    return Q(**{f"{name}__isnull": True}) | fits if nullable else fits


class FigureQuerySet(PublishableQuerySet):
    def as_of(self, date):
        """Figures reported on or before the date."""
        return self.filter(reported_on__lte=date)

    def chronological(self):
        return self.order_by(models.functions.Coalesce("period_end", "reported_on"), "reported_on", "pk")


class Figure(Publishable):
    """One sourced value of an indicator: a value, a low-high range, or both."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="figures")
    value = amount_field(null=True, blank=True)
    low = amount_field(null=True, blank=True)
    high = amount_field(null=True, blank=True)
    is_lower_bound = models.BooleanField(
        default=False, help_text=_("Tick when the source says 'over' or 'more than' the value.")
    )
    period_start = models.DateField(null=True, blank=True, help_text=_("For a count over a period: its first day."))
    period_end = models.DateField(
        null=True, blank=True, help_text=_("The date the figure describes, or the last day of its period.")
    )
    period_label = models.CharField(
        max_length=100, blank=True, help_text=_("As the source puts it, e.g. 'Jan-Oct 2025'.")
    )
    reported_on = models.DateField(
        help_text=_(
            "The cited source's own date: when it made the figure public. When the figure was first "
            "stated earlier, give that in the period or the caveat."
        )
    )
    claimed_by = models.CharField(
        max_length=200, help_text=_("Who states the figure, e.g. 'Prosecutor General's Office'.")
    )
    kind = models.CharField(max_length=10, choices=FigureKind)
    confidence = models.CharField(max_length=16, choices=Confidence, default=Confidence.UNVERIFIED)
    caveat = models.TextField(blank=True)
    source = models.ForeignKey("tracker.Source", on_delete=models.PROTECT, related_name="figures")
    other_sources = models.ManyToManyField("tracker.Source", blank=True, related_name="corroborated_figures")
    from_reprint = models.BooleanField(
        "from a reprint",
        default=False,
        help_text=_(
            "Tick when only a reprint, aggregator or blog carries the figure and the original outlet's "
            "page was not found. Readers see it marked 'from a reprint'."
        ),
    )

    objects = FigureQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[other_sources])

    class Meta:
        ordering = ["indicator", "reported_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=False) | (Q(low__isnull=False) & Q(high__isnull=False)),
                name="figure_has_value_or_range",
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="figure_low_not_above_high",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(low__isnull=True) | Q(low__lte=F("value")),
                name="figure_value_not_below_low",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(high__isnull=True) | Q(value__lte=F("high")),
                name="figure_value_not_above_high",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="figure_period_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=within_amount_limit("value", nullable=True)
                & within_amount_limit("low", nullable=True)
                & within_amount_limit("high", nullable=True),
                name="figure_amounts_fit_their_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="figure_updated"),
            # The newest reports first (what changed, its feed) without sorting every figure.
            models.Index(fields=["reported_on", "id"], name="figure_reported"),
        ]

    def __str__(self):
        return f"{self.indicator.name}: {self.display_value} ({self.claimed_by}, {self.reported_on})"

    def get_absolute_url(self):
        """An address that always shows the figure: it answers with the right page of the indicator's figures."""
        return reverse("tracker:figure-detail", kwargs={"pk": self.pk})

    @property
    def is_range(self):
        return self.low is not None and self.high is not None

    @property
    def display_value(self):
        """The value in the reader's language: 600,000 in English, 600 000 in Ukrainian and Russian."""
        return self.value_text(local_grouped)

    def value_text(self, number=grouped):
        """The value as readers see it: 600,000, over 600,000, 500,000-700,000 or 600,000 (range 500,000-700,000);
        ``number`` writes each amount."""
        if self.value is not None:
            text = number(self.value)
            if self.is_lower_bound:
                text = gettext("over %(value)s") % {"value": text}
            if self.is_range:
                text = gettext("%(value)s (range %(low)s-%(high)s)") % {
                    "value": text,
                    "low": number(self.low),
                    "high": number(self.high),
                }
            return text
        if self.is_range:
            return f"{number(self.low)}-{number(self.high)}"
        return gettext("no value")

    def clean(self):
        errors = {}
        if self.value is None and (self.low is None or self.high is None):
            errors["value"] = "Give a value, or both ends of a range."
        if (self.low is None) != (self.high is None):
            errors["high" if self.high is None else "low"] = "A range needs both a low and a high end."
        if self.low is not None and self.high is not None and self.low > self.high:
            errors["low"] = "The low end cannot be above the high end."
        if self.value is not None and self.low is not None and self.value < self.low:
            errors["value"] = "The value cannot be below the low end of the range."
        if self.value is not None and self.high is not None and self.value > self.high:
            errors["value"] = "The value cannot be above the high end of the range."
        if self.period_start and self.period_end and self.period_start > self.period_end:
            errors["period_start"] = "The period cannot start after it ends."
        if self.source_id and self.reported_on and self.reported_on != self.source.published_on:
            if self.source.published_on is None:
                errors["source"] = (
                    f"{self.source.key} has no date, so it cannot date the figure; give the source its date "
                    "(approximate if need be) or cite a dated source."
                )
            else:
                errors["reported_on"] = (
                    f"The cited source {self.source.key} is dated {self.source.published_on:%d %b %Y}; a figure "
                    "is reported on its source's own date (an earlier statement goes in the period or caveat)."
                )
        if errors:
            raise ValidationError(errors)


def figure_date(figure):
    """The date a figure describes: the end of its period, or when it was reported (a Figure or its plain values)."""
    return figure.period_end or figure.reported_on


class Comparator(models.TextChoices):
    AT_MOST = "lte", _("at most")
    LESS_THAN = "lt", _("less than")
    AT_LEAST = "gte", _("at least")
    MORE_THAN = "gt", _("more than")
    EXACTLY = "eq", _("exactly")


_TESTS = {
    Comparator.AT_MOST: lambda x, t: x <= t,
    Comparator.LESS_THAN: lambda x, t: x < t,
    Comparator.AT_LEAST: lambda x, t: x >= t,
    Comparator.MORE_THAN: lambda x, t: x > t,
    Comparator.EXACTLY: lambda x, t: x == t,
}


class GapStatus(models.TextChoices):
    MEETS = "meets", _("Meets the term")
    MISSES = "misses", _("Misses the term")
    STRADDLES = "straddles", _("Range straddles the term")


@dataclass(frozen=True)
class Gap:
    """How one figure stands against a clause's numeric term.

    ``difference`` is figure minus target (for a range: its low and high ends, in
    ``difference_low`` and ``difference_high``); ``percent`` is that difference as a share
    of the target; ``share_of_figure`` is it as a share of the figure, which is the
    cut (or increase) the term asks for.
    """

    target: "ClauseTarget"
    figure: Figure
    status: str
    difference: Decimal | None
    difference_low: Decimal | None
    difference_high: Decimal | None
    percent: Decimal | None
    share_of_figure: Decimal | None

    @property
    def meets(self):
        return self.status == GapStatus.MEETS


def _percent(part, whole):
    if whole in (None, 0) or part is None:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


class ClauseTargetQuerySet(models.QuerySet):
    @readers_rule
    def published(self):
        from .plans import visible_clause

        return self.filter(visible_clause("clause__"))


class ClauseTarget(models.Model):
    """A clause's numeric term tied to an indicator: 'armed forces at most 600,000'."""

    clause = models.ForeignKey("tracker.Clause", on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    comparator = models.CharField(max_length=3, choices=Comparator)
    value = amount_field()
    label = models.CharField(max_length=200, blank=True, help_text=_("How the term reads, e.g. 'peacetime force cap'."))
    note = models.TextField(blank=True)

    objects = ClauseTargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["clause", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "indicator", "comparator"], name="unique_target_per_clause"),
            models.CheckConstraint(condition=Q(comparator__in=Comparator.values), name="target_comparator_known"),
            models.CheckConstraint(condition=within_amount_limit("value"), name="target_value_fits_its_digits"),
        ]

    def __str__(self):
        return f"{self.indicator.name} {self.get_comparator_display()} {grouped(self.value)}"

    def gap(self, figure):
        """Compare one figure of this target's indicator with the term."""
        test = _TESTS[self.comparator]
        target = self.value
        if figure.is_range:
            low_ok, high_ok = test(figure.low, target), test(figure.high, target)
            status = (
                GapStatus.MEETS
                if low_ok and high_ok
                else GapStatus.MISSES
                if not (low_ok or high_ok)
                else GapStatus.STRADDLES
            )
            difference_low, difference_high = figure.low - target, figure.high - target
        else:
            status = GapStatus.MEETS if test(figure.value, target) else GapStatus.MISSES
            difference_low = difference_high = None
        central = figure.value
        difference = central - target if central is not None else None
        return Gap(
            target=self,
            figure=figure,
            status=status,
            difference=difference,
            difference_low=difference_low,
            difference_high=difference_high,
            percent=_percent(difference, target),
            share_of_figure=_percent(difference, central),
        )

    def gaps(self, figures=None):
        """Gaps against the given figures, or every published figure of the indicator."""
        if figures is None:
            figures = self.indicator.figures.published().chronological()
        return [self.gap(figure) for figure in figures if figure.indicator_id == self.indicator_id]
