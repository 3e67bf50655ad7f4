"""Fill the database with N copies of the shipped dataset's shape, for load tests and benchmarks.

One copy has the shape of the shipped dataset (tracker/data/): a plan with four versions (the 28-point
draft in full, the partly known E3 counter-proposal and 19-point revision, the 20-point framework as an
oral summary; 56 clauses), their lineage, 79 positions, 145 sources, 88 figures of 35 indicators, 8
clause targets, 8 disputed-metadata claims and 52 events. Parties, actors and topics are shared by all
copies, as they would be in a tracker of many plans. Content is
placeholder text, clearly labelled synthetic; the same seed always gives the same data.
"""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from tracker.cache import bump_generation
from tracker.models import (
    Actor,
    Clause,
    ClauseLink,
    ClauseTarget,
    ClauseTextBasis,
    Comparator,
    Confidence,
    Event,
    EventKind,
    Figure,
    FigureKind,
    Grade,
    Indicator,
    LinkRelation,
    Party,
    Plan,
    PlanVersion,
    Position,
    Reliability,
    Source,
    Stance,
    TextBasis,
    Topic,
    VersionClaim,
    VersionStatus,
)

KEY_PREFIX = "syn"
START = datetime.date(2025, 8, 1)
# (slug, name, clause count, status, text basis, day offset from START, version it revises)
VERSIONS = [
    ("28-point", "28-point draft", 28, VersionStatus.LEAKED, TextBasis.LEAKED_FULL, 110, None),
    ("e3-counter-proposal", "E3 counter-proposal", 13, VersionStatus.COUNTER_PROPOSAL, TextBasis.PARTIAL, 114, 0),
    ("19-point", "19-point revision", 3, VersionStatus.REVISED, TextBasis.PARTIAL, 115, 0),
    ("20-point", "20-point framework", 12, VersionStatus.PROPOSED, TextBasis.ORAL_SUMMARY, 145, 2),
]
SOURCES_PER_COPY = 145
POSITIONS_PER_COPY = 79
FIGURES_PER_COPY = 88
INDICATORS_PER_COPY = 35
TARGETS_PER_COPY = 8
EVENTS_PER_COPY = 52
CLAIMS_PER_COPY = 8
ACTORS_PER_PARTY = 4
PARTIES = [
    ("United States", "US"),
    ("Russia", "RU"),
    ("Ukraine", "UA"),
    ("European Union", "EU"),
    ("United Kingdom", "UK"),
    ("France", "FR"),
]
TOPICS = [
    "Security guarantees",
    "Armed forces",
    "NATO",
    "Territory",
    "Sanctions",
    "Frozen assets",
    "Reconstruction",
    "Nuclear",
    "Humanitarian",
    "Elections and amnesty",
    "Implementation",
    "Governance",
    "Economy",
]
WORDS = (
    "the parties agree security guarantee armed forces ceiling territory line of contact sanctions relief frozen "
    "assets reconstruction fund monitoring mission ceasefire exchange prisoners elections amnesty nuclear plant "
    "supervision dialogue commitment phased review implementation council buffer zone withdrawal verification"
).split()


