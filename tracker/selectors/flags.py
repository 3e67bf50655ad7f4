"""Figures that cannot all be true: consistency checks between the figures of one indicator.

Each rule raises a ``Flag`` that carries its arithmetic in words, so a reader can redo the sum.
A flag is a prompt to read the sources, not a verdict. The rules:

- far from the official figure: a figure that is not official differs from the best-sourced
  official figure of the same indicator and period by more than ``SHARE_THRESHOLD`` percent;
- implied rate: a count of cases over a stated period, divided by its length ("one every 2.1 minutes");
- outside a range: a single value outside the low-high range another figure gives for the same
  indicator and period;
- flips a gap: a figure that meets a clause's numeric term while the best-sourced official figure
  for the same period misses it, or the reverse.

Two figures describe the same period when they start on the same day (or neither gives a start)
and the dates they describe (end of period, else the report's date) are at most
``SAME_PERIOD_DAYS`` apart. Every function runs a fixed number of queries.
"""

from collections import defaultdict, namedtuple
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property, lru_cache, partial

from tracker.models import (
    ClauseTarget,
    Confidence,
    Figure,
    FigureKind,
    FlagReview,
    FlagRule,
    GapStatus,
    Indicator,
    figure_date,
    flag_key,
)
from tracker.models.plans import point_name
from tracker.numbers import grouped

SHARE_THRESHOLD = Decimal("10")  # percent of the official figure
SAME_PERIOD_DAYS = 31

FAR_FROM_OFFICIAL, IMPLIED_RATE, OUTSIDE_RANGE, FLIPS_GAP = (
    FlagRule.FAR_FROM_OFFICIAL.value,
    FlagRule.IMPLIED_RATE.value,
    FlagRule.OUTSIDE_RANGE.value,
    FlagRule.FLIPS_GAP.value,
)
RULES = {rule.value: rule.label for rule in FlagRule}
_CONFIDENCE_ORDER = [Confidence.CONFIRMED, Confidence.UNVERIFIED, Confidence.DISPUTED, Confidence.UNSUBSTANTIATED]


@dataclass(frozen=True)
class Flag:
    rule: str
    figure: Figure  # the figure flagged (or its bare facts, see ``consistency_flags``)
    # The sum in words (``arithmetic``), or a function that writes it: a page that shows 50 of thousands of
    # flags writes the sums of those 50 only.
    words: object = field(compare=False, repr=False)
    other: Figure | None = None  # the figure it is checked against
    target: ClauseTarget | None = None  # for FLIPS_GAP: the clause's term
    # The editors' review of this flag, if any (see ``FlagReview``), even one the figures have outdated.
    review: FlagReview | None = field(default=None, compare=False)

    @cached_property
    def arithmetic(self):
        """The sum, in words."""
        return self.words() if callable(self.words) else self.words

    @property
    def rule_label(self):
        return RULES[self.rule]

    @property
    def key(self):
        return flag_key(self.rule, self.figure.pk, self.other.pk if self.other else None, self.target_id)

    @property
    def target_id(self):
        return self.target.pk if self.target else None

    @property
    def reviewed(self):
        """The review readers see: only one made on the flag's arithmetic as it now reads."""
        return self.review if self.review is not None and self.review.covers(self.arithmetic) else None

    @property
    def review_state(self):
        if self.review is None:
            return "not reviewed"
        return "reviewed" if self.reviewed else "needs review again"


def _n(number):
    # A download writes the sums of thousands of flags, the same few amounts and dates over and over.
    return _grouped(number.__class__, number) if number else grouped(number)  # (-0 and 0: not one entry)


@lru_cache(maxsize=4096)
def _grouped(kind, number):
    return grouped(number)


@lru_cache(maxsize=1024)
def _day(date):
    return f"{date.day} {date:%b %Y}"


def same_period(a, b):
    return (
        a.indicator_id == b.indicator_id
        and a.period_start == b.period_start
        and abs((figure_date(a) - figure_date(b)).days) <= SAME_PERIOD_DAYS
    )


def _who(figure):
    return f"{figure.claimed_by}, {_day(figure.reported_on)}"


