"""Plans, their versions and points: what the home page, the plan and version pages, a point's page,
its card and the comparison of two versions show, and what the API and feeds read of them.

Each function returns plain data (rows, lists, dataclasses) from a fixed number of queries, whatever
the number of plans, versions, points and positions: matrices and lineage are computed in Python.
Where ``as_of`` is given, only positions stated and figures reported by that date count.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext

from tracker.lineage import Change, compare_versions
from tracker.models import (
    Clause,
    ClauseLink,
    ClauseTarget,
    Event,
    Figure,
    GapStatus,
    Party,
    Plan,
    PlanVersion,
    Position,
    Source,
    Stance,
    Topic,
    VersionClaim,
)
from tracker.models.plans import released_by
from tracker.selectors.changes import changes
from tracker.selectors.common import first_rows
from tracker.selectors.convergence import clause_line, spread_histories, spread_steps
from tracker.selectors.evidence import published_figures
from tracker.selectors.positions import latest_positions
from tracker.textdiff import word_diff

HOME_LATEST = 8
HOME_CHANGES = 5
HOME_GAPS = 5
# The home page shows the plans most recently revised, each with its newest versions; the plan list
# and each plan's page have the rest, so the home page stays the same size however much is recorded.
HOME_PLANS = 5
HOME_VERSIONS_PER_PLAN = 6


# Building blocks shared by the pages -------------------------------------------------------


def published_versions(as_of=None):
    versions = PlanVersion.objects.published().select_related("plan")
    if as_of:
        versions = versions.as_of(as_of)
    return versions.order_by("released_on", "pk")


def proponents():
    """Who proposed each version, as ``version.proponents``: a plain list, for the pages that list them."""
    return Prefetch("proposed_by", Party.objects.all(), to_attr="proponents")


def plan_clauses(plan, versions):
    """The plan's published clauses, each joined to its version from ``versions`` (no query per clause)."""
    by_version = {v.pk: v for v in versions}
    clauses = []
    for clause in Clause.objects.published().filter(version__plan=plan).order_by("version", "sort_order", "pk"):
        if clause.version_id in by_version:
            clause.version = by_version[clause.version_id]
            clauses.append(clause)
    return clauses


def plan_links(versions):
    """The published lineage links from the clauses of ``versions`` (one plan's)."""
    links = ClauseLink.objects.published().filter(from_clause__version__in=[v.pk for v in versions])
    return list(links.select_related("source"))


def _sources():
    return Source.objects.order_by("published_on", "key", "pk")


@dataclass
class StanceMatrix:
    """Each party's latest stance on each clause, from one query: parties as columns, clauses as rows."""

    clauses: list
    parties: list
    cells: dict  # (clause id, party id) -> Position

    @classmethod
    def build(cls, clauses, as_of=None):
        clauses = list(clauses)
        # The cells show the party and the source, never the speaker.
        positions = latest_positions(as_of, clause__in=[clause.pk for clause in clauses]).select_related(
            "party", "source"
        )
        cells, parties = {}, {}
        for position in positions:
            cells[(position.clause_id, position.party_id)] = position
            parties[position.party_id] = position.party
        ordered = sorted(parties.values(), key=lambda p: (p.display_order, p.name, p.pk))
        return cls(clauses=clauses, parties=ordered, cells=cells)

    def rows(self):
        rows = []
        for clause in self.clauses:
            url = clause.get_absolute_url()
            cells = []
            for party in self.parties:
                position = self.cells.get((clause.pk, party.pk))
                cells.append({"position": position, "url": f"{url}#position-{position.pk}" if position else ""})
            rows.append({"clause": clause, "url": url, "cells": cells})
        return rows

    def for_clause(self, clause):
        return [self.cells[(clause.pk, party.pk)] for party in self.parties if (clause.pk, party.pk) in self.cells]

    def counts(self):
        """How many clauses each party holds each stance on."""
        totals = {party.pk: {stance: 0 for stance in Stance.values} for party in self.parties}
        for (_, party_id), position in self.cells.items():
            totals[party_id][position.stance] += 1
        return [(party, [totals[party.pk][s] for s in Stance.values]) for party in self.parties]


