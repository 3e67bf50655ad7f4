"""A small published world of every kind of content, for the open-data tests.

``make_world(size)`` builds ``size`` clauses per version (and as many positions, figures and
events), so a test can compare query counts at two data sizes.
"""

import datetime
from decimal import Decimal

from tests import factories as f
from tracker import models


def make_world(size=2):
    plan = f.PlanFactory(slug="us-framework", title="US framework")
    party = f.PartyFactory(slug="ukraine", name="Ukraine", short_name="UA")
    other_party = f.PartyFactory(slug="russia", name="Russia", short_name="RU")
    actor = f.ActorFactory(party=party, slug="zelensky", name="Volodymyr Zelensky")
    topic = f.TopicFactory(slug="armed-forces", name="Armed forces")
    indicator = f.IndicatorFactory(slug="ua-forces", name="Ukrainian armed forces personnel")
    first = f.PlanVersionFactory(
        plan=plan, slug="28-point", name="28-point draft", released_on=datetime.date(2025, 11, 20)
    )
    first.proposed_by.add(other_party)
    second = f.PlanVersionFactory(
        plan=plan,
        slug="19-point",
        name="19-point revision",
        released_on=datetime.date(2025, 11, 23),
        based_on=first,
        text_basis=models.TextBasis.PARTIAL,
    )
    clauses = []
    for i in range(1, size + 1):
        old = f.ClauseFactory(version=first, number=str(i), sort_order=i, heading=f"Point {i}")
        new = f.ClauseFactory(version=second, number=str(i), sort_order=i, heading=f"Point {i} revised")
        old.topics.add(topic)
        old.sources.add(f.SourceFactory())
        old.context_indicators.add(indicator)
        f.ClauseLinkFactory(from_clause=old, to_clause=new, relation=models.LinkRelation.REWORDED)
        f.ClauseTargetFactory(clause=old, indicator=indicator, value=Decimal("600000"))
        f.PositionFactory(party=party, actor=actor, clause=old, stated_on=datetime.date(2025, 11, 21))
        later = f.PositionFactory(
            party=party,
            clause=old,
            stance=models.Stance.REJECTS,
            stated_on=datetime.date(2025, 11, 24),
            source=f.SourceFactory(published_on=datetime.date(2025, 11, 24)),
        )
        later.other_sources.add(f.SourceFactory())
        figure = f.FigureFactory(indicator=indicator, value=Decimal("800000") + i)
        figure.other_sources.add(f.SourceFactory())
        event = f.EventFactory(title=f"Round {i} of talks")
        event.parties.add(party, other_party)
        clauses.append(old)
    f.PositionFactory(party=other_party, clause=None, version=first, stance=models.Stance.SUPPORTS)
    models.VersionClaim.objects.create(
        version=second, attribute="number of points", value="19", stated_on=second.released_on, source=f.SourceFactory()
    )
    return {
        "plan": plan,
        "party": party,
        "actor": actor,
        "topic": topic,
        "indicator": indicator,
        "first": first,
        "second": second,
        "clauses": clauses,
    }