def official_reference(figure, figures):
    """The best-sourced official figure with a value among ``figures`` (those of the same indicator and
    period, see ``same_period``), or None.

    Confirmed before unverified, a stated end of period before none, an original outlet before a
    reprint, then the nearest in date, then the most recently reported.
    """
    candidates = [
        other
        for other in figures
        if other.pk != figure.pk and other.kind == FigureKind.OFFICIAL and other.value is not None
    ]
    if not candidates:
        return None
    day = figure_date(figure)
    return min(
        candidates,
        key=lambda o: (
            _CONFIDENCE_ORDER.index(o.confidence),
            o.period_end is None,
            o.from_reprint,
            abs((figure_date(o) - day).days),
            -o.reported_on.toordinal(),
            -o.pk,
        ),
    )


def far_from_official(figure, reference):
    if figure.kind == FigureKind.OFFICIAL or figure.value is None or reference is None or not reference.value:
        return None
    difference = figure.value - reference.value
    share = (abs(difference) * 100 / reference.value).quantize(Decimal("0.1"))
    if share <= SHARE_THRESHOLD:
        return None

    def arithmetic():
        direction = "above" if difference > 0 else "below"
        return (
            f"{_n(figure.value)} − {_n(reference.value)} = {_n(difference)}: {share}% {direction} the official "
            f"{_n(reference.value)} ({_who(reference)}) for the same period; flagged beyond {SHARE_THRESHOLD}%."
        )

    return Flag(FAR_FROM_OFFICIAL, figure, arithmetic, other=reference)


def counts_cases(indicator):
    """Whether the indicator counts cases (its unit says so), so a figure over a period has a rate."""
    return "case" in indicator.unit.lower()


def implied_rate(figure, counts=None):
    """``counts``: whether the figure's indicator counts cases, when known without reading the indicator."""
    if counts is None:
        counts = counts_cases(figure.indicator)
    if not counts or figure.value is None or figure.value <= 0:
        return None
    if not (figure.period_start and figure.period_end):
        return None

    def arithmetic():
        days = (figure.period_end - figure.period_start).days + 1
        minutes = days * 24 * 60
        per_day = figure.value / days
        every = Decimal(minutes) / figure.value
        if every < 1:
            interval = f"one every {(every * 60).quantize(Decimal('0.1'))} seconds"
        elif every < 60:
            interval = f"one every {every.quantize(Decimal('0.1'))} minutes"
        elif every < 60 * 24:
            interval = f"one every {(every / 60).quantize(Decimal('0.1'))} hours"
        else:
            interval = f"one every {(every / 1440).quantize(Decimal('0.1'))} days"
        at_least = "at least " if figure.is_lower_bound else ""
        return (
            f"{at_least}{_n(figure.value)} in the {days} days from {_day(figure.period_start)} to "
            f"{_day(figure.period_end)} is {at_least}{_n(per_day.quantize(Decimal('1')))} a day: {interval} "
            f"({_n(minutes)} minutes ÷ {_n(figure.value)})."
        )

    return Flag(IMPLIED_RATE, figure, arithmetic)


def outside_range(figure, figures):
    """``figures``: those of the same indicator and period (see ``same_period``)."""
    if figure.value is None or figure.is_range:
        return []
    flags = []
    for other in figures:
        if other.pk == figure.pk or not other.is_range:
            continue
        if figure.value < other.low or (figure.value > other.high and not figure.is_lower_bound):
            flags.append(Flag(OUTSIDE_RANGE, figure, partial(_outside_words, figure, other), other=other))
    return flags


def _outside_words(figure, other):
    if figure.value < other.low:
        where = f"below the low end: {_n(other.low)} − {_n(figure.value)} = {_n(other.low - figure.value)} short"
    else:
        where = f"above the high end: {_n(figure.value)} − {_n(other.high)} = {_n(figure.value - other.high)} over"
    return f"{_n(figure.value)} is outside the range {_n(other.low)}–{_n(other.high)} ({_who(other)}), {where}."


def _place(target):
    """Where a term is: its version and point ("US 28-point draft, point 6")."""
    parts = getattr(target, "place_parts", None)  # given by _targets, without loading the point
    if parts:
        return f"{parts[0]}, {point_name(parts[1])}"
    return f"{target.clause.version.name}, {target.clause.point_name}"


