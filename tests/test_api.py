import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.cache import cache

from tests import factories as f
from tests.worlds import make_world
from tracker import models
from tracker.api.throttling import AnonymousReaderThrottle

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/plans/",
    "/api/v1/versions/",
    "/api/v1/clauses/",
    "/api/v1/topics/",
    "/api/v1/parties/",
    "/api/v1/actors/",
    "/api/v1/positions/",
    "/api/v1/indicators/",
    "/api/v1/figures/",
    "/api/v1/sources/",
    "/api/v1/events/",
]


@pytest.fixture
def world():
    return make_world(2)


def results(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_clause_is_found_by_plan_version_and_number_as_by_its_id(client, world):
    clause = world["clauses"][0]
    by_key = client.get("/api/v1/clauses/us-framework/28-point/1/").json()
    by_id = client.get(f"/api/v1/clauses/{clause.pk}/").json()
    assert by_key == by_id
    assert by_key["id"] == clause.pk
    assert by_key["plan"] == "us-framework" and by_key["version"] == "28-point" and by_key["number"] == "1"
    assert by_key["topics"] == ["armed-forces"]
    assert by_key["page_url"] == "http://testserver/plans/us-framework/28-point/1/"
    assert by_key["targets"] == [
        {"indicator": "ua-forces", "comparator": "lte", "value": "600000.000", "label": "", "note": ""}
    ]
    [link] = by_key["links_forward"]
    assert link["relation"] == "reworded"
    assert link["to_clause"]["version"] == "19-point" and link["to_clause"]["number"] == "1"
    later = client.get(f"/api/v1/clauses/{link['to_clause']['id']}/").json()
    assert later["links_back"][0]["from_clause"]["id"] == clause.pk


def test_versions_are_looked_up_by_plan_and_version_slug(client, world):
    data = client.get("/api/v1/versions/us-framework/19-point/").json()
    assert data["name"] == "19-point revision"
    assert data["based_on"] == {"plan": "us-framework", "slug": "28-point", "name": "28-point draft"}
    assert data["claims"][0]["value"] == "19"
    assert client.get("/api/v1/versions/us-framework/no-such-version/").status_code == 404


def test_a_figure_carries_its_gap_to_each_target_of_its_indicator(client, world):
    [figure, *_] = results(client, "/api/v1/figures/", ordering="value")
    assert figure["value"] == "800001.000"
    assert len(figure["gaps"]) == 2  # one target per clause of the first version
    gap = figure["gaps"][0]
    assert gap["status"] == "misses"
    assert Decimal(gap["difference"]) == Decimal("200001")
    assert Decimal(gap["percent"]) == Decimal("33.3")
    assert gap["clause"]["version"] == "28-point"


def test_figures_against_a_draft_clause_carry_no_gap(client, world):
    draft_clause = f.ClauseFactory(version=world["first"], is_published=False)
    f.ClauseTargetFactory(clause=draft_clause, indicator=world["indicator"])
    for figure in results(client, "/api/v1/figures/"):
        assert draft_clause.pk not in [gap["clause"]["id"] for gap in figure["gaps"]]
        assert len(figure["gaps"]) == 2


def test_each_object_carries_the_address_of_its_public_page(client, world):
    site = "http://testserver"
    assert client.get("/api/v1/plans/us-framework/").json()["page_url"] == f"{site}/plans/us-framework/"
    version = client.get("/api/v1/versions/us-framework/28-point/").json()
    assert version["page_url"] == f"{site}/plans/us-framework/28-point/"
    assert client.get("/api/v1/parties/ukraine/").json()["page_url"] == f"{site}/parties/ukraine/"
    assert client.get("/api/v1/actors/zelensky/").json()["page_url"] == f"{site}/actors/zelensky/"
    assert client.get("/api/v1/indicators/ua-forces/").json()["page_url"] == f"{site}/indicators/ua-forces/"
    source = results(client, "/api/v1/sources/")[0]
    assert source["page_url"] == f"{site}/sources/{source['key']}/"
    position = results(client, "/api/v1/positions/", party="ukraine")[0]
    assert position["page_url"] == f"{site}/positions/{position['id']}/"
    figure = results(client, "/api/v1/figures/")[0]
    assert figure["page_url"] == f"{site}/figures/{figure['id']}/"
    event = results(client, "/api/v1/events/")[0]
    assert event["page_url"] == f"{site}/timeline/events/{event['id']}/"
    for url in (version["page_url"], source["page_url"]):
        assert client.get(url).status_code == 200, url
    # Rows of paged lists answer with the page that lists them.
    for url in (position["page_url"], figure["page_url"], event["page_url"]):
        assert client.get(url, follow=True).status_code == 200, url


def test_as_of_shows_positions_stated_by_that_date(client, world):
    clause = world["clauses"][0]
    early = results(client, "/api/v1/positions/", clause=clause.pk, as_of="2025-11-22")
    assert [p["stance"] for p in early] == ["supports"]
    now = results(client, "/api/v1/positions/", clause=clause.pk)
    assert [p["stance"] for p in now] == ["supports", "rejects"]


def test_latest_gives_each_partys_latest_position_and_other_filters_only_narrow_it(client, world):
    clause = world["clauses"][0]
    assert [p["stance"] for p in results(client, "/api/v1/positions/", clause=clause.pk, latest="true")] == ["rejects"]
    # The latest position is a rejection, so asking for the latest support finds nothing.
    assert results(client, "/api/v1/positions/", clause=clause.pk, latest="true", stance="supports") == []
    as_of = results(client, "/api/v1/positions/", clause=clause.pk, latest="true", as_of="2025-11-22")
    assert [p["stance"] for p in as_of] == ["supports"]


def test_clauses_filter_by_a_partys_latest_stance(client, world):
    rejected = results(client, "/api/v1/clauses/", party="ukraine", stance="rejects")
    assert sorted(c["id"] for c in rejected) == sorted(c.pk for c in world["clauses"])
    before = results(client, "/api/v1/clauses/", party="ukraine", stance="rejects", as_of="2025-11-22")
    assert before == []
    assert len(results(client, "/api/v1/clauses/", topic="armed-forces")) == 2


def test_positions_and_events_filter_by_the_source_they_cite(client, world):
    position = models.Position.objects.filter(other_sources__isnull=False).first()
    further = position.other_sources.get()
    assert [p["id"] for p in results(client, "/api/v1/positions/", source=further.key)] == [position.pk]
    assert [p["id"] for p in results(client, "/api/v1/positions/", source=position.source.key)] == [position.pk]
    event = models.Event.objects.first()
    assert [e["id"] for e in results(client, "/api/v1/events/", source=event.sources.get().key)] == [event.pk]


def test_updated_since_returns_only_rows_changed_since(client, world):
    assert len(results(client, "/api/v1/events/", updated_since="2000-01-01T00:00:00Z")) == 2
    # An offset PostgreSQL would refuse is converted to UTC first.
    assert len(results(client, "/api/v1/events/", updated_since="2000-01-01T00:00:00-17:21")) == 2
    assert results(client, "/api/v1/events/", updated_since="2999-01-01T00:00:00Z") == []


def test_ordering_uses_the_allow_list_and_ends_in_pk(client, world):
    values = [r["value"] for r in results(client, "/api/v1/figures/", ordering="-value")]
    assert values == sorted(values, reverse=True)
    # A field outside the allow-list is ignored, not a server error.
    response = client.get("/api/v1/figures/", {"ordering": "gaps"})
    assert response.status_code == 200


def test_comparing_two_versions_reports_each_clause_pairing(client, world):
    old = world["clauses"][0]
    old.text = "Forces capped at 600,000."
    old.save()
    new = old.links_forward.get().to_clause
    new.text = "Forces capped at 800,000."
    new.save()
    data = client.get("/api/v1/versions/us-framework/28-point/compare/19-point/").json()
    assert data["rows"][0]["text_diff"] == "Forces capped at <del>600,000</del><ins>800,000</ins>."
    assert data["rows"][1]["text_diff"] is None  # the texts of point 2 are not known
    clause = client.get(f"/api/v1/clauses/{old.pk}/").json()
    assert clause["links_forward"][0]["text_diff"] == data["rows"][0]["text_diff"]
    assert data["earlier"]["slug"] == "28-point" and data["later"]["slug"] == "19-point"
    assert data["counts"]["reworded"] == 2
    assert [row["change"] for row in data["rows"]] == ["reworded", "reworded"]
    backwards = client.get("/api/v1/versions/us-framework/19-point/compare/28-point/").json()
    assert backwards["reversed"] is True


def test_drafts_never_reach_the_api_the_feeds_or_the_dataset_download(client, world):
    draft_version = f.PlanVersionFactory(plan=world["plan"], slug="draft-version", is_published=False)
    draft_clause = f.ClauseFactory(version=draft_version, heading="DRAFT-CLAUSE-HEADING")
    draft_position = f.PositionFactory(
        party=world["party"], clause=world["clauses"][0], quote="DRAFT-POSITION-QUOTE", is_published=False
    )
    draft_figure = f.FigureFactory(indicator=world["indicator"], claimed_by="DRAFT-FIGURE-CLAIM", is_published=False)
    draft_event = f.EventFactory(title="DRAFT-EVENT-TITLE", is_published=False)
    f.ClauseLinkFactory(from_clause=world["clauses"][0], to_clause=draft_clause)
    draft_plan = f.PlanFactory(slug="draft-plan", title="DRAFT-PLAN-TITLE", is_published=False)

    bodies = []
    for url in LISTS:
        response = client.get(url, {"page_size": 200})
        assert response.status_code == 200
        bodies.append(response.content.decode())
    for url in ["/feeds/positions/", "/feeds/positions/party/ukraine/", "/feeds/positions/us-framework/28-point/1/"]:
        bodies.append(client.get(url).content.decode())
    bodies.append(client.get("/feeds/versions/").content.decode())
    with zipfile.ZipFile(io.BytesIO(client.get("/data/tracker-dataset.zip").content)) as archive:
        csv_files = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}
    bodies.extend(csv_files.values())
    text = "\n".join(bodies)
    for marker in ["DRAFT-CLAUSE-HEADING", "DRAFT-POSITION-QUOTE", "DRAFT-FIGURE-CLAIM", "DRAFT-EVENT-TITLE"]:
        assert marker not in text
    assert "draft-version" not in text and "DRAFT-PLAN-TITLE" not in text
    # No row of the dataset refers to a draft by id either.
    draft_ids = {
        "clauses.csv": draft_clause.pk,
        "positions.csv": draft_position.pk,
        "figures.csv": draft_figure.pk,
        "events.csv": draft_event.pk,
        "versions.csv": draft_version.pk,
        "plans.csv": draft_plan.pk,
    }
    for name, pk in draft_ids.items():
        [path] = [p for p in csv_files if p.endswith("/" + name)]
        ids = [row["id"] for row in csv.DictReader(io.StringIO(csv_files[path]))]
        assert str(pk) not in ids, name
    assert client.get(f"/feeds/positions/us-framework/draft-version/{draft_clause.number}/").status_code == 404
    for url in [
        f"/api/v1/clauses/{draft_clause.pk}/",
        f"/api/v1/positions/{draft_position.pk}/",
        f"/api/v1/figures/{draft_figure.pk}/",
        f"/api/v1/events/{draft_event.pk}/",
        "/api/v1/versions/us-framework/draft-version/",
        f"/api/v1/plans/{draft_plan.slug}/",
        "/api/v1/versions/us-framework/28-point/compare/draft-version/",
    ]:
        assert client.get(url).status_code == 404, url
    # A filter naming a draft plan is refused like an unknown one.
    assert client.get("/api/v1/versions/", {"plan": "draft-plan"}).status_code == 400


