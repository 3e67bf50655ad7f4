"""Sources, actors, topics and indicators entered for a draft stay with the editors on every surface
(pages, search, API, feeds, CSV, the dataset zip) until something published cites or uses them."""

import datetime
import io
import zipfile

import pytest

from tests import factories as f
from tests.worlds import make_world
from tracker import models

pytestmark = pytest.mark.django_db

SECRET = "Zanzibarleak"
# The names only the draft's source, topic, indicator and actor carry (a search page repeats the query itself).
NAMES = [f"{SECRET} memo", f"{SECRET} Wire", f"{SECRET} topic", f"{SECRET} indicator", f"{SECRET} envoy"]


@pytest.fixture
def draft():
    """A published world, and a draft version whose new source, topic, actor and indicator exist only for it."""
    world = make_world(1)
    source = f.SourceFactory(key="s-secret", title=f"{SECRET} memo", publisher=f"{SECRET} Wire")
    version = f.PlanVersionFactory(plan=world["plan"], slug="draft", is_published=False, sources=[source])
    clause = f.ClauseFactory(version=version, number="1", heading="Draft point", is_published=False)
    topic = f.TopicFactory(slug="secret-topic", name=f"{SECRET} topic")
    clause.topics.add(topic)
    indicator = f.IndicatorFactory(slug="secret-indicator", name=f"{SECRET} indicator")
    f.ClauseTargetFactory(clause=clause, indicator=indicator)
    f.FigureFactory(indicator=indicator, source=source, is_published=False)
    actor = f.ActorFactory(party=world["party"], slug="secret-actor", name=f"{SECRET} envoy")
    position = f.PositionFactory(
        party=world["party"],
        actor=actor,
        clause=clause,
        source=source,
        stated_on=datetime.date(2025, 11, 21),
        is_published=False,
    )
    return {
        "world": world,
        "source": source,
        "version": version,
        "clause": clause,
        "topic": topic,
        "indicator": indicator,
        "actor": actor,
        "position": position,
    }