def flips_gap(figure, reference, targets):
    if reference is None or figure.kind == FigureKind.OFFICIAL or figure.value is None:
        return []
    flags = []
    for target in targets:
        mine, theirs = target.gap(figure).status, target.gap(reference).status
        if mine == theirs or GapStatus.STRADDLES in (mine, theirs):
            continue
        words = partial(_flip_words, figure, reference, target, mine, theirs)
        flags.append(Flag(FLIPS_GAP, figure, words, other=reference, target=target))
    return flags


def _flip_words(figure, reference, target, mine, theirs):
    term = f"{target.get_comparator_display()} {_n(target.value)}"
    verdict = {GapStatus.MEETS: "meets", GapStatus.MISSES: "misses"}
    return (
        f"Against the term “{term}” ({_place(target)}): "
        f"{_n(figure.value)} {verdict[mine]} it, while the official {_n(reference.value)} ({_who(reference)}) "
        f"{verdict[theirs]} it."
    )


def flags_among(figures, targets=(), case_indicators=None):
    """Every flag raised among these figures (of one or several indicators), in the figures' order.

    ``case_indicators``: the pks of the indicators that count cases, so the figures need not carry
    their indicator (by default each figure's own indicator is asked).
    """
    figures = list(figures)
    by_group = defaultdict(list)
    for figure in figures:
        # Only figures that start on the same day can describe the same period.
        by_group[figure.indicator_id, figure.period_start].append((figure_date(figure), figure))
    if isinstance(targets, _Terms):
        targets_by_indicator = targets
    else:
        targets_by_indicator = defaultdict(list)
        for target in targets:
            targets_by_indicator[target.indicator_id].append(target)
    flags = []
    for figure in figures:
        members = by_group[figure.indicator_id, figure.period_start]
        counts = None if case_indicators is None else figure.indicator_id in case_indicators
        if len(members) == 1:
            # Alone in its period: no official figure to differ from, no range, no gap to flip.
            flag = implied_rate(figure, counts)
            if flag is not None:
                flags.append(flag)
            continue
        # as same_period, with each figure's date worked out once
        day = figure_date(figure)
        group = [other for when, other in members if abs((when - day).days) <= SAME_PERIOD_DAYS]
        reference = official_reference(figure, group)
        raised = [far_from_official(figure, reference), implied_rate(figure, counts)]
        raised += outside_range(figure, group)
        if reference is not None:
            raised += flips_gap(figure, reference, targets_by_indicator.get(figure.indicator_id, ()))
        flags.extend(flag for flag in raised if flag is not None)
    return flags


# The fields the rules compare. Thousands of figures are read as plain rows, not model instances; only
# the flags a page, CSV or API answer shows get their figures (with indicator and source) afterwards.
_FACT_FIELDS = (
    "pk",
    "indicator_id",
    "value",
    "low",
    "high",
    "is_lower_bound",
    "period_start",
    "period_end",
    "reported_on",
    "claimed_by",
    "kind",
    "confidence",
    "from_reprint",
    "period_label",
)


class FigureFacts(namedtuple("FigureFacts", _FACT_FIELDS)):
    """A figure's compared fields, as the rules read them (see ``Figure``)."""

    __slots__ = ()
    is_range = Figure.is_range
    display_value = Figure.display_value
    value_text = Figure.value_text


def _figures(as_of):
    figures = Figure.objects.published()
    if as_of:
        figures = figures.as_of(as_of)
    return figures.chronological()


def _figure_facts(figures):
    return list(map(FigureFacts._make, figures.values_list(*_FACT_FIELDS)))


class _Terms:
    """The published terms by indicator, for ``flags_among``: an indicator's are built as ClauseTarget rows the
    first time a rule asks for them. Most never are: only a figure with an official figure beside it is
    compared with its indicator's terms (at 100 times the shipped data, 200 indicators' terms of 770)."""

    def __init__(self, rows):
        self._rows, self._built = defaultdict(list), {}
        for row in rows:
            self._rows[row[1]].append(row)

    def get(self, indicator_id, default=()):
        if indicator_id not in self._built:
            self._built[indicator_id] = [_term(*row) for row in self._rows.get(indicator_id, ())]
        return self._built[indicator_id] or default