class Command(BaseCommand):
    help = "Add N copies of the shipped dataset's shape (synthetic placeholder content) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, required=True, help="How many copies of the dataset's shape.")
        parser.add_argument("--seed", type=int, default=2025, help="The same seed always gives the same data.")

    def handle(self, *args, scale, seed, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        if Source.objects.filter(key__startswith=f"{KEY_PREFIX}-").exists():
            raise CommandError("This database already holds synthetic data: use a fresh database.")
        generator = Generator(random.Random(seed))
        with transaction.atomic():
            generator.shared()
            for copy in range(scale):
                generator.copy(copy)
        bump_generation()
        counts = ", ".join(f"{n} {model.__name__.lower()}s" for model, n in generator.created.items())
        self.stdout.write(f"Created {counts} (scale {scale}, seed {seed}).")


class Generator:
    def __init__(self, rng):
        self.rng = rng
        self.created = {}

    def text(self, low, high):
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def day(self, offset):
        return START + datetime.timedelta(days=offset)

    def save(self, model, objs, history=True):
        if history:
            objs = bulk_create_with_history(objs, model, batch_size=500, default_change_reason="Synthetic data")
        else:
            objs = model.objects.bulk_create(objs, batch_size=500)
        self.created[model] = self.created.get(model, 0) + len(objs)
        return objs

    def link(self, relation, rows):
        """Bulk-create rows of an M2M through table given (owner id, target id) pairs."""
        through = relation.through
        owner_field = relation.field.m2m_field_name() + "_id"
        target_field = relation.field.m2m_reverse_field_name() + "_id"
        through.objects.bulk_create(
            [through(**{owner_field: a, target_field: b}) for a, b in dict.fromkeys(rows)], batch_size=1000
        )

    def shared(self):
        self.parties = []
        for order, (name, short) in enumerate(PARTIES):
            party, _ = Party.objects.get_or_create(
                slug=f"{KEY_PREFIX}-{short.lower()}",
                defaults={"name": f"{name} (synthetic)", "short_name": short, "display_order": order},
            )
            self.parties.append(party)
        self.actors = {}
        for party in self.parties:
            self.actors[party.pk] = [
                Actor.objects.get_or_create(
                    slug=f"{party.slug}-actor-{i}",
                    defaults={"party": party, "name": f"Speaker {i} for {party.short_name}", "role": "Minister"},
                )[0]
                for i in range(ACTORS_PER_PARTY)
            ]
        self.topics = [
            Topic.objects.get_or_create(slug=f"{KEY_PREFIX}-topic-{i}", defaults={"name": f"{name} (synthetic)"})[0]
            for i, name in enumerate(TOPICS)
        ]

    def copy(self, k):
        rng = self.rng
        sources = self.save(
            Source,
            [
                Source(
                    key=f"{KEY_PREFIX}-{k:04d}-{i:03d}",
                    title=self.text(5, 12),
                    publisher=rng.choice(["Example Wire", "Example Times", "Example Ministry", "Example Agency"]),
                    url=f"https://news.example.org/{k}/{i}",
                    published_on=self.day(rng.randint(0, 150)),
                    reliability=rng.choice(list(Reliability.values)),
                )
                for i in range(SOURCES_PER_COPY)
            ],
        )
        plan = self.save(
            Plan,
            [
                Plan(
                    slug=f"synthetic-plan-{k}",
                    title=f"Synthetic framework {k}",
                    summary=self.text(20, 40),
                    is_published=True,
                )
            ],
        )[0]

        versions = []
        for slug, name, _count, status, basis, offset, based_on in VERSIONS:
            version = PlanVersion(
                plan=plan,
                slug=slug,
                name=name,
                released_on=self.day(offset),
                status=status,
                text_basis=basis,
                based_on=versions[based_on] if based_on is not None else None,
                point_count=_count,
                summary=self.text(30, 60),
                is_published=True,
            )
            versions.append(self.save(PlanVersion, [version])[0])
        self.link(PlanVersion.sources, [(v.pk, rng.choice(sources).pk) for v in versions for _ in range(3)])
        self.link(PlanVersion.proposed_by, [(v.pk, rng.choice(self.parties).pk) for v in versions])

        clauses_by_version = []
        for version, (_slug, _name, count, *_rest) in zip(versions, VERSIONS, strict=True):
            clauses_by_version.append(
                self.save(
                    Clause,
                    [
                        Clause(
                            version=version,
                            number=str(n),
                            sort_order=n,
                            heading=self.text(3, 7)[:200],
                            summary=self.text(25, 70),
                            text=self.text(60, 160) if version.text_is_complete else "",
                            text_basis=ClauseTextBasis.LEAKED if version.text_is_complete else ClauseTextBasis.REPORTED,
                            # A few drafts in every version, as editors leave them.
                            is_published=rng.random() > 0.05,
                        )
                        for n in range(1, count + 1)
                    ],
                )
            )
        clauses = [c for group in clauses_by_version for c in group]
        self.link(Clause.topics, [(c.pk, rng.choice(self.topics).pk) for c in clauses for _ in range(2)])
        self.link(Clause.sources, [(c.pk, rng.choice(sources).pk) for c in clauses for _ in range(2)])

        self.lineage(versions, clauses_by_version, sources)
        indicators = self.evidence(k, clauses_by_version[0], sources)
        self.link(Clause.context_indicators, [(c.pk, rng.choice(indicators).pk) for c in rng.sample(clauses, 6)])
        self.positions(versions, clauses, sources)
        self.events(k, sources)
        self.save(
            VersionClaim,
            [
                VersionClaim(
                    version=versions[2],
                    attribute="number of points",
                    value=str(rng.choice([19, 20, 22])),
                    stated_on=self.day(116 + i),
                    claimed_by=rng.choice(self.actors[self.parties[i % len(self.parties)].pk]),
                    grade=Grade.REPORTED,
                    source=rng.choice(sources),
                )
                for i in range(CLAIMS_PER_COPY)
            ],
        )

    def lineage(self, versions, clauses_by_version, sources):
        rng = self.rng
        links = []
        for later_index, (*_ignored, based_on) in enumerate(VERSIONS):
            if based_on is None:
                continue
            earlier, later = clauses_by_version[based_on], clauses_by_version[later_index]
            targets = list(later)
            for clause in earlier:
                roll = rng.random()
                if targets and roll < 0.7:
                    to_clause = targets.pop(0)
                    relation = rng.choice([LinkRelation.UNCHANGED, LinkRelation.REWORDED, LinkRelation.AMENDED])
                    links.append(
                        ClauseLink(
                            from_clause=clause,
                            to_clause=to_clause,
                            from_version=versions[based_on],
                            to_version=versions[later_index],
                            relation=relation,
                            note=self.text(8, 20),
                            grade=rng.choice([Grade.CONFIRMED, Grade.REPORTED]),
                            source=rng.choice(sources),
                        )
                    )
                elif roll < 0.8:
                    links.append(
                        ClauseLink(
                            from_clause=clause,
                            to_clause=None,
                            from_version=versions[based_on],
                            to_version=versions[later_index],
                            relation=LinkRelation.REMOVED,
                            note=self.text(8, 20),
                            grade=Grade.REPORTED,
                            source=rng.choice(sources),
                        )
                    )
                # Otherwise no link: dropped, or fate not reported for a partly known text.
        self.save(ClauseLink, links)

    def evidence(self, k, first_clauses, sources):
        rng = self.rng
        indicators = self.save(
            Indicator,
            [
                Indicator(
                    slug=f"{KEY_PREFIX}-{k:04d}-indicator-{i}",
                    name=f"Synthetic quantity {i} of copy {k}",
                    unit=rng.choice(["personnel", "cases", "USD bn", "deaths"]),
                    description=self.text(15, 30),
                )
                for i in range(INDICATORS_PER_COPY)
            ],
        )
        figures = []
        for i in range(FIGURES_PER_COPY):
            base = Decimal(rng.randint(10_000, 900_000))
            is_range = rng.random() < 0.25
            reported = self.day(rng.randint(0, 150))
            figures.append(
                Figure(
                    indicator=indicators[i % INDICATORS_PER_COPY],
                    value=None if is_range and rng.random() < 0.5 else base,
                    low=base - 5000 if is_range else None,
                    high=base + 5000 if is_range else None,
                    period_end=reported - datetime.timedelta(days=rng.randint(0, 30)),
                    reported_on=reported,
                    claimed_by=rng.choice(["Ministry of Defence", "General Staff", "Example Institute"]),
                    kind=rng.choice(list(FigureKind.values)),
                    confidence=rng.choice(list(Confidence.values)),
                    source=rng.choice(sources),
                    is_published=rng.random() > 0.05,
                )
            )
        figures = self.save(Figure, figures)
        self.link(Figure.other_sources, [(f.pk, rng.choice(sources).pk) for f in rng.sample(figures, 20)])
        self.save(
            ClauseTarget,
            [
                ClauseTarget(
                    clause=first_clauses[5 + i],
                    indicator=indicators[i],
                    comparator=rng.choice([Comparator.AT_MOST, Comparator.AT_LEAST]),
                    value=Decimal(rng.randint(100, 900) * 1000),
                    label=self.text(2, 5),
                )
                for i in range(TARGETS_PER_COPY)
            ],
        )
        return indicators

    def positions(self, versions, clauses, sources):
        rng = self.rng
        positions = []
        for i in range(POSITIONS_PER_COPY):
            party = self.parties[i % len(self.parties)]
            on_version = rng.random() < 0.15
            positions.append(
                Position(
                    party=party,
                    actor=rng.choice(self.actors[party.pk]) if rng.random() < 0.7 else None,
                    clause=None if on_version else rng.choice(clauses),
                    version=rng.choice(versions) if on_version else None,
                    stance=rng.choice(list(Stance.values)),
                    stated_on=self.day(rng.randint(110, 150)),
                    quote=self.text(4, 12)[:300],
                    note=self.text(10, 30),
                    source=rng.choice(sources),
                    is_published=rng.random() > 0.05,
                )
            )
        positions = self.save(Position, positions)
        self.link(Position.other_sources, [(p.pk, rng.choice(sources).pk) for p in rng.sample(positions, 15)])

    def events(self, k, sources):
        rng = self.rng
        events = self.save(
            Event,
            [
                Event(
                    happened_on=self.day(rng.randint(0, 150)),
                    title=f"{self.text(4, 9)[:280]} ({k})",
                    kind=rng.choice(list(EventKind.values)),
                    description=self.text(20, 50),
                    is_published=True,
                )
                for _ in range(EVENTS_PER_COPY)
            ],
        )
        self.link(Event.sources, [(e.pk, rng.choice(sources).pk) for e in events])
        self.link(Event.parties, [(e.pk, rng.choice(self.parties).pk) for e in events for _ in range(2)])
