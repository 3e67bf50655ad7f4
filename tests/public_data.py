"""A small published world for the public pages' tests, at any size, plus drafts readers must never see.

``build_world(scale)`` makes the same shapes of data at every scale (more clauses, positions,
figures, events and sources as the scale grows), so a page's query count can be compared across
sizes. Every draft carries ``DRAFT_MARK`` in its text so a test can assert it never shows.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from tests.factories import (
    ActorFactory,
    ClauseFactory,
    ClauseLinkFactory,
    ClauseTargetFactory,
    EventFactory,
    FigureFactory,
    IndicatorFactory,
    PartyFactory,
    PlanFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
    TopicFactory,
)
from tracker.models import FigureKind, LinkRelation, Stance, TextBasis

DRAFT_MARK = "DRAFTSECRET"
DAY = datetime.timedelta(days=1)
START = datetime.date(2025, 11, 20)


@dataclass
class World:
    plan: object = None
    versions: list = field(default_factory=list)
    clauses: list = field(default_factory=list)
    parties: list = field(default_factory=list)
    actors: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    indicator: object = None
    topic: object = None
    target: object = None
    drafts: dict = field(default_factory=dict)


def build_world(scale=1):
    world = World()
    world.topic = TopicFactory(slug="armed-forces", name="Armed forces")
    world.parties = [
        PartyFactory(slug="us", name="United States", short_name="US", display_order=1),
        PartyFactory(slug="russia", name="Russia", short_name="RU", display_order=2),
        PartyFactory(slug="ukraine", name="Ukraine", short_name="UA", display_order=3),
    ]
    world.actors = [
        ActorFactory(party=party, slug=f"speaker-{party.slug}", name=f"Speaker for {party.short_name}")
        for party in world.parties
    ]
    world.sources = [SourceFactory(key=f"s{n:03d}", title=f"Report {n}") for n in range(3 * scale)]
    world.plan = PlanFactory(slug="framework", title="Peace framework")
    first = PlanVersionFactory(
        plan=world.plan, slug="28-point", name="28-point draft", released_on=START, sources=world.sources[:2]
    )
    second = PlanVersionFactory(
        plan=world.plan,
        slug="19-point",
        name="19-point revision",
        released_on=START + 4 * DAY,
        text_basis=TextBasis.PARTIAL,
        based_on=first,
        sources=[world.sources[-1]],
    )
    world.versions = [first, second]
    for n in range(1, 5 * scale + 1):
        clause = ClauseFactory(version=first, number=str(n), sort_order=n, heading=f"Term {n}", text=f"Text {n}.")
        clause.topics.add(world.topic)
        clause.sources.add(world.sources[n % len(world.sources)])
        world.clauses.append(clause)
        if n % 2:
            later = ClauseFactory(version=second, number=str(n), sort_order=n, heading=f"Term {n}, revised")
            ClauseLinkFactory(
                from_clause=clause,
                to_clause=later,
                relation=LinkRelation.REWORDED,
                source=world.sources[n % len(world.sources)],
            )
    stances = [Stance.SUPPORTS, Stance.CONDITIONAL, Stance.AMBIGUOUS, Stance.OPPOSES, Stance.REJECTS]
    for i, clause in enumerate(world.clauses):
        for j, (party, actor) in enumerate(zip(world.parties, world.actors, strict=True)):
            source = world.sources[(i + j) % len(world.sources)]
            PositionFactory(
                party=party, actor=actor, clause=clause, stance=stances[(i + j) % 5], stated_on=START, source=source
            )
            PositionFactory(
                party=party, clause=clause, stance=stances[(i + j + 1) % 5], stated_on=START + 2 * DAY, source=source
            )
    for party in world.parties:
        PositionFactory(party=party, clause=None, version=first, stance=Stance.AMBIGUOUS, source=world.sources[0])

    world.indicator = IndicatorFactory(slug="armed-forces-personnel", name="Armed forces personnel")
    kinds = list(FigureKind.values)
    for n in range(3 * scale):
        ranged = n % 3 == 2
        figure = FigureFactory(
            indicator=world.indicator,
            value=None if ranged else Decimal(700_000 + 10_000 * n),
            low=Decimal(650_000) if ranged else None,
            high=Decimal(900_000) if ranged else None,
            period_end=START - 30 * n * DAY,
            reported_on=START - (30 * n - 1) * DAY,
            kind=kinds[n % len(kinds)],
            source=world.sources[n % len(world.sources)],
        )
        figure.other_sources.add(world.sources[(n + 1) % len(world.sources)])
    # One term per five points, so pages that list terms meet more of them as the world grows.
    world.target, *_ = [
        ClauseTargetFactory(clause=clause, indicator=world.indicator, value=Decimal(600_000), label="force cap")
        for clause in world.clauses[::5]
    ]
    world.clauses[-1].context_indicators.add(world.indicator)
    for n in range(2 * scale):
        event = EventFactory(
            happened_on=START + (n % 10) * DAY,
            title=f"Round {n} of talks",
            description="Delegations met.",
            sources=[world.sources[n % len(world.sources)]],
        )
        event.parties.set(world.parties[: 1 + n % 3])

    world.drafts = build_drafts(world)
    return world


def build_drafts(world):
    """One draft of each kind a reader could stumble on, all carrying DRAFT_MARK."""
    party, source = world.parties[0], world.sources[0]
    draft_version = PlanVersionFactory(
        plan=world.plan, slug="draft-version", name=f"{DRAFT_MARK} version", is_published=False, sources=[source]
    )
    draft_version_clause = ClauseFactory(
        version=draft_version, number="1", heading=f"{DRAFT_MARK} clause of a draft version"
    )
    draft_clause = ClauseFactory(
        version=world.versions[0], number="999", sort_order=999, heading=f"{DRAFT_MARK} clause", is_published=False
    )
    draft_clause.sources.add(source)
    draft_clause.context_indicators.add(world.indicator)
    ClauseTargetFactory(clause=draft_clause, indicator=world.indicator, value=Decimal(1), label=DRAFT_MARK)
    return {
        "version": draft_version,
        "clause": draft_clause,
        "position": PositionFactory(
            party=party,
            clause=world.clauses[0],
            stance=Stance.REJECTS,
            stated_on=START + 3 * DAY,
            quote=f"{DRAFT_MARK} quote",
            source=source,
            is_published=False,
        ),
        "position_on_draft_version": PositionFactory(
            party=party, clause=draft_version_clause, quote=f"{DRAFT_MARK} on a draft version", source=source
        ),
        "figure": FigureFactory(
            indicator=world.indicator,
            value=Decimal(123_456),
            claimed_by=f"{DRAFT_MARK} claimant",
            source=source,
            is_published=False,
        ),
        "event": EventFactory(title=f"{DRAFT_MARK} event", sources=[source], is_published=False),
    }


def page_types(world):
    """One address per type of public page, over a world from ``build_world``."""
    first, second = world.versions
    clause = world.clauses[0]
    return {
        "home": "/",
        "home as of a date": "/?as_of=2025-11-21",
        "plan list": "/plans/",
        "plan": world.plan.get_absolute_url(),
        "version": first.get_absolute_url(),
        "version filtered": f"{first.get_absolute_url()}?topic={world.topic.slug}&party={world.parties[0].slug}",
        "clause": clause.get_absolute_url(),
        "clause as of a date": clause.get_absolute_url() + "?as_of=2025-11-22",
        "compare": f"{world.plan.get_absolute_url()}compare/?a={first.slug}&b={second.slug}",
        "party list": "/parties/",
        "party": f"/parties/{world.parties[0].slug}/",
        "party as of a date": f"/parties/{world.parties[0].slug}/?as_of=2025-11-21",
        "actor": f"/actors/{world.actors[0].slug}/",
        "indicator list": "/indicators/",
        "indicator": world.indicator.get_absolute_url(),
        "source list": "/sources/",
        "source": world.sources[0].get_absolute_url(),
        "timeline": "/timeline/",
        "timeline filtered": f"/timeline/?party={world.parties[1].slug}&start=2025-11-20",
        "what changed": "/changes/?since=2025-11-01",
        "what changed, nothing new": "/changes/",
        "how the tracker works": "/methods/",
        "point card": clause.get_absolute_url() + "card/",
        "open data": "/data/",
        "convergence": "/convergence/",
        "flags": "/flags/",
        "flags filtered": f"/flags/?indicator={world.indicator.slug}&rule=far-from-official",
        "convergence filtered": f"/convergence/?plan={world.plan.slug}&topic={world.topic.slug}&as_of=2025-11-22",
        "convergence method": "/methods/",
        "search": "/search/?q=term",
        "search in one kind": "/search/?q=term&kind=points",
        "search with bad input": "/search/?q=" + "x" * 201,
        "bad filter": "/sources/?reliability=nonsense",
        "not found": "/parties/no-such-party/",
    }
