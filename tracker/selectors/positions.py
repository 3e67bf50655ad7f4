"""Parties' positions: each party's latest stance, a party's and an actor's pages.

Each function runs a fixed number of queries whatever the number of positions.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from tracker.models import Actor, Clause, Party, PlanVersion, Position, Stance
from tracker.models.positions import stated_by, subject_version


def latest_positions(as_of=None, **subjects):
    """Each party's latest published position per subject, stated on or before ``as_of`` if given.

    ``subjects`` are filters on who spoke or what about (party, clause, version): they narrow the
    positions ranked, which leaves each party's latest stance on each subject unchanged and keeps
    the ranking as small as the page. Filter by anything else (stance, actor) after, on the result.
    """
    positions = Position.objects.published().filter(**subjects)
    if as_of:
        positions = positions.as_of(as_of)
    return positions.latest()


def _published_position_count(**outer):
    counts = (
        Position.objects.published()
        .filter(**{field: OuterRef(ref) for field, ref in outer.items()})
        .order_by()
        .values(*outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def party_list():
    """Every party with its count of published positions and its public actors, in display order."""
    return (
        Party.objects.annotate(position_count=_published_position_count(party="pk"))
        .prefetch_related(Prefetch("actors", Actor.objects.public()))
        .order_by("display_order", "name", "pk")
    )


# The standing table runs one column per version: past a handful it no longer fits a screen,
# and a party that spoke on every version of many plans would make the page grow without end.
STANDING_VERSIONS = 8


def stances_per_version(positions, version_ids, limit=STANDING_VERSIONS):
    """For the most recently released of ``version_ids`` (the versions ``positions`` bear on): how
    many of their points have each latest stance.

    ``positions`` is already limited to one party, published and as of the page's date. Runs
    three queries and fetches at most ``limit`` versions (and the latest positions on them)
    whatever the number of positions.
    """
    if not version_ids:
        return []
    # Only published versions carry published positions: the ids need no second check.
    versions = list(
        PlanVersion.objects.filter(pk__in=version_ids).select_related("plan").order_by("-released_on", "-pk")[:limit]
    )
    ids = [version.pk for version in versions]
    per_version = defaultdict(lambda: dict.fromkeys(Stance.values, 0))
    whole = {}
    for position in (
        positions.filter(Q(clause__version__in=ids) | Q(version__in=ids))
        .latest()
        .select_related("clause", "source")
        .only("clause__version", "version", "stance", "stated_on", "source")
    ):
        if position.clause_id:
            per_version[position.clause.version_id][position.stance] += 1
        else:
            whole[position.version_id] = position
    clause_totals = dict(
        Clause.objects.published()
        .filter(version__in=ids)
        .order_by()
        .values("version")
        .annotate(n=Count("pk"))
        .values_list("version", "n")
    )
    rows = []
    for version in sorted(versions, key=lambda v: (v.plan.title, v.released_on, v.pk)):
        counts = per_version.get(version.pk, dict.fromkeys(Stance.values, 0))
        rows.append(
            {
                "version": version,
                "counts": [(stance, counts[stance]) for stance in Stance.values],
                "points_with_stance": sum(counts.values()),
                "points": clause_totals.get(version.pk, 0),
                "on_whole_version": whole.get(version.pk),
            }
        )
    return rows


@dataclass
class PositionTally:
    """A party's published positions counted by actor (None: the party itself), how many were stated
    by the page's date, and the versions those bear on: one query, grouped, over the positions."""

    by_actor: dict
    shown: int
    versions: set

    @classmethod
    def of(cls, positions, as_of=None):
        by_as_of = Count("pk", filter=stated_by(as_of)) if as_of else Count("pk")
        rows = (
            positions.order_by()
            .values("actor", subject_version=subject_version())
            .annotate(n=Count("pk"), by_as_of=by_as_of)
        )
        by_actor = defaultdict(int)
        shown, versions = 0, set()
        for row in rows:
            by_actor[row["actor"]] += row["n"]
            if row["by_as_of"]:
                shown += row["by_as_of"]
                versions.add(row["subject_version"])
        return cls(by_actor=dict(by_actor), shown=shown, versions=versions)


def party_page(party, as_of=None):
    """A party's page, but for the page of positions: the track to page through (its rows with what
    they are about), its count, the standing per version, its actors with their counts."""
    every_position = Position.objects.published().filter(party=party)
    positions = every_position.as_of(as_of) if as_of else every_position
    tally = PositionTally.of(every_position, as_of)
    per_version = stances_per_version(positions, tally.versions)
    # An actor's count is of every position they voiced, whatever the date shown.
    actors = list(party.actors.public().order_by("name", "pk"))
    for actor in actors:
        actor.position_count = tally.by_actor.get(actor.pk, 0)
    return {
        "track": positions.track().with_related(),
        "count": tally.shown,
        "actors": actors,
        "per_version": per_version,
        "versions_spoken_on": len(tally.versions),
        # The table runs one column per version and one row per stance, which fits a phone.
        "stance_rows": [(stance, [dict(row["counts"])[stance] for row in per_version]) for stance in Stance.values],
    }


def party_positions(party, as_of=None):
    """Every published position of the party (by the date), in order, with what each is about (the CSV)."""
    positions = Position.objects.published().filter(party=party)
    return (positions.as_of(as_of) if as_of else positions).track().with_related()


def positions_before(position):
    """How many positions the party's page lists before this one (its track, oldest first): one count."""
    earlier = Q(stated_on__lt=position.stated_on) | Q(stated_on=position.stated_on, pk__lt=position.pk)
    return Position.objects.published().filter(party=position.party_id).filter(earlier).count()


def actor_positions(actor, as_of=None):
    """Every published position the actor voiced (by the date), in order, with what each is about."""
    positions = Position.objects.published().filter(actor=actor)
    if as_of:
        positions = positions.as_of(as_of)
    return positions.with_related().order_by("stated_on", "pk")