def recently_revised_plans(as_of=None, limit=HOME_PLANS, versions_per_plan=HOME_VERSIONS_PER_PLAN):
    """The plans with the most recently released versions, newest first, each with its newest versions.

    Returns (plans, how many plans have a version released in all). Each plan carries ``shown``,
    its newest versions in the order of release, and ``version_total``. Two queries (and one for
    the versions' proponents) whatever the number of plans and versions.
    """
    released = Q(versions__in=PlanVersion.objects.published())
    if as_of:
        released &= released_by(as_of, "versions__")
    plans = list(
        Plan.objects.published()
        .annotate(newest_release=Max("versions__released_on", filter=released))
        .filter(newest_release__isnull=False)
        .annotate(plan_total=Window(Count("pk")))
        .order_by("-newest_release", "pk")[:limit]
    )
    if not plans:
        return [], 0
    by_plan = {plan.pk: plan for plan in plans}
    newest_first = [F("released_on").desc(), F("pk").desc()]
    versions = (
        published_versions(as_of)
        .select_related(None)  # each version gets its plan from the plans above
        .prefetch_related(proponents())
        .filter(plan__in=list(by_plan))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("plan")], order_by=newest_first),
            version_total=Window(Count("pk"), partition_by=[F("plan")]),
        )
        .filter(rank__lte=versions_per_plan)
    )
    for plan in plans:
        plan.shown = []
    for version in versions:
        plan = by_plan[version.plan_id]
        version.plan = plan
        plan.shown.append(version)
        plan.version_total = version.version_total
    return plans, plans[0].plan_total


def newest_version_with_points(as_of=None):
    """The most recently released version whose points are recorded, or None."""
    versions = PlanVersion.objects.published().filter(Exists(Clause.objects.published().filter(version=OuterRef("pk"))))
    if as_of:
        versions = versions.as_of(as_of)
    return versions.select_related("plan").order_by("-released_on", "-pk").first()


def biggest_gaps(versions, as_of=None, limit=HOME_GAPS):
    """Each published target of the versions against its indicator's most recently reported figure,
    widest misses first, with how many figures the indicator has.

    One row per target, so a much-reported indicator does not crowd out the others; the
    clause page shows every figure side by side. The newest figure and the count are chosen
    in the database, so only one figure per indicator is fetched however many are reported.
    """
    figures = Figure.objects.published()
    if as_of:
        figures = figures.as_of(as_of)
    of_indicator = figures.filter(indicator=OuterRef("indicator")).order_by()
    newest = of_indicator.order_by("-reported_on", "-pk").values("pk")[:1]
    count = of_indicator.values("indicator").annotate(n=Count("pk")).values("n")
    targets = list(
        ClauseTarget.objects.published()
        .filter(clause__version__in=[v.pk for v in versions])
        .annotate(newest_figure=Subquery(newest), figure_count=Subquery(count, output_field=IntegerField()))
        .filter(newest_figure__isnull=False)
        .order_by("pk")
    )
    # Every target is ranked by its bare term; only the few shown are loaded with their point and indicator.
    newest_figures = Figure.objects.select_related("source").in_bulk({t.newest_figure for t in targets})
    gaps = [target.gap(newest_figures[target.newest_figure]) for target in targets]
    misses = [gap for gap in gaps if gap.status != GapStatus.MEETS]
    misses.sort(key=lambda gap: (-abs(_widest(gap)), gap.target.pk))
    shown = misses[:limit]
    described = ClauseTarget.objects.select_related("indicator", "clause__version__plan").in_bulk(
        [gap.target.pk for gap in shown]
    )
    return [(described[gap.target.pk].gap(gap.figure), gap.target.figure_count) for gap in shown]


def _widest(gap):
    """How far the figure is from the term, as a share of it (a range by its farther end)."""
    if gap.percent is not None:
        return gap.percent
    ends = [d for d in (gap.difference_low, gap.difference_high) if d is not None]
    if not ends or not gap.target.value:
        return 0
    return max(abs(d) for d in ends) * 100 / gap.target.value


# Pages ---------------------------------------------------------------------------------------


def home(as_of=None):
    """The home page: the plans most recently revised, the newest version's matrix, the widest gaps,
    what changed, the latest positions and events. Bounded whatever is recorded."""
    plans, plan_total = recently_revised_plans(as_of)
    # The matrix needs points: take the newest version whose points are recorded.
    latest = newest_version_with_points(as_of)
    matrix = None
    if latest:
        matrix = StanceMatrix.build(
            Clause.objects.published().filter(version=latest).with_version().order_by("sort_order", "pk"), as_of
        )
    positions = Position.objects.published().with_related()
    events = Event.objects.published().prefetch_related(Prefetch("sources", queryset=_sources()))
    if as_of:
        positions, events = positions.as_of(as_of), events.as_of(as_of)
    return {
        "whats_new": changes(until=as_of, limit=HOME_CHANGES).entries,
        "plans": plans,
        "plan_total": plan_total,
        "latest": latest,
        "matrix": matrix,
        "gaps": biggest_gaps([version for plan in plans for version in plan.shown], as_of),
        "latest_positions": first_rows(positions.order_by("-stated_on", "-pk"), HOME_LATEST),
        "events": list(events.order_by("-happened_on", "-pk")[:HOME_LATEST]),
    }


