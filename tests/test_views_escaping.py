"""Text editors write is shown as text: markup stored in any field never runs on the parties,
indicators, sources, timeline and search pages."""

import datetime
import re
from decimal import Decimal

import pytest

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
from tracker.models import VersionClaim

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BOTH = f"{SCRIPT} {IMG}"


@pytest.fixture
def hostile():
    """Every editor-written text field these pages show holds both payloads."""
    source = SourceFactory(
        key="hostile",
        title=BOTH,
        publisher=BOTH,
        notes=BOTH,
        date_note=BOTH,
        url="",
        no_url_reason=BOTH,
        date_is_approximate=True,
    )
    party = PartyFactory(slug="hostile", name=BOTH, short_name=IMG[:30], description=BOTH)
    actor = ActorFactory(party=party, slug="hostile-actor", name=BOTH, role=BOTH)
    plan = PlanFactory(title=BOTH, summary=BOTH)
    version = PlanVersionFactory(plan=plan, name=BOTH, summary=BOTH, sources=[source])
    VersionClaim.objects.create(
        version=version, attribute=BOTH, value=BOTH, note=BOTH, stated_on=datetime.date(2025, 11, 24), source=source
    )
    clause = ClauseFactory(version=version, heading=BOTH, summary=BOTH, text=BOTH)
    clause.topics.add(TopicFactory(name=BOTH))
    clause.sources.add(source)
    later = ClauseFactory(version=PlanVersionFactory(plan=plan, name=BOTH, released_on=datetime.date(2025, 11, 24)))
    ClauseLinkFactory(from_clause=clause, to_clause=later, note=BOTH, source=source)
    PositionFactory(party=party, actor=actor, clause=clause, quote=BOTH, note=BOTH, source=source)
    PositionFactory(party=party, clause=None, version=version, quote=BOTH, note=BOTH, source=source)
    indicator = IndicatorFactory(slug="hostile", name=BOTH, unit=IMG, description=BOTH, caveat=BOTH)
    FigureFactory(
        indicator=indicator, claimed_by=BOTH, period_label=BOTH, caveat=BOTH, source=source, value=Decimal(800_000)
    )
    ClauseTargetFactory(clause=clause, indicator=indicator, label=BOTH, note=BOTH)
    clause.context_indicators.add(indicator)
    EventFactory(title=BOTH, description=BOTH, sources=[source]).parties.add(party)


PAGES = [
    "/parties/",
    "/parties/hostile/",
    "/actors/hostile-actor/",
    "/indicators/",
    "/indicators/hostile/",
    "/sources/",
    "/sources/hostile/",
    "/timeline/",
    "/search/?q=script",
    "/search/?q=script&kind=positions",
    "/search/?q=img&kind=figures",
]


@pytest.mark.parametrize("url", PAGES)
def test_markup_in_editor_text_is_shown_as_text(client, hostile, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    # Structured data (JSON-LD) is the one script element allowed: a data block whose text has no "<" at all.
    data_blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, flags=re.S)
    assert all("<" not in block and ">" not in block for block in data_blocks)
    body = re.sub(r'<script type="application/ld\+json">.*?</script>', "", body, flags=re.S)
    assert "<script" not in body.lower()
    assert "<img" not in body.lower()
    assert "onerror=alert(1)&gt;" in body  # the payload is there, as text
    assert "&lt;script&gt;" in body
