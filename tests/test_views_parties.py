import csv
import datetime
import io

import pytest

from tests.factories import (
    ActorFactory,
    ClauseFactory,
    PartyFactory,
    PlanFactory,
    PlanVersionFactory,
    PositionFactory,
)
from tests.public_data import DRAFT_MARK, build_world
from tracker.models import PartyKind, Position, Stance
from tracker.selectors.positions import STANDING_VERSIONS
from tracker.views.common import PAGE_SIZE

pytestmark = pytest.mark.django_db


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


@pytest.fixture
def world():
    return build_world(1)


def test_party_list_counts_only_published_positions(client, world):
    response = client.get("/parties/")
    us = next(party for party in response.context["page"] if party.slug == "us")
    # Two positions on each of five clauses and one on the whole version; the draft position and
    # the one on a draft version's clause do not count.
    assert us.position_count == 11
    assert Position.objects.filter(party=us).count() == 13
    body = response.content.decode()
    assert "Speaker for US" in body
    assert DRAFT_MARK not in body


def test_party_list_filters_by_kind_and_its_csv_returns_exactly_those_rows(client, world):
    PartyFactory(slug="eu", name="European Union", short_name="EU", kind=PartyKind.BLOC)
    response = client.get("/parties/", {"kind": "bloc"})
    assert [party.slug for party in response.context["page"]] == ["eu"]
    assert 'href="?kind=bloc&amp;format=csv"' in response.content.decode()
    rows = csv_rows(client.get("/parties/", {"kind": "bloc", "format": "csv"}))
    assert [row["slug"] for row in rows] == ["eu"]
    everyone = csv_rows(client.get("/parties/", {"format": "csv"}))
    assert [row["slug"] for row in everyone] == ["us", "russia", "ukraine", "eu"]
    assert everyone[0]["published_positions"] == "11"


