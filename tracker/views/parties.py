"""Parties and the people who speak for them: their positions over time."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render

from tracker.exports import stored_download
from tracker.filters import PartyFilter
from tracker.models import Actor, Clause, Party, PlanVersion, Position, Stance
from tracker.models.positions import stated_by
from tracker.structured_data import graph, position_claim
from tracker.views.common import as_of_context, csv_download, filtered, paginate, read_as_of, wants_csv


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


@stored_download("parties.csv", "tracker:party-list")
def party_list(request):
    parties = Party.objects.annotate(position_count=_published_position_count(party="pk")).prefetch_related(
        Prefetch("actors", Actor.objects.public())
    )
    filterset = PartyFilter(request.GET, queryset=parties.order_by("display_order", "name", "pk"), request=request)
    parties = filtered(filterset)
    if wants_csv(request):
        return csv_download(
            "parties",
            parties,
            [
                ("slug", "slug"),
                ("name", "name"),
                ("short_name", "short_name"),
                ("kind", "kind"),
                ("published_positions", "position_count"),
                ("actors", lambda party: "; ".join(actor.name for actor in party.actors.all())),
                ("url", lambda party: request.build_absolute_uri(party.get_absolute_url())),
            ],
        )
    return render(
        request,
        "tracker/party_list.html",
        {"page": paginate(request, parties), "filterset": filterset},
    )


def _position_columns():
    return [
        ("stated_on", "stated_on"),
        ("date_is_approximate", "date_is_approximate"),
        ("party", "party.name"),
        ("actor", lambda p: p.actor.name if p.actor_id else ""),
        ("plan", lambda p: (p.clause.version if p.clause_id else p.version).plan.title),
        ("version", lambda p: (p.clause.version if p.clause_id else p.version).name),
        ("point", lambda p: p.clause.number if p.clause_id else ""),
        ("point_heading", lambda p: p.clause.heading if p.clause_id else "(the version as a whole)"),
        ("stance", "stance"),
        ("stance_label", lambda p: p.get_stance_display()),
        ("quote", "quote"),
        ("quote_is_paraphrase", "quote_is_paraphrase"),
        ("note", "note"),
        ("source_key", "source.key"),
        ("source_title", "source.title"),
        ("source_url", "source.url"),
    ]


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
            .values("actor", subject_version=Coalesce("clause__version", "version"))
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


def party_detail(request, slug):
    party = get_object_or_404(Party, slug=slug)
    as_of = read_as_of(request)
    every_position = Position.objects.published().filter(party=party)
    positions = every_position.as_of(as_of) if as_of else every_position
    track = positions.track()
    if wants_csv(request):
        return csv_download(f"positions-{party.slug}", track.with_related(), _position_columns())
    tally = PositionTally.of(every_position, as_of)
    per_version = stances_per_version(positions, tally.versions)
    # An actor's count is of every position they voiced, whatever the date shown.
    actors = list(party.actors.public().order_by("name", "pk"))
    for actor in actors:
        actor.position_count = tally.by_actor.get(actor.pk, 0)
    # Every position on the page is this party's: share the one already loaded rather than a copy per row.
    page = paginate(request, track.with_subject(), load_by_ids=True, count=tally.shown)
    for position in page.object_list:
        position.party = party
    return render(
        request,
        "tracker/party_detail.html",
        {
            "party": party,
            "actors": actors,
            "page": page,
            "per_version": per_version,
            "structured_data": graph(position_claim(p, request.build_absolute_uri) for p in page.object_list),
            "versions_spoken_on": len(tally.versions),
            # The table runs one column per version and one row per stance, which fits a phone.
            "stance_rows": [(stance, [dict(row["counts"])[stance] for row in per_version]) for stance in Stance.values],
            **as_of_context(as_of),
        },
    )


def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.public().select_related("party"), slug=slug)
    as_of = read_as_of(request)
    positions = Position.objects.published().filter(actor=actor)
    if as_of:
        positions = positions.as_of(as_of)
    track = positions.with_related().order_by("stated_on", "pk")
    if wants_csv(request):
        return csv_download(f"positions-{actor.slug}", track, _position_columns())
    return render(
        request,
        "tracker/actor_detail.html",
        {"actor": actor, "page": paginate(request, track, load_by_ids=True), **as_of_context(as_of)},
    )
