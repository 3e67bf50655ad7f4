"""Search finds numbers however they are written, puts plan terms and figures first, and suggests a spelling."""

from decimal import Decimal

import pytest

from tests import factories as f
from tracker.selectors.search import number_spellings, parse_number

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "word, number",
    [
        ("600000", 600000),
        ("600,000", 600000),
        ("600k", 600000),
        ("600K", 600000),
        ("1.2m", 1200000),
        ("2bn", 2 * 10**9),
    ],
)
def test_a_number_is_read_however_it_is_written(word, number):
    assert parse_number(word) == Decimal(number)


def test_words_and_ambiguous_groupings_are_not_numbers():
    assert parse_number("army") is None and parse_number("600.000") is None and parse_number("6a") is None
    assert {"600000", "600,000", "600k", "600 thousand"} <= set(number_spellings(Decimal(600000)))


@pytest.fixture
def cap():
    clause = f.ClauseFactory(heading="Ceiling on the armed forces", summary="Forces capped at 600,000 personnel.")
    target = f.ClauseTargetFactory(clause=clause, value=Decimal("600000"), label="force cap")
    other = f.ClauseFactory(version=clause.version, heading="Army size in peacetime", summary="A limit of 600k troops.")
    figure = f.FigureFactory(indicator=target.indicator, value=Decimal("600000"), claimed_by="Officials")
    f.FigureFactory(indicator=target.indicator, value=Decimal("600000"), is_published=False, claimed_by="Hidden")
    f.PositionFactory(clause=clause, quote="We will never accept 600000 soldiers.")
    return clause, other, figure


@pytest.mark.parametrize("query", ["600000", "600,000", "600k", "600 000"])
def test_searching_a_number_in_any_spelling_finds_the_point_and_figure_first(client, cap, query):
    clause, other, figure = cap
    response = client.get("/search/", {"q": query})
    sections = response.context["sections"]
    assert [s["kind"].slug for s in sections][:2] == ["points", "figures"]
    points = {c.pk for c in sections[0]["items"]}
    assert points == {clause.pk, other.pk}  # the term, the "600,000" and the "600k" in the summaries
    assert [fig.pk for fig in sections[1]["items"]] == [figure.pk]  # by value; the draft never
    positions = next(s for s in sections if s["kind"].slug == "positions")
    assert positions["count"] == 1  # "600000" written in a quote


def test_a_number_does_not_match_texts_that_merely_contain_its_digit_groups(client, cap):
    f.ClauseFactory(heading="Other", summary="In 600 days, 000 troops.")  # "600" and "000" apart
    response = client.get("/search/", {"q": "600,000", "kind": "points"})
    assert response.context["page"].paginator.count == 2


def test_when_nothing_matches_the_page_suggests_a_recorded_spelling(client, cap):
    f.ActorFactory(name="Sergei Lavrov")
    html = client.get("/search/", {"q": "lavorv"}).content.decode()
    assert "0 matches" in html
    assert 'Did you mean <a href="?q=lavrov">lavrov</a>?' in html
    assert "Did you mean" not in client.get("/search/", {"q": "qzxwv"}).content.decode()