def _body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def _zip_text(client):
    response = client.get("/data/tracker-dataset.zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())


LISTS = [
    "/sources/",
    "/sources/?format=csv",
    "/indicators/",
    "/indicators/?format=csv",
    "/plans/us-framework/28-point/",  # its topic filter lists topics
    "/timeline/",  # its speaker filter lists actors
    f"/search/?q={SECRET}",
    f"/search/?q={SECRET}&kind=sources",
    f"/search/?q={SECRET}&kind=indicators",
    "/api/v1/sources/",
    "/api/v1/topics/",
    "/api/v1/actors/",
    "/api/v1/indicators/",
    "/feeds/positions/",
    "/feeds/versions/",
]
DETAILS = [
    "/sources/s-secret/",
    "/actors/secret-actor/",
    "/indicators/secret-indicator/",
    "/indicators/secret-indicator/chart.svg",
    "/feeds/figures/secret-indicator/",
    "/api/v1/sources/s-secret/",
    "/api/v1/topics/secret-topic/",
    "/api/v1/actors/secret-actor/",
    "/api/v1/indicators/secret-indicator/",
]


def test_what_only_a_draft_uses_is_on_no_public_surface(client, draft):
    for url in LISTS:
        response = client.get(url)
        assert response.status_code == 200, url
        body = _body(response)
        assert not [name for name in NAMES if name in body], url
    for url in DETAILS:
        assert client.get(url).status_code == 404, url
    assert SECRET not in _zip_text(client)
    # Asking the API to filter by the draft's source or actor learns nothing either.
    assert client.get("/api/v1/positions/", {"source": "s-secret"}).status_code == 400
    assert client.get("/api/v1/positions/", {"actor": "secret-actor"}).status_code == 400


def test_once_published_what_the_draft_uses_appears_everywhere(client, draft):
    version = draft["version"]
    version.is_published = True
    version.save()
    models.Clause.objects.filter(pk=draft["clause"].pk).update(is_published=True)
    models.Position.objects.filter(pk=draft["position"].pk).update(is_published=True)
    for url in DETAILS:
        assert client.get(url).status_code in (200, 404), url
    for url in ["/sources/s-secret/", "/actors/secret-actor/", "/indicators/secret-indicator/"]:
        assert SECRET in _body(client.get(url)), url
    for url in [
        "/api/v1/sources/s-secret/",
        "/api/v1/topics/secret-topic/",
        "/api/v1/actors/secret-actor/",
        "/api/v1/indicators/secret-indicator/",
    ]:
        assert client.get(url).status_code == 200, url
    for url in [
        "/sources/",
        "/sources/?format=csv",
        "/indicators/",
        "/plans/us-framework/draft/",
        f"/search/?q={SECRET}&kind=sources",
        "/api/v1/topics/",
    ]:
        assert SECRET in _body(client.get(url)), url
    zipped = _zip_text(client)
    assert f"{SECRET} memo" in zipped and f"{SECRET} topic" in zipped and f"{SECRET} envoy" in zipped


def test_a_source_cited_only_by_a_published_figure_or_event_is_public(db):
    figure_source, event_source, unused = f.SourceFactory(), f.SourceFactory(), f.SourceFactory()
    f.FigureFactory(source=figure_source)
    f.EventFactory(sources=[event_source])
    f.EventFactory(sources=[unused], is_published=False)
    assert set(models.Source.objects.public()) == {figure_source, event_source}


def _cite(kind, source):
    """A published row citing ``source`` in one way only; returns (the row, the row whose publication decides)."""
    if kind == "figure":
        figure = f.FigureFactory(source=source)
        return figure, figure
    if kind == "figure, other sources":
        figure = f.FigureFactory()
        figure.other_sources.add(source)
        return figure, figure
    if kind == "position":
        position = f.PositionFactory(source=source)
        return position, position
    if kind == "position, other sources":
        position = f.PositionFactory()
        position.other_sources.add(source)
        return position, position
    if kind == "event":
        event = f.EventFactory()
        event.sources.set([source])
        return event, event
    if kind == "version":
        version = f.PlanVersionFactory(sources=[source])
        return version, version
    if kind == "clause":
        clause = f.ClauseFactory()
        clause.sources.set([source])
        return clause, clause
    if kind == "link":
        link = f.ClauseLinkFactory(source=source)
        return link, link.from_clause
    if kind == "claim":
        version = f.PlanVersionFactory()
        claim = models.VersionClaim.objects.create(
            version=version, attribute="points", value="28", stated_on=datetime.date(2025, 11, 20), source=source
        )
        return claim, version
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "figure",
        "figure, other sources",
        "position",
        "position, other sources",
        "event",
        "version",
        "clause",
        "link",
        "claim",
    ],
)
def test_a_source_is_public_exactly_while_something_published_cites_it(kind):
    source = f.SourceFactory(key="s-cited")
    f.SourceFactory(key="s-never-cited")
    row, deciding = _cite(kind, source)
    public = lambda: set(models.Source.objects.public().filter(key__startswith="s-").values_list("key", flat=True))  # noqa: E731
    assert public() == {"s-cited"}
    # Unpublished in bulk (as the admin's actions do, without signals), then published again, then deleted.
    type(deciding).objects.filter(pk=deciding.pk).update(is_published=False)
    assert public() == set()
    assert models.Source.objects.public().filter(pk=source.pk).count() == 0
    type(deciding).objects.filter(pk=deciding.pk).update(is_published=True)
    assert public() == {"s-cited"}
    row.delete()
    assert public() == set()


def test_an_actor_and_an_indicator_are_public_exactly_while_something_published_uses_them():
    actor = f.ActorFactory(slug="a-speaker")
    position = f.PositionFactory(actor=actor, party=actor.party)
    f.PositionFactory(actor=None)  # a published use without an actor
    indicator = f.IndicatorFactory(slug="i-measured")
    figure = f.FigureFactory(indicator=indicator)
    assert models.Actor.objects.public().filter(slug="a-speaker").exists()
    assert models.Indicator.objects.public().filter(slug="i-measured").exists()
    models.Position.objects.filter(pk=position.pk).update(is_published=False)
    models.Figure.objects.filter(pk=figure.pk).update(is_published=False)
    assert not models.Actor.objects.public().filter(slug="a-speaker").exists()
    assert not models.Indicator.objects.public().filter(slug="i-measured").exists()
    # The published position without an actor makes no actor public, nor hides one from an exclusion (NOT IN).
    assert models.Actor.objects.exclude(pk__in=models.Actor.objects.public()).filter(slug="a-speaker").exists()
