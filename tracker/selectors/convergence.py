"""How far apart the parties stand on each point, as of any date.

Each party's stance on a point is its latest published position on that clause stated on or
before the date (on one day, the later entry stands), whoever voiced it for the party. The
stances sit on the ordered scale of ``Stance`` (0 supports ... 4 rejects); the spread is the
furthest apart minus the closest. A point with fewer than two parties on record has no spread:
it is "not enough positions recorded", never a 0. Positions on a version as a whole, drafts and
positions stated after the date are left out.

The page, the API, the CSV, the point and version pages all read these functions, so the rule
is written once. Each function runs a fixed number of queries whatever the data size.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modeltranslation.fields import NONE
from modeltranslation.thread_context import fallbacks_enabled
from modeltranslation.utils import build_localized_fieldname, resolution_order

from tracker.models import Clause, Party, PlanVersion, Position, Stance
from tracker.models.plans import released_by
from tracker.selectors.positions import latest_positions

NOT_ENOUGH = _("not enough positions recorded")

_ALL_SIDES = {
    Stance.SUPPORTS: _("all sides support"),
    Stance.CONDITIONAL: _("all sides support with conditions"),
    Stance.AMBIGUOUS: _("all sides are ambiguous"),
    Stance.OPPOSES: _("all sides oppose"),
    Stance.REJECTS: _("all sides reject"),
}
_STEPS = {
    1: _("one step apart"),
    2: _("two steps apart"),
    3: _("three steps apart"),
    4: _("four steps apart"),
}
SCALE_TOP = len(Stance.values) - 1  # the widest possible spread


@dataclass(frozen=True)
class PartyStance:
    """One party's recorded stance on a point, with the position it comes from."""

    party: object
    stance: str
    position: object

    @property
    def rank(self):
        return Stance.rank(self.stance)

    @property
    def label(self):
        return Stance(self.stance).label


@dataclass(frozen=True)
class Convergence:
    """The parties' stances on one point as of a date, and how far apart they are."""

    clause: object
    as_of: datetime.date | None
    stances: tuple  # PartyStance, in the parties' display order
    spread: int | None  # None when fewer than two parties have a recorded stance
    label: str

    @property
    def parties_recorded(self):
        return len(self.stances)

    @property
    def furthest(self):
        """The stances at the two ends of the scale among the parties (the same one when all agree)."""
        if not self.stances:
            return ()
        ordered = sorted(self.stances, key=lambda s: s.rank)
        return (ordered[0], ordered[-1])


def assess(stances):
    """The spread and plain label of a set of stances (codes of ``Stance``)."""
    stances = list(stances)
    if len(stances) < 2:
        return None, NOT_ENOUGH
    ranks = [Stance.rank(s) for s in stances]
    spread = max(ranks) - min(ranks)
    if spread == 0:
        return 0, _ALL_SIDES[Stance(stances[0])]
    return spread, _STEPS[spread]


def _party_order(party):
    return (party.display_order, party.name, party.pk)


def from_positions(clause, positions, as_of=None):
    """The convergence of one point from its parties' latest positions, already read (no query)."""
    stances = tuple(PartyStance(p.party, p.stance, p) for p in sorted(positions, key=lambda p: _party_order(p.party)))
    spread, label = assess(s.stance for s in stances)
    return Convergence(clause=clause, as_of=as_of, stances=stances, spread=spread, label=label)


def convergence_for(clauses, as_of=None):
    """Each clause's convergence as of the date, in the clauses' order: two queries (positions, parties)."""
    clauses = list(clauses)
    by_clause = {clause.pk: [] for clause in clauses}
    if clauses:
        # The few parties are read once, not joined to every position.
        positions = list(latest_positions(as_of, clause__in=list(by_clause)))
        parties = Party.objects.in_bulk({position.party_id for position in positions})
        for position in positions:
            position.party = parties[position.party_id]
            by_clause[position.clause_id].append(position)
    return [from_positions(clause, by_clause[clause.pk], as_of) for clause in clauses]


def sort_key(item):
    """Furthest apart first; points without a spread last; then the most parties on record."""
    clause = item.clause
    return (
        item.spread is None,
        -(item.spread or 0),
        -item.parties_recorded,
        clause.version.plan.title,
        clause.version.released_on,
        clause.version_id,
        clause.sort_order,
        clause.pk,
    )


def _points(plan=None, version=None, topic=None, as_of=None):
    clauses = Clause.objects.published()
    if plan is not None:
        clauses = clauses.filter(version__plan=plan)
    if version is not None:
        clauses = clauses.filter(version=version)
    if topic is not None:
        clauses = clauses.filter(topics=topic)
    if as_of is not None:
        clauses = clauses.filter(released_by(as_of, "version__"))
    return clauses