def plan_list():
    """Every published plan with its count of published versions and its first and newest release."""
    released = Q(versions__in=PlanVersion.objects.published())
    plans = Plan.objects.published().annotate(
        version_total=Count("versions", filter=released),
        first_release=Min("versions__released_on", filter=released),
        newest_release=Max("versions__released_on", filter=released),
    )
    return plans.order_by(F("newest_release").desc(nulls_last=True), "title", "pk")


def plan_versions(plan):
    """The plan's published versions in order of release, with what its page shows of each."""
    return list(
        published_versions()
        .filter(plan=plan)
        .select_related("based_on", "based_on__plan")
        .prefetch_related(proponents(), Prefetch("sources", queryset=_sources()))
    )


def version_with_details(with_details=True):
    """Published versions with what a version's page shows of its own (its proponents, sources, claims)."""
    versions = PlanVersion.objects.published().select_related("plan", "based_on", "based_on__plan")
    if with_details:
        versions = versions.prefetch_related(
            "proposed_by",
            Prefetch("sources", queryset=_sources()),
            Prefetch(
                "claims",
                queryset=VersionClaim.objects.select_related("source", "claimed_by", "claimed_by__party"),
            ),
        )
    return versions


def version_clauses(version):
    """The version's published points in order, with their topics (the page filters and pages them)."""
    return Clause.objects.published().filter(version=version).with_version().order_by("sort_order", "pk")


def with_topics(clauses):
    return clauses.prefetch_related(Prefetch("topics", Topic.objects.all(), to_attr="topic_list"))


def version_page(version, clauses, as_of=None):
    """What a version's page shows beside one page of its ``clauses``: the matrix of stances on them,
    each point's spread over time, the stances on the version as a whole, the other versions."""
    matrix = StanceMatrix.build(clauses, as_of)
    whole_version = latest_positions(as_of, clause__isnull=True, version=version).select_related(
        "party", "actor", "source"
    )
    others = [v for v in published_versions().filter(plan=version.plan) if v.pk != version.pk]
    return {
        "matrix": matrix,
        "histories": spread_histories(clauses, as_of),
        "version_positions": sorted(whole_version, key=lambda p: (p.party.display_order, p.party.name, p.pk)),
        "other_versions": others,
        "compare_default": compare_default(version, others),
    }


@dataclass
class TargetEvidence:
    target: object
    gaps: list


def clause_page(version, clause, as_of=None):
    """What a point's page shows: its fate in the plan's other versions, its neighbours, the figures
    against its terms, each party's track of positions on it and how far apart they stand."""
    versions = list(published_versions().filter(plan=version.plan))
    clauses = plan_clauses(version.plan, versions)
    lineage = clause_lineage(clause, versions, clauses)
    # The points of this version in order, for the previous and next links.
    siblings = [c for c in clauses if c.version_id == version.pk]
    index = next((i for i, c in enumerate(siblings) if c.pk == clause.pk), None)

    targets = list(clause.targets.select_related("indicator").order_by("pk"))
    context_indicators = list(clause.context_indicators.all())
    indicator_ids = {t.indicator_id for t in targets} | {i.pk for i in context_indicators}
    figures_by_indicator = defaultdict(list)
    for figure in published_figures(as_of).filter(indicator__in=indicator_ids):
        figures_by_indicator[figure.indicator_id].append(figure)

    positions = Position.objects.published().filter(clause=clause).with_related()
    if as_of:
        positions = positions.as_of(as_of)
    positions = list(positions.track())
    tracks = {}
    for position in positions:
        tracks.setdefault(position.party_id, {"party": position.party, "positions": []})["positions"].append(position)
    tracks = sorted(tracks.values(), key=lambda t: (t["party"].display_order, t["party"].name, t["party"].pk))
    for track in tracks:
        track["current"] = track["positions"][-1]
    return {
        "convergence_line": clause_line(clause, [c for step in lineage for c in step.counterparts], as_of),
        "spread_steps": spread_steps(positions),
        "lineage": lineage,
        "previous_point": siblings[index - 1] if index else None,
        "next_point": siblings[index + 1] if index is not None and index + 1 < len(siblings) else None,
        "evidence": [TargetEvidence(t, [t.gap(f) for f in figures_by_indicator[t.indicator_id]]) for t in targets],
        "context_evidence": [(indicator, figures_by_indicator[indicator.pk]) for indicator in context_indicators],
        "tracks": tracks,
        "positions": positions,
    }