@pytest.mark.parametrize(
    "url, params",
    [
        ("/api/v1/positions/", {"party": "no-such-party"}),
        ("/api/v1/positions/", {"stance": "adores"}),
        ("/api/v1/positions/", {"as_of": "2025-13-45"}),
        ("/api/v1/positions/", {"as_of": "yesterday"}),
        ("/api/v1/figures/", {"updated_since": "not-a-date"}),
        ("/api/v1/figures/", {"updated_since": "9999-12-31T23:59:59-05:00"}),
        ("/api/v1/figures/", {"updated_since": "0001-01-01T00:00:00+05:00"}),
        ("/api/v1/clauses/", {"topic": "no-such-topic"}),
        ("/api/v1/events/", {"happened_after": "2025-02-30"}),
        ("/api/v1/positions/", {"clause": "six"}),
        ("/api/v1/positions/", {"clause": "99999999999999999999999"}),
        ("/api/v1/positions/", {"clause": "1.5"}),
        ("/api/v1/positions/", {"clause": "0"}),
        ("/api/v1/positions/", {"latest": "perhaps"}),
        ("/api/v1/events/", {"title": "x\x00y"}),
    ],
)
def test_bad_query_parameters_get_a_400_with_a_json_body(client, world, url, params):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/positions/?page=999",
        "/api/v1/positions/?page=0",
        "/api/v1/positions/?page=last-but-one",
        "/api/v1/clauses/no-such/plan/9/",
        "/api/v1/clauses/999999/",
        "/api/v1/no-such-endpoint/",
        "/api/v1/sources/no-such-key/",
    ],
)
def test_a_page_past_the_end_or_an_unknown_object_gets_a_json_404(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_page_size_is_bounded(client):
    f.EventFactory(sources=[f.SourceFactory(key=f"s{i}") for i in range(5)])  # cited, so public
    data = client.get("/api/v1/sources/", {"page_size": 2}).json()
    assert data["count"] == 5 and len(data["results"]) == 2 and data["next"]
    data = client.get("/api/v1/sources/", {"page_size": 100000}).json()
    assert len(data["results"]) == 5  # capped at 200, which is more than there are


DETAILS = [
    "/api/v1/plans/us-framework/",
    "/api/v1/versions/us-framework/28-point/",
    "/api/v1/clauses/us-framework/28-point/1/",
    "/api/v1/parties/ukraine/",
    "/api/v1/actors/zelensky/",
    "/api/v1/indicators/ua-forces/",
    "/api/v1/topics/armed-forces/",
    "/api/v1/versions/us-framework/28-point/compare/19-point/",
]


def _max_queries_per_endpoint(client, django_assert_max_num_queries, limit):
    for url in LISTS + DETAILS:
        with django_assert_max_num_queries(limit, info=url):
            response = client.get(url, {"page_size": 200} if url in LISTS else {})
        assert response.status_code == 200, url


@pytest.mark.parametrize("size", [2, 8])
def test_every_endpoint_runs_a_bounded_number_of_queries_whatever_the_data_size(
    client, django_assert_max_num_queries, size
):
    make_world(size)
    # The same ceiling at both sizes: related rows come in a fixed number of prefetch queries.
    _max_queries_per_endpoint(client, django_assert_max_num_queries, 12)


def test_a_matching_conditional_request_gets_304(client, world):
    first = client.get("/api/v1/clauses/")
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert client.get("/api/v1/clauses/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/api/v1/clauses/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    # Another address has another ETag; a change to the data makes the old one stale.
    assert client.get("/api/v1/clauses/?page_size=1", HTTP_IF_NONE_MATCH=etag).status_code == 200
    event = models.Event.objects.first()
    event.title = "Renamed"
    event.save()
    models.Event.objects.filter(pk=event.pk).update(updated_at=event.updated_at + datetime.timedelta(seconds=5))
    assert client.get("/api/v1/clauses/", HTTP_IF_NONE_MATCH=etag).status_code == 200


OPEN_DATA = [
    "/api/v1/clauses/",
    "/api/v1/sources/",
    "/feeds/positions/",
    "/feeds/versions/",
    "/data/tracker-dataset.zip",
]


def _validators(client):
    responses = {url: client.get(url) for url in OPEN_DATA}
    assert all(response.status_code == 200 for response in responses.values())
    return {url: (response["ETag"], response["Last-Modified"]) for url, response in responses.items()}


def _still_current(client, validators):
    return {url: client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304 for url, (etag, _) in validators.items()}


def test_drafts_changing_leave_the_open_datas_etag_and_last_modified_as_they_were(client, world):
    before = _validators(client)
    # A source, topic and indicator entered for the draft stay with it: readers see none of them yet.
    source = f.SourceFactory(title="A leaked memo")
    draft_version = f.PlanVersionFactory(plan=world["plan"], slug="draft", is_published=False, sources=[source])
    draft_clause = f.ClauseFactory(version=draft_version, is_published=False)
    draft_clause.topics.add(f.TopicFactory(name="A new subject"))
    f.ClauseTargetFactory(clause=draft_clause, indicator=f.IndicatorFactory(name="A new measure"))
    later = f.ClauseFactory(version=world["second"], number="99", is_published=False)
    f.ClauseLinkFactory(from_clause=draft_clause, to_clause=later, source=source)
    models.ClauseLink.objects.filter(from_clause=draft_clause).delete()
    models.VersionClaim.objects.create(
        version=draft_version,
        attribute="points",
        value="20",
        stated_on=datetime.date(2025, 11, 25),
        source=source,
    )
    draft_position = f.PositionFactory(
        party=world["party"],
        actor=f.ActorFactory(party=world["party"], name="A new envoy"),
        clause=world["clauses"][0],
        is_published=False,
        source=source,
    )
    draft_position.note = "Still checking."
    draft_position.save()
    f.EventFactory(title="Unannounced talks", is_published=False, sources=[source]).delete()
    f.FigureFactory(indicator=world["indicator"], is_published=False, source=source)
    assert _validators(client) == before
    assert all(_still_current(client, before).values())

    draft_position.is_published = True
    draft_position.save()
    published = _validators(client)
    assert not any(_still_current(client, before).values())  # publishing is a change readers see

    draft_position.is_published = False
    draft_position.save()
    assert not any(_still_current(client, published).values())  # and so is withdrawing it


def test_deleting_a_published_row_changes_the_open_datas_etag(client, world):
    before = _validators(client)
    models.Event.objects.published().first().delete()
    assert not any(_still_current(client, before).values())


def test_the_data_stamp_counts_an_edit_to_a_source_or_indicator_only_while_something_published_uses_it(world):
    from tracker.conditional import _read_content_stamp

    def edited(row):
        row.name = row.name + " (edited)" if hasattr(row, "name") else row.title + " (edited)"
        row.save()
        return row.history.latest().history_date

    # Used through a many-to-many (a published figure's other sources) and through a published clause's term.
    cited = f.SourceFactory(title="Cited as a further source")
    f.FigureFactory(indicator=world["indicator"]).other_sources.add(cited)
    measured = f.IndicatorFactory(slug="measured", name="A measure a published point has as a term")
    f.ClauseTargetFactory(clause=world["clauses"][1], indicator=measured, value=Decimal("5"))
    # Used by drafts only: readers see neither.
    unseen = f.SourceFactory(title="Cited by a draft only")
    f.FigureFactory(indicator=world["indicator"], is_published=False, source=unseen)
    hidden = f.IndicatorFactory(slug="hidden", name="A measure only a draft has")
    f.FigureFactory(indicator=hidden, is_published=False)

    for row in (cited, measured):
        when = edited(row)
        assert _read_content_stamp() == when
    edited(unseen), edited(hidden)
    assert _read_content_stamp() == when


def _forget_throttle_history():
    """Drop the test client's request history, and only that: the cache may be a shared Redis database."""
    throttle = AnonymousReaderThrottle
    cache.delete(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})


def test_anonymous_clients_past_the_rate_get_429_with_retry_after(client, settings):
    settings.API_ANON_THROTTLE_RATE = "3/minute"
    _forget_throttle_history()
    try:
        statuses = [client.get("/api/v1/parties/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/parties/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "throttled" in response.json()["detail"].lower()
    finally:
        _forget_throttle_history()


def test_a_draft_previews_data_stamp_is_never_the_one_readers_are_given(world, settings):
    from tracker.cache import bump_generation
    from tracker.conditional import _read_content_stamp, content_stamp
    from tracker.models.base import drafts_included

    settings.PAGE_CACHE_SECONDS = 300
    unseen = f.SourceFactory(title="Cited by a draft only")
    f.FigureFactory(indicator=world["indicator"], is_published=False, source=unseen)
    readers_stamp = _read_content_stamp()
    unseen.title += " (edited)"
    unseen.save()
    bump_generation()
    with drafts_included():
        previewed = content_stamp()
    assert previewed == unseen.history.latest().history_date, "the preview counts the draft's source"
    assert content_stamp() == readers_stamp != previewed
