import csv
import importlib
import io

import pytest
from django.db import connection

from tests.factories import (
    ClauseFactory,
    EventFactory,
    FigureFactory,
    IndicatorFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
)
from tests.public_data import DRAFT_MARK, build_world
from tracker.models import Clause, Event
from tracker.selectors import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    """Published content mentioning Zaporizhzhia in each searchable field, and drafts that do too."""
    ClauseFactory(number="12", heading="Nuclear plant", text="The Zaporizhzhia plant restarts under IAEA oversight.")
    PositionFactory(quote="Zaporizhzhia must stay under Ukrainian control")
    FigureFactory(indicator=IndicatorFactory(name="Power output"), claimed_by="Zaporizhzhia plant operator")
    EventFactory(
        title="IAEA visit",
        description="Inspectors reached Zaporizhzhia.",
        sources=[SourceFactory(key="S15", title="Zaporizhzhia plant to be restarted under IAEA")],
    )
    # A source only a draft cites stays out of search.
    EventFactory(is_published=False, sources=[SourceFactory(key="S99", title=f"{DRAFT_MARK} Zaporizhzhia memo")])
    ClauseFactory(heading=f"{DRAFT_MARK} Zaporizhzhia", is_published=False)
    ClauseFactory(
        version=PlanVersionFactory(is_published=False), heading=f"{DRAFT_MARK} Zaporizhzhia in a draft version"
    )
    PositionFactory(quote=f"{DRAFT_MARK} Zaporizhzhia", is_published=False)
    FigureFactory(claimed_by=f"{DRAFT_MARK} Zaporizhzhia", is_published=False)
    EventFactory(title=f"{DRAFT_MARK} Zaporizhzhia", is_published=False)


def counts(response):
    return {section["kind"].slug: section["count"] for section in response.context["sections"]}


# Sources are asked one by one whether something published cites them when few match, or all at once.
@pytest.mark.parametrize("few_rows", [search.FEW_ROWS, 0])
def test_search_finds_a_word_in_every_kind_of_published_content_and_no_draft(client, content, few_rows, monkeypatch):
    monkeypatch.setattr(search, "FEW_ROWS", few_rows)
    response = client.get("/search/", {"q": "zaporizhzhia"})
    assert counts(response) == {"points": 1, "positions": 1, "figures": 1, "indicators": 0, "sources": 1, "events": 1}
    body = response.content.decode()
    assert "Nuclear plant" in body
    assert "Zaporizhzhia must stay under Ukrainian control" in body
    assert "Zaporizhzhia plant operator" in body
    assert "S15: Zaporizhzhia plant to be restarted under IAEA" in body
    assert "IAEA visit" in body
    assert DRAFT_MARK not in body


def test_every_word_must_match_somewhere(client, content):
    response = client.get("/search/", {"q": "IAEA   restarted"})
    assert counts(response)["sources"] == 1
    assert counts(response)["points"] == 0  # the point says "restarts", not "restarted"
    assert response.context["query"] == "IAEA restarted"


def test_the_overview_counts_every_match_of_a_kind_and_shows_the_first_few(client):
    EventFactory(sources=[SourceFactory(key=f"c{n:02d}", title=f"Ceasefire report {n}") for n in range(12)])
    response = client.get("/search/", {"q": "ceasefire report"})
    assert counts(response)["sources"] == 12
    sources = next(section for section in response.context["sections"] if section["kind"].slug == "sources")
    assert [source.key for source in sources["items"]] == ["c00", "c01", "c02", "c03", "c04"]
    assert counts(response)["indicators"] == 0


def test_search_in_one_kind_is_paginated(client):
    EventFactory(sources=[SourceFactory(title=f"Ceasefire report {n}") for n in range(55)])
    first = client.get("/search/", {"q": "ceasefire", "kind": "sources"})
    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"]) == 50
    second = client.get("/search/", {"q": "ceasefire", "kind": "sources", "page": "2"})
    assert len(second.context["page"]) == 5
    preview = client.get("/search/", {"q": "ceasefire"})
    assert 'kind=sources">All 55 sources</a>' in preview.content.decode()