def clause_detail_queryset():
    """Published points with what a point's page shows of its own: topics, sources, context indicators."""
    return (
        Clause.objects.published()
        .with_version()
        .prefetch_related("topics", Prefetch("sources", queryset=_sources()), "context_indicators")
    )


def clause_card(clause, as_of=None):
    """Each party's latest stance on the point, for the card other sites frame."""
    return StanceMatrix.build([clause], as_of).for_clause(clause)


def comparison(plan, versions, a, b):
    """The clause-by-clause comparison of two of the plan's ``versions`` (two queries)."""
    return compare_versions(a, b, clauses=plan_clauses(plan, versions), links=plan_links(versions))


def comparison_rows(comparison):
    """The comparison's rows with their word differences; the first row of each kind carries its anchor."""
    rows, anchored = [], set()
    for row in comparison.rows:
        rows.append({"row": row, "diffs": _diffs(row.earlier, row.later), "anchor": row.change not in anchored})
        anchored.add(row.change)
    return rows


def comparison_counts(comparison):
    return [(Change(change).label, change, n) for change, n in comparison.counts().items() if n]


def compare_default(version, others):
    """The version readers most likely want to compare with: the one it revises, else its first revision."""
    for other in others:
        if other.pk == version.based_on_id:
            return other
    for other in others:
        if other.based_on_id == version.pk:
            return other
    later = [v for v in others if (v.released_on, v.pk) > (version.released_on, version.pk)]
    return later[0] if later else (others[-1] if others else None)


@dataclass
class LineageStep:
    """What became of the clause in one other version of the plan."""

    version: object
    change: str
    label: str
    counterparts: list
    links: list
    indirect: bool
    diffs: list = field(default_factory=list)  # (earlier clause, later clause, html)
    is_earlier: bool = False


def _diffs(earlier, later):
    return [(old, new, word_diff(old.text, new.text)) for old in earlier for new in later if old.text and new.text][:4]


def clause_lineage(clause, versions, clauses=None):
    """The clause's fate in every other version of its plan, from two queries (one if given the plan's clauses)."""
    if clauses is None:
        clauses = plan_clauses(clause.version.plan, versions)
    links = plan_links(versions)
    steps = []
    for other in versions:
        if other.pk == clause.version_id:
            continue
        comparison = compare_versions(clause.version, other, clauses=clauses, links=links)
        row = _row_for(comparison, clause)
        if row is None:
            continue
        is_earlier = comparison.reversed  # the other version came first
        counterparts = row.earlier if is_earlier else row.later
        step = LineageStep(
            version=other,
            change=row.change,
            label=_fate_label(row.change, is_earlier),
            counterparts=counterparts,
            links=row.links,
            indirect=row.indirect,
            is_earlier=is_earlier,
        )
        if row.earlier and row.later:
            step.diffs = _diffs(row.earlier, row.later)
        steps.append(step)
    return steps


def _row_for(comparison, clause):
    for row in comparison.rows:
        if any(c.pk == clause.pk for c in row.earlier + row.later):
            return row
    return None


def _fate_label(change, other_is_earlier):
    """Words for a lineage row, read from the clause being viewed."""
    if other_is_earlier:
        return {
            Change.NEW: gettext("Not in this earlier version (new later)"),
            Change.ORIGIN_NOT_REPORTED: gettext("Origin not reported"),
            Change.SPLIT: gettext("Split from one point here"),
            Change.MERGED: gettext("Merged from several points here"),
        }.get(change, Change(change).label)
    return {
        Change.DROPPED: gettext("Dropped"),
        Change.FATE_NOT_REPORTED: gettext("Fate not reported"),
    }.get(change, Change(change).label)


def default_pair(versions, a, b):
    """Fill in whichever side is missing: a version is compared with the one it revises, or its neighbour."""

    def neighbour(version):
        if version.based_on_id and any(v.pk == version.based_on_id for v in versions):
            return next(v for v in versions if v.pk == version.based_on_id)
        index = versions.index(version)
        if index > 0:
            return versions[index - 1]
        return versions[1] if len(versions) > 1 else None

    if a and b:
        return a, b
    if a:
        return a, neighbour(a)
    if b:
        return neighbour(b), b
    if len(versions) < 2:
        return (versions[0] if versions else None), None
    latest = versions[-1]
    return neighbour(latest), latest
