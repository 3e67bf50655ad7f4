import csv
import datetime
import io

import pytest

from tests.factories import (
    ClauseFactory,
    ClauseLinkFactory,
    EventFactory,
    FigureFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
)
from tests.public_data import DRAFT_MARK, build_world
from tracker.models import Reliability, VersionClaim

pytestmark = pytest.mark.django_db


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_source_page_lists_everything_that_cites_it_and_nothing_that_is_a_draft(client):
    source = SourceFactory(key="S21", title="Geneva talks reduce plan", publisher="LIGA.net")
    version = PlanVersionFactory(name="19-point revision", sources=[source])
    VersionClaim.objects.create(
        version=version, attribute="number of points", value="22", stated_on=datetime.date(2025, 11, 25), source=source
    )
    clause = ClauseFactory(version=version, number="4", heading="Security guarantee")
    clause.sources.add(source)
    earlier = ClauseFactory(version=PlanVersionFactory(plan=version.plan, released_on=datetime.date(2025, 11, 20)))
    link = ClauseLinkFactory(from_clause=earlier, to_clause=clause, source=source, note="Guarantee made explicit")
    PositionFactory(clause=clause, quote="Cited directly", source=source)
    corroborated = PositionFactory(clause=clause, quote="Corroborated here")
    corroborated.other_sources.add(source)
    FigureFactory(claimed_by="Figure cited directly", source=source)
    FigureFactory(claimed_by="Figure corroborated here").other_sources.add(source)
    EventFactory(title="Geneva talks", sources=[source])
    # Drafts citing the source.
    PlanVersionFactory(name=f"{DRAFT_MARK} version", is_published=False, sources=[source])
    ClauseFactory(version=version, number="99", heading=f"{DRAFT_MARK} clause", is_published=False).sources.add(source)
    PositionFactory(clause=clause, quote=f"{DRAFT_MARK} position", source=source, is_published=False)
    FigureFactory(claimed_by=f"{DRAFT_MARK} figure", source=source, is_published=False)
    EventFactory(title=f"{DRAFT_MARK} event", sources=[source], is_published=False)

    response = client.get("/sources/S21/")
    body = response.content.decode()
    for text in [
        "Geneva talks reduce plan",
        "LIGA.net",
        "19-point revision",
        "number of points is 22",
        "Security guarantee",
        "Guarantee made explicit",
        "Cited directly",
        "Corroborated here",
        "Figure cited directly",
        "Figure corroborated here",
        "Geneva talks",
        link.from_clause.get_absolute_url(),
    ]:
        assert text in body, text
    assert DRAFT_MARK not in body


def test_a_source_nothing_published_cites_is_not_shown_to_readers(client):
    # Entered for a draft, its title alone could say what the draft is about.
    source = SourceFactory(key="lonely")
    FigureFactory(source=source, is_published=False)
    assert client.get("/sources/lonely/").status_code == 404
    assert "lonely" not in client.get("/sources/").content.decode()


def test_source_list_filters_by_kind_publisher_and_date_and_csv_returns_exactly_those_rows(client):
    for source in [
        SourceFactory(key="tass", publisher="TASS", reliability=Reliability.STATE_MEDIA),
        SourceFactory(key="kyiv", publisher="Kyiv Independent", published_on=datetime.date(2025, 11, 25)),
        SourceFactory(key="old", publisher="Kyiv Independent", published_on=datetime.date(2024, 1, 1)),
    ]:
        FigureFactory(source=source)  # readers see sources something published cites
    state = client.get("/sources/", {"reliability": "state"})
    assert [source.key for source in state.context["page"]] == ["tass"]
    recent = {"publisher": "kyiv", "published_after": "2025-01-01"}
    assert [source.key for source in client.get("/sources/", recent).context["page"]] == ["kyiv"]
    rows = csv_rows(client.get("/sources/", {**recent, "format": "csv"}))
    assert [row["key"] for row in rows] == ["kyiv"]
    assert len(csv_rows(client.get("/sources/", {"format": "csv"}))) == 3


@pytest.mark.parametrize(
    "query, message",
    [
        ({"reliability": "tabloid"}, "Select a valid choice"),
        ({"published_after": "last week"}, "Enter a valid date"),
        ({"published_after": "2025-12-01", "published_before": "2025-11-01"}, "must not be after its end"),
        ({"page": "first"}, "whole number"),
    ],
)
def test_malformed_source_filters_get_a_message_not_the_whole_list(client, query, message):
    SourceFactory()
    response = client.get("/sources/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_unknown_source_gets_the_404_page(client):
    response = client.get("/sources/S999/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


QUERY_LIMITS = {
    # The page's rows, carrying their count (which sources readers may see is costly to work out twice),
    # and the content stamp.
    "/sources/": 2,
    "/sources/?reliability=standard&publisher=wire": 2,
    "/sources/?format=csv": 1,
    "/sources/s000/": 11,
    "/sources/s001/": 11,
}


@pytest.mark.parametrize("scale", [1, 4])
def test_source_pages_run_the_same_bounded_number_of_queries_at_any_size(client, django_assert_max_num_queries, scale):
    build_world(scale)
    for url, most in QUERY_LIMITS.items():
        with django_assert_max_num_queries(most, info=url):
            response = client.get(url)
            if response.streaming:
                response.getvalue()
        assert response.status_code == 200