def _latest_in_scope(points, plan, version, topic, as_of):
    """The latest positions on the points in scope, as plain values to read: with no filter, every published
    point's (a position's own rule already keeps only published points); else the points as a subquery, not
    thousands of ids.

    The positions ``latest_positions`` gives, read straight from its ranking (``Position.objects.ranked()``)
    rather than looked up again by pk: for every point of the tracker, thousands of lookups fewer."""
    positions = Position.objects.published()
    if plan is None and version is None and topic is None and as_of is None:
        positions = positions.filter(clause__isnull=False)
    else:
        positions = positions.filter(clause__in=points.order_by().values("pk"))
        if as_of:
            positions = positions.as_of(as_of)
    return positions.ranked().filter(_newest_first=1).order_by()


def convergence_list(*, plan=None, version=None, topic=None, as_of=None):
    """Every published point in scope (of versions released by the date), furthest apart first.

    Four queries: the points, their versions, the latest positions on them and their parties.
    """
    clauses = list(_points(plan, version, topic, as_of).order_by("pk"))
    # The versions are read once, not joined to every point.
    versions = PlanVersion.objects.select_related("plan").in_bulk({clause.version_id for clause in clauses})
    for clause in clauses:
        clause.version = versions[clause.version_id]
    return sorted(convergence_for(clauses, as_of), key=sort_key)


@dataclass(frozen=True)
class Ranked:
    """A point's place in the list, from its stances alone (no row loaded)."""

    clause_id: int
    spread: int | None
    parties_recorded: int


def ranking(*, plan=None, version=None, topic=None, as_of=None):
    """The points in scope in the order of ``convergence_list``, from plain values: two queries.

    For a page of a long list: rank every point cheaply, then load only the page with ``load_ranked``.
    """
    points = _points(plan, version, topic, as_of)
    # Plain rows (no translated field is read, so no row-by-row fallback).
    keys = {
        pk: rest
        for pk, *rest in points.order_by()
        .rewrite(False)
        .values_list("pk", "version__plan__title", "version__released_on", "version_id", "sort_order")
    }
    ranks = {pk: [] for pk in keys}
    if keys:
        rows = _latest_in_scope(points, plan, version, topic, as_of).values_list("clause_id", "stance")
        rank = Stance.rank
        for clause_id, stance in rows:
            if clause_id in ranks:
                ranks[clause_id].append(rank(stance))
    ranked = []
    for pk, (title, released_on, version_id, sort_order) in keys.items():
        on_record = ranks[pk]
        count = len(on_record)
        spread = max(on_record) - min(on_record) if count >= 2 else None  # as ``assess``
        ranked.append(
            (
                (spread is None, -(spread or 0), -count, title, released_on, version_id, sort_order, pk),
                Ranked(pk, spread, count),
            )
        )
    ranked.sort(key=lambda pair: pair[0])
    return [item for _, item in ranked]


def load_ranked(ranked, as_of=None):
    """The convergence of these ranked points, in their order: four queries whatever the list's length."""
    ids = [item.clause_id for item in ranked]
    clauses = Clause.objects.in_bulk(ids)
    versions = PlanVersion.objects.select_related("plan").in_bulk({c.version_id for c in clauses.values()})
    for clause in clauses.values():
        clause.version = versions[clause.version_id]
    return convergence_for([clauses[pk] for pk in ids if pk in clauses], as_of)


@dataclass(frozen=True)
class SpreadStep:
    """The convergence from one date on: a step of the chart, with the positions stated that day."""

    date: datetime.date
    spread: int | None
    parties_recorded: int
    label: str
    positions: tuple  # the positions stated that day, which moved the line


def spread_history(clause, as_of=None):
    """One step per date a party stated a position on the point, oldest first: one query."""
    positions = Position.objects.published().filter(clause=clause)
    if as_of:
        positions = positions.as_of(as_of)
    return spread_steps(positions.select_related("party", "source").track())


def spread_steps(positions):
    """The steps of published positions on one point, given oldest first (ordered by date, then entry)."""
    current, steps, day = {}, [], []
    rows = list(positions)
    for index, position in enumerate(rows):
        current[position.party_id] = position.stance
        day.append(position)
        if index + 1 == len(rows) or rows[index + 1].stated_on != position.stated_on:
            spread, label = assess(current.values())
            steps.append(SpreadStep(position.stated_on, spread, len(current), label, tuple(day)))
            day = []
    return steps