def test_search_in_one_kind_downloads_exactly_its_matches_as_csv(client, content):
    response = client.get("/search/", {"q": "zaporizhzhia", "kind": "positions", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row["quote"] for row in rows] == ["Zaporizhzhia must stay under Ukrainian control"]
    points = client.get("/search/", {"q": "zaporizhzhia", "kind": "points", "format": "csv"})
    points = points.getvalue().decode("utf-8-sig")
    assert "Nuclear plant" in points
    assert DRAFT_MARK not in points


def test_an_empty_search_asks_for_words(client):
    for query in [{}, {"q": ""}, {"q": "    "}]:
        response = client.get("/search/", query)
        assert response.status_code == 200
        assert "Type one or more words" in response.content.decode()


def test_an_over_long_search_gets_a_message(client):
    response = client.get("/search/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_an_unknown_kind_gets_a_message(client):
    response = client.get("/search/", {"q": "plan", "kind": "secrets"})
    assert response.status_code == 400
    assert "Choose one of the listed kinds" in response.content.decode()


def test_a_nul_byte_in_the_search_is_refused_not_crashed(client):
    response = client.get("/search/?q=plan%00")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_search_words_are_shown_escaped(client):
    body = client.get("/search/", {"q": '"><img src=x onerror=alert(1)>'}).content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


QUERY_LIMITS = {
    # Two queries per kind (its first matches' ids and, in the same scan, their count; then those rows), one
    # more for sources (which match the words, to ask only those whether they are public), and the page's own.
    "/search/?q=term": 14,
    "/search/?q=report+1": 14,
    "/search/?q=report&kind=sources": 4,
    "/search/?q=term&kind=points": 3,
    "/search/?q=work&kind=positions": 3,
    "/search/?q=officials&kind=figures": 3,
}


@pytest.mark.parametrize("scale", [1, 4])
def test_search_runs_the_same_bounded_number_of_queries_at_any_size(client, django_assert_max_num_queries, scale):
    build_world(scale)
    for url, most in QUERY_LIMITS.items():
        with django_assert_max_num_queries(most, info=url):
            response = client.get(url)
        assert response.status_code == 200


def _found(client, query, kind="points"):
    return {item.pk for item in client.get("/search/", {"q": query, "kind": kind}).context["page"].object_list}


def test_an_edit_is_searched_by_its_new_words_at_once_even_when_saved_in_bulk(client):
    clause = ClauseFactory(heading="Grain corridor", summary="Ships pass the straits.")
    event = EventFactory(title="Talks in Istanbul", description="Delegations met.")
    assert _found(client, "corridor") == {clause.pk}
    clause.heading = "Black Sea shipping"
    clause.save()
    assert _found(client, "corridor") == set()
    assert _found(client, "SHIPPING") == {clause.pk}
    # An update that no save() sees (a bulk edit, an import) is searched as at once.
    Clause.objects.filter(pk=clause.pk).update(summary_uk="Судна проходять протоки.")
    Event.objects.filter(pk=event.pk).update(description="Delegations met in Dolmabahce.")
    assert _found(client, "протоки") == {clause.pk}
    assert _found(client, "Судна") == {clause.pk}
    assert _found(client, "dolmabahce", kind="events") == {event.pk}


def test_the_stored_search_text_holds_each_kinds_own_fields_in_every_language():
    """On PostgreSQL search reads a generated column per table (migration 0015); it must hold exactly the
    columns each kind searches, or a word would be found in a field the kind does not search, or missed."""
    migration = importlib.import_module("tracker.migrations.0015_search_text_on_postgresql")
    for kind in search.KINDS:
        model = kind.queryset().model
        assert kind.model is model, kind.slug
        own = [field for field in kind.fields if "__" not in field]
        assert set(search.SEARCH_TEXT_TABLES[model._meta.db_table]) == set(own), kind.slug
        columns = [column for field in own for column in search.search_columns(model, field)]
        assert migration.COLUMNS[model._meta.db_table] == columns, kind.slug
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                described = connection.introspection.get_table_description(cursor, model._meta.db_table)
            assert "search_text" in {column.name for column in described}, kind.slug
    assert search.ascii_lower("АМНІСТІЯ Amnesty") == "АМНІСТІЯ amnesty"
