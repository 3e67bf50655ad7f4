import csv
import datetime
import io
from decimal import Decimal

import pytest

from tests.factories import ClauseFactory, ClauseTargetFactory, FigureFactory, IndicatorFactory, SourceFactory
from tests.public_data import DRAFT_MARK, build_world
from tracker.models import FigureKind

pytestmark = pytest.mark.django_db


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


@pytest.fixture
def forces():
    """An army-size indicator with two disagreeing sources, a range, a cap and a draft figure."""
    indicator = IndicatorFactory(slug="forces", name="Armed forces personnel", unit="personnel")
    axios, ft = SourceFactory(key="axios", publisher="Axios"), SourceFactory(key="ft", publisher="FT")
    FigureFactory(indicator=indicator, value=Decimal(800_000), source=axios, claimed_by="Officials cited by Axios")
    FigureFactory(
        indicator=indicator,
        value=None,
        low=Decimal(850_000),
        high=Decimal(880_000),
        source=ft,
        kind=FigureKind.ESTIMATE,
        claimed_by="Analysts cited by the FT",
    )
    FigureFactory(
        indicator=indicator,
        value=Decimal(700_000),
        period_end=datetime.date(2025, 1, 1),
        reported_on=datetime.date(2025, 1, 5),
        source=axios,
        kind=FigureKind.OFFICIAL,
    )
    FigureFactory(indicator=indicator, value=Decimal(1), claimed_by=DRAFT_MARK, is_published=False)
    clause = ClauseFactory(number="6", heading="Force cap")
    ClauseTargetFactory(clause=clause, indicator=indicator, value=Decimal(600_000), label="peacetime cap")
    context = ClauseFactory(number="9", heading="Mobilisation")
    context.context_indicators.add(indicator)
    draft = ClauseFactory(heading=f"{DRAFT_MARK} clause", is_published=False)
    draft.context_indicators.add(indicator)
    ClauseTargetFactory(clause=draft, indicator=indicator, value=Decimal(5), label=DRAFT_MARK)
    return indicator


def test_indicator_list_counts_published_figures_and_plan_terms(client, forces):
    response = client.get("/indicators/")
    [indicator] = response.context["page"]
    assert (indicator.figure_count, indicator.target_count) == (3, 1)
    assert indicator.last_reported_on == datetime.date(2025, 11, 21)
    rows = csv_rows(client.get("/indicators/", {"format": "csv"}))
    assert [(row["slug"], row["published_figures"], row["clause_terms"]) for row in rows] == [("forces", "3", "1")]


def test_indicator_page_charts_and_tabulates_every_published_figure(client, forces):
    response = client.get("/indicators/forces/")
    body = response.content.decode()
    assert response.context["figure_count"] == 3
    chart = str(response.context["chart"])
    assert chart.count('class="figure kind-') == 3
    assert 'aria-labelledby="chart-forces-title chart-forces-desc"' in chart
    # No script runs on the page: its only script element is the figures' JSON-LD, a data block.
    assert body.count("<script") == 1 and '<script type="application/ld+json">' in body
    # The table beside the chart gives the same figures as text, oldest first.
    table_values = [figure.display_value for figure, _, _ in response.context["rows"]]
    assert table_values == ["700,000", "800,000", "850,000-880,000"]
    assert "Analysts cited by the FT" in body
    assert DRAFT_MARK not in body


def test_indicator_page_shows_each_latest_figures_gap_to_the_plan_term_without_averaging(client, forces):
    body = client.get("/indicators/forces/").content.decode()
    assert "peacetime cap: at most 600,000 personnel" in body
    # Both sources describing the latest date get their own gap.
    # In plain words: which side of the cap, and by how much.
    assert '<span class="gap-misses">above the cap by 200,000 (33.3%)</span>' in body
    assert '<span class="gap-misses">above the cap by 250,000 to 280,000</span>' in body
    assert "Mobilisation" in body  # a context clause


def test_indicator_page_as_of_a_date_shows_only_figures_reported_by_then(client, forces):
    response = client.get("/indicators/forces/", {"as_of": "2025-06-01"})
    assert [figure.display_value for figure, _, _ in response.context["rows"]] == ["700,000"]
    assert "Showing the state of play on" in response.content.decode()
    rows = csv_rows(client.get("/indicators/forces/", {"as_of": "2025-06-01", "format": "csv"}))
    assert [row["value"] for row in rows] == ["700000.000"]


def test_indicator_figures_csv_has_every_published_figure_and_no_draft(client, forces):
    rows = csv_rows(client.get("/indicators/forces/", {"format": "csv"}))
    assert len(rows) == 3
    assert {row["source_key"] for row in rows} == {"axios", "ft"}
    assert all(row["claimed_by"] != DRAFT_MARK for row in rows)


def test_an_indicator_without_figures_says_so_instead_of_drawing_an_empty_chart(client):
    ClauseTargetFactory(indicator=IndicatorFactory(slug="empty"))  # a published point's term, no figures yet
    response = client.get("/indicators/empty/")
    assert response.context["chart"] == ""
    assert "No published figures" in response.content.decode()


def test_unknown_indicator_gets_the_404_page(client):
    response = client.get("/indicators/no-such-thing/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.parametrize("query", [{"as_of": "2025-13-45"}, {"page": "-1"}, {"page": "x"}])
def test_malformed_input_on_indicator_pages_gets_a_message(client, forces, query):
    response = client.get("/indicators/forces/", query)
    assert response.status_code in (400, 404)
    assert "Peace-plan tracker" in response.content.decode()


QUERY_LIMITS = {
    "/indicators/": 3,
    "/indicators/?format=csv": 1,
    "/indicators/armed-forces-personnel/": 6,
    "/indicators/armed-forces-personnel/?as_of=2025-11-01": 6,
    "/indicators/armed-forces-personnel/?format=csv": 2,
}


@pytest.mark.parametrize("scale", [1, 4])
def test_indicator_pages_run_the_same_bounded_number_of_queries_at_any_size(
    client, django_assert_max_num_queries, scale
):
    build_world(scale)
    for url, most in QUERY_LIMITS.items():
        with django_assert_max_num_queries(most, info=url):
            response = client.get(url)
            if response.streaming:
                response.getvalue()
        assert response.status_code == 200