def _term(pk, indicator_id, comparator, value, clause_id, number, version_name):
    target = ClauseTarget(pk=pk, indicator_id=indicator_id, comparator=comparator, value=value, clause_id=clause_id)
    target.place_parts = (version_name, number)  # written out only for the flags whose arithmetic is read
    return target


def _targets(indicator=None):
    """The published terms, with only what the rule and its arithmetic read (one query, no joined rows built)."""
    terms = ClauseTarget.objects.published()
    if indicator is not None:
        terms = terms.filter(indicator=indicator)
    rows = terms.order_by("pk").values_list(
        "pk", "indicator_id", "comparator", "value", "clause_id", "clause__number", "clause__version__name"
    )
    return _Terms(rows)


def with_related(flags):
    """The flags with their figures (and those they are checked against) as model instances with their
    indicators and sources, each flag with its review: two queries, for the flags shown only."""
    flags = list(flags)
    wanted = {figure.pk for flag in flags for figure in (flag.figure, flag.other) if figure is not None}
    figures = Figure.objects.select_related("indicator", "source").in_bulk(wanted) if wanted else {}
    loaded = [
        replace(flag, figure=figures[flag.figure.pk], other=figures[flag.other.pk] if flag.other else None)
        for flag in flags
    ]
    for flag in loaded:
        if flag.target is not None:
            flag.target.indicator = flag.figure.indicator
    return with_reviews(loaded)


# Past this many flags (or indicators), their reviews (or slugs) are read whole rather than named one by one:
# thousands of keys to send cost more than the rows.
NAMED_REVIEWS = 200


def for_download(flags):
    """The flags as a download reads them, without loading their figures: each flag with its review, and
    the slugs of the figures' indicators by pk; the terms' indicators (slug, name and unit only) on the terms.
    Two or three queries."""
    flags = with_reviews(flags)
    wanted = {flag.figure.indicator_id for flag in flags}
    slugs = Indicator.objects.rewrite(False).values_list("pk", "slug")
    if len(wanted) <= NAMED_REVIEWS:  # else every slug: cheaper to read than a thousand pks to send
        slugs = slugs.filter(pk__in=wanted) if wanted else slugs.none()
    slugs = dict(slugs)
    terms = [flag.target for flag in flags if flag.target is not None]
    if terms:
        indicators = Indicator.objects.only("slug", "name", "unit").in_bulk({term.indicator_id for term in terms})
        for term in terms:
            term.indicator = indicators[term.indicator_id]
    return flags, slugs


def with_reviews(flags):
    """The flags, each with the editors' review of it if there is one: one query."""
    flags = list(flags)
    keys = [flag.key for flag in flags]
    reviews = FlagReview.objects.all() if len(keys) > NAMED_REVIEWS else FlagReview.objects.filter(key__in=keys)
    reviews = {review.key: review for review in reviews}
    return [
        flag if flag.review is None and key not in reviews else replace(flag, review=reviews.get(key))
        for flag, key in zip(flags, keys, strict=True)
    ]


def _case_indicators(indicator=None):
    indicators = Indicator.objects.filter(unit__icontains="case")
    if indicator is not None:
        indicators = indicators.filter(pk=indicator.pk)
    return set(indicators.values_list("pk", flat=True))


def flags_for_indicator(indicator, as_of=None):
    """The flags on one indicator's figures reported by the date: five queries."""
    return consistency_flags(indicator=indicator, as_of=as_of)


def consistency_flags(*, indicator=None, rule=None, as_of=None, related=True):
    """Every flag, or those on one indicator or of one rule, for figures reported by the date: five queries.

    With ``related=False``, the flags' figures are bare facts (three queries): a page that shows some of
    them gives those their figures and reviews with ``with_related``.
    """
    figures = _figures(as_of)
    targets = _targets(indicator)
    if indicator is not None:
        figures = figures.filter(indicator=indicator)
    flags = flags_among(_figure_facts(figures), targets, _case_indicators(indicator))
    if rule:
        flags = [flag for flag in flags if flag.rule == rule]
    return with_related(flags) if related else flags


def flagged_on(flags):
    """The flags by the pk of the figure they are raised on."""
    by_figure = defaultdict(list)
    for flag in flags:
        by_figure[flag.figure.pk].append(flag)
    return dict(by_figure)