def clause_line(clause, counterparts, as_of=None):
    """The point and its counterparts in the plan's other versions released by the date, oldest version first."""
    seen, clauses = set(), []
    for item in [clause, *counterparts]:
        if as_of and item.pk != clause.pk and not item.version.is_released_by(as_of):
            continue  # not yet released on the date
        if item.pk not in seen:
            seen.add(item.pk)
            clauses.append(item)
    clauses.sort(key=lambda c: (c.version.released_on, c.version_id, c.sort_order, c.pk))
    return convergence_for(clauses, as_of)


def spread_histories(clauses, as_of=None):
    """Each clause's spread steps, by clause pk, from one query (a version's small multiple)."""
    clauses = list(clauses)
    positions = Position.objects.published().filter(clause__in=[c.pk for c in clauses])
    if as_of:
        positions = positions.as_of(as_of)
    by_clause = {clause.pk: [] for clause in clauses}
    for position in positions.select_related("party").track():
        by_clause[position.clause_id].append(position)
    return {pk: spread_steps(rows) for pk, rows in by_clause.items()}


@dataclass(frozen=True)
class PointRow:
    """One point of ``convergence_table``: plain values, no model instance."""

    clause_id: int
    plan_title: str
    plan_slug: str
    version_name: str
    version_slug: str
    number: str
    heading: str
    spread: int | None
    label: str
    stances: tuple  # (party name, stance, stated on), in the parties' display order

    @property
    def parties_recorded(self):
        return len(self.stances)

    @property
    def has_reported_number(self):
        return self.number[:1].isdigit()  # as ``Clause.has_reported_number``


def _translated(model, name):
    """The columns a translated field is read from in the language in force, and a function that picks its
    value from them as the field does on a model row (``modeltranslation``: the language's column, else its
    fallbacks', else the field's default), so thousands of plain rows need not go through the row-by-row
    fallback of a translated QuerySet's ``values_list``."""
    descriptor = getattr(model, name)
    languages = resolution_order(get_language(), descriptor.fallback_languages)
    columns = [build_localized_fieldname(name, language) for language in languages]
    default = descriptor.field.get_default()
    undefined = default if descriptor.fallback_undefined is NONE else descriptor.fallback_undefined
    if fallbacks_enabled() and descriptor.fallback_value is not NONE:
        default = descriptor.fallback_value

    def pick(*values):
        for value in values:
            if value is not None and value != undefined:
                return value
        return default

    return columns, pick


def convergence_table(*, plan=None, version=None, topic=None, as_of=None):
    """``convergence_list`` as plain values, for a download of every point: three queries, no model rows.

    The same points, stances, spreads and labels in the same order; each party's stance is its latest
    position as ``latest_positions`` ranks them.
    """
    points = _points(plan, version, topic, as_of).order_by()
    headings, heading = _translated(Clause, "heading")
    rows = points.rewrite(False).values_list(
        "pk",
        "number",
        *headings,
        "sort_order",
        "version_id",
        "version__name",
        "version__slug",
        "version__released_on",
        "version__plan__title",
        "version__plan__slug",
    )
    rows = list(rows)
    by_clause = {row[0]: [] for row in rows}
    if by_clause:
        latest = _latest_in_scope(points, plan, version, topic, as_of)
        for clause_id, party_id, stance, stated_on in latest.values_list(
            "clause_id", "party_id", "stance", "stated_on"
        ):
            if clause_id in by_clause:
                by_clause[clause_id].append((party_id, stance, stated_on))
    # Each party's place and name worked out once, not for each of thousands of stances (a translated name
    # is looked up through the language in force on every read).
    parties = Party.objects.all()
    order = {party.pk: _party_order(party) for party in parties}
    names = {party.pk: party.name for party in parties}
    # Each label in the language in force, translated once. Keyed by the label's identity: ``assess`` gives one
    # of a few constants, and hashing a lazy translation translates it.
    labels = {}
    table = []
    for pk, number, *row in rows:
        texts, (sort_order, version_id, name, slug, released_on, title, plan_slug) = row[: len(headings)], row[-7:]
        stances = sorted(by_clause[pk], key=lambda s: order[s[0]])
        spread, label = assess(stance for _, stance, _ in stances)
        if id(label) not in labels:
            labels[id(label)] = str(label)
        item = PointRow(
            pk,
            title,
            plan_slug,
            name,
            slug,
            number,
            heading(*texts),
            spread,
            labels[id(label)],
            tuple((names[party_id], stance, stated_on) for party_id, stance, stated_on in stances),
        )
        key = (spread is None, -(spread or 0), -len(stances), title, released_on, version_id, sort_order, pk)
        table.append((key, item))
    table.sort(key=lambda pair: pair[0])
    return [item for _, item in table]