def test_an_unknown_party_kind_gets_a_message_not_the_unfiltered_list(client, world):
    response = client.get("/parties/", {"kind": "empire"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_party_page_counts_its_latest_stance_per_point_of_each_version(client, world):
    response = client.get("/parties/us/")
    [row] = [row for row in response.context["per_version"] if row["version"].slug == "28-point"]
    # US's latest stances on points 1-5 run through the whole scale once.
    assert dict(row["counts"]) == dict.fromkeys(Stance.values, 1)
    assert (row["points_with_stance"], row["points"]) == (5, 5)
    assert row["on_whole_version"].stance == Stance.AMBIGUOUS
    assert DRAFT_MARK not in response.content.decode()


def test_party_page_as_of_a_date_shows_the_stance_held_then_with_a_banner(client):
    party = PartyFactory(slug="ukraine")
    clause = ClauseFactory()
    PositionFactory(party=party, clause=clause, stance=Stance.SUPPORTS, stated_on=datetime.date(2025, 11, 21))
    PositionFactory(party=party, clause=clause, stance=Stance.REJECTS, stated_on=datetime.date(2025, 11, 24))

    today = client.get("/parties/ukraine/")
    [row] = today.context["per_version"]
    assert dict(row["counts"])[Stance.REJECTS] == 1
    assert dict(row["counts"])[Stance.SUPPORTS] == 0
    assert len(today.context["page"]) == 2

    then = client.get("/parties/ukraine/", {"as_of": "2025-11-22"})
    [row] = then.context["per_version"]
    assert dict(row["counts"])[Stance.SUPPORTS] == 1
    assert dict(row["counts"])[Stance.REJECTS] == 0
    assert [p.stance for p in then.context["page"]] == [Stance.SUPPORTS]
    body = then.content.decode()
    assert "Showing the state of play on" in body
    assert "22 November 2025" in body


def test_party_page_stands_on_its_newest_versions_only_and_says_how_many_in_all(client):
    party = PartyFactory(slug="ukraine", short_name="UA")
    plan = PlanFactory()
    total = STANDING_VERSIONS + 3
    for day in range(total):
        version = PlanVersionFactory(plan=plan, released_on=datetime.date(2025, 11, 1) + datetime.timedelta(days=day))
        PositionFactory(party=party, clause=ClauseFactory(version=version), stance=Stance.SUPPORTS)
    PositionFactory(party=party, clause=None, version=version, stance=Stance.REJECTS)
    response = client.get("/parties/ukraine/")
    shown = [row["version"].released_on.day for row in response.context["per_version"]]
    assert shown == list(range(total - STANDING_VERSIONS + 1, total + 1))
    assert response.context["per_version"][-1]["on_whole_version"].stance == Stance.REJECTS
    body = response.content.decode()
    assert f"The {STANDING_VERSIONS} most recently released of the {total} versions UA took a stance on" in body
    # Every position is still listed below; the CSV has them all.
    assert response.context["page"].paginator.count == total + 1
    assert len(csv_rows(client.get("/parties/ukraine/", {"format": "csv"}))) == total + 1


def test_party_page_counts_positions_by_the_date_shown_and_each_speakers_positions_in_all(client):
    party = PartyFactory(slug="ukraine", short_name="UA")
    speaker = ActorFactory(party=party, name="Speaker")
    early = PlanVersionFactory(released_on=datetime.date(2025, 11, 1))
    late = PlanVersionFactory(plan=early.plan, released_on=datetime.date(2025, 11, 20))
    on = datetime.date
    PositionFactory(party=party, actor=speaker, clause=ClauseFactory(version=early), stated_on=on(2025, 11, 2))
    PositionFactory(party=party, actor=speaker, clause=ClauseFactory(version=late), stated_on=on(2025, 11, 21))
    PositionFactory(party=party, clause=ClauseFactory(version=late), stated_on=on(2025, 11, 21))
    # A draft counts nowhere: not in the list, not for the speaker, not as a version spoken on.
    PositionFactory(party=party, actor=speaker, clause=ClauseFactory(), stated_on=on(2025, 11, 2), is_published=False)

    then = client.get("/parties/ukraine/", {"as_of": "2025-11-10"})
    assert then.context["page"].paginator.count == 1
    assert [row["version"] for row in then.context["per_version"]] == [early]
    assert then.context["versions_spoken_on"] == 1
    # A speaker's count is of everything they said, whatever the date shown.
    assert [(actor.name, actor.position_count) for actor in then.context["actors"]] == [("Speaker", 2)]

    today = client.get("/parties/ukraine/")
    assert today.context["page"].paginator.count == 3
    assert [row["version"] for row in today.context["per_version"]] == [early, late]
    assert today.context["versions_spoken_on"] == 2
    assert 'Speaker</a>, Minister <span class="muted">(2 positions)</span>' in today.content.decode()


def test_party_positions_come_a_page_at_a_time_and_page_links_keep_the_date(client):
    party = PartyFactory(slug="ukraine")
    PositionFactory.create_batch(PAGE_SIZE + 2, party=party, stated_on=datetime.date(2025, 11, 21))
    PositionFactory(party=party, stated_on=datetime.date(2025, 11, 25))
    first = client.get("/parties/ukraine/", {"as_of": "2025-11-22"})
    assert len(first.context["page"]) == PAGE_SIZE
    assert "?as_of=2025-11-22&amp;page=2" in first.content.decode()
    second = client.get("/parties/ukraine/", {"as_of": "2025-11-22", "page": "2"})
    assert len(second.context["page"]) == 2
    assert len(csv_rows(client.get("/parties/ukraine/", {"as_of": "2025-11-22", "format": "csv"}))) == PAGE_SIZE + 2


def test_party_positions_csv_follows_the_as_of_date_and_guards_against_formulas(client):
    party = PartyFactory(slug="russia")
    PositionFactory(party=party, stated_on=datetime.date(2025, 11, 21), quote="=HYPERLINK(1)")
    PositionFactory(party=party, stated_on=datetime.date(2025, 11, 25))
    PositionFactory(party=party, stated_on=datetime.date(2025, 11, 21), quote=DRAFT_MARK, is_published=False)
    rows = csv_rows(client.get("/parties/russia/", {"as_of": "2025-11-22", "format": "csv"}))
    assert [row["stated_on"] for row in rows] == ["2025-11-21"]
    assert rows[0]["quote"] == "'=HYPERLINK(1)"
    assert len(csv_rows(client.get("/parties/russia/", {"format": "csv"}))) == 2


def test_actor_page_lists_only_positions_that_actor_voiced(client):
    actor = ActorFactory(slug="lavrov", name="Sergei Lavrov")
    other = ActorFactory(party=actor.party, slug="peskov", name="Dmitry Peskov")
    PositionFactory(party=actor.party, actor=actor, quote="Voiced by Lavrov")
    PositionFactory(party=actor.party, actor=other, quote="Voiced by Peskov")
    PositionFactory(party=actor.party, actor=actor, quote=DRAFT_MARK, is_published=False)
    response = client.get("/actors/lavrov/")
    body = response.content.decode()
    assert "Voiced by Lavrov" in body
    assert "Voiced by Peskov" not in body
    assert DRAFT_MARK not in body
    assert actor.party.get_absolute_url() in body
    rows = csv_rows(client.get("/actors/lavrov/", {"format": "csv"}))
    assert [row["quote"] for row in rows] == ["Voiced by Lavrov"]


@pytest.mark.parametrize("url", ["/parties/nobody/", "/actors/nobody/"])
def test_unknown_party_or_actor_gets_the_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"as_of": "yesterday"}, "Date (as_of)"),
        ({"as_of": "2025-02-30"}, "Date (as_of)"),
        ({"as_of": "0001-01-01"}, "Date (as_of)"),
        ({"page": "two"}, "Page number (page)"),
    ],
)
@pytest.mark.parametrize("url", ["/parties/us/", "/actors/speaker-us/", "/parties/"])
def test_malformed_dates_and_page_numbers_get_a_message(client, url, query, parameter):
    actor = ActorFactory(party=PartyFactory(slug="us"), slug="speaker-us")
    PositionFactory(party=actor.party, actor=actor)  # readers see actors who voiced a published position
    if url == "/parties/" and "as_of" in query:
        return  # the list of parties takes no date
    response = client.get(url, query)
    assert response.status_code == 400
    assert parameter in response.content.decode()


def test_a_page_past_the_end_is_not_found(client):
    PartyFactory(slug="us")
    assert client.get("/parties/us/", {"page": "999"}).status_code == 404


def test_nul_in_a_party_address_is_refused(client):
    PartyFactory(slug="us")
    assert client.get("/parties/us%00/").status_code in (400, 404)
    assert client.get("/parties/us/", {"as_of": "2025-11-22\x00"}).status_code == 400


QUERY_LIMITS = {
    "/parties/": 4,
    "/parties/?format=csv": 3,
    "/parties/us/": 9,
    "/parties/us/?as_of=2025-11-21": 9,
    "/parties/us/?format=csv": 2,
    "/actors/speaker-us/": 5,
}


@pytest.mark.parametrize("scale", [1, 4])
def test_party_pages_run_the_same_bounded_number_of_queries_at_any_size(client, django_assert_max_num_queries, scale):
    build_world(scale)
    for url, most in QUERY_LIMITS.items():
        with django_assert_max_num_queries(most, info=url):
            response = client.get(url)
            if response.streaming:
                response.getvalue()
        assert response.status_code == 200
