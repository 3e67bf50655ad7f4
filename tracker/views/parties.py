"""Parties and the people who speak for them: their positions over time."""

from collections import defaultdict

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render

from tracker.filters import PartyFilter
from tracker.models import Actor, Clause, Party, PlanVersion, Position, Stance
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


def party_list(request):
    parties = Party.objects.annotate(position_count=_published_position_count(party="pk")).prefetch_related("actors")
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


def stances_per_version(positions, limit=STANDING_VERSIONS):
    """For the most recently released versions the positions bear on: how many of their points have
    each latest stance, and how many versions the positions bear on in all.

    ``positions`` is already limited to one party, published and as of the page's date. Runs
    three queries and fetches at most ``limit`` versions (and the latest positions on them)
    whatever the number of positions.
    """
    spoken_on = positions.latest().values(subject_version=Coalesce("clause__version", "version"))
    newest_first = (
        PlanVersion.objects.published()
        .filter(pk__in=spoken_on)
        .select_related("plan")
        .annotate(spoken_on=Window(Count("pk")))
        .order_by("-released_on", "-pk")
    )
    versions = list(newest_first[:limit])
    if not versions:
        return [], 0
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
    return rows, versions[0].spoken_on


def party_detail(request, slug):
    party = get_object_or_404(Party, slug=slug)
    as_of = read_as_of(request)
    positions = Position.objects.published().filter(party=party)
    if as_of:
        positions = positions.as_of(as_of)
    track = positions.with_related().order_by("stated_on", "pk")
    if wants_csv(request):
        return csv_download(f"positions-{party.slug}", track, _position_columns())
    per_version, versions_spoken_on = stances_per_version(positions)
    return render(
        request,
        "tracker/party_detail.html",
        {
            "party": party,
            "actors": party.actors.annotate(position_count=_published_position_count(actor="pk")).order_by(
                "name", "pk"
            ),
            "page": paginate(request, track, load_by_ids=True),
            "per_version": per_version,
            "versions_spoken_on": versions_spoken_on,
            # The table runs one column per version and one row per stance, which fits a phone.
            "stance_rows": [(stance, [dict(row["counts"])[stance] for row in per_version]) for stance in Stance.values],
            **as_of_context(as_of),
        },
    )


def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.select_related("party"), slug=slug)
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
