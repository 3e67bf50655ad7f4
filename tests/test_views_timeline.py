import csv
import datetime
import io

import pytest

from tests.factories import ActorFactory, ClauseFactory, EventFactory, PartyFactory, PositionFactory
from tests.public_data import DRAFT_MARK, build_world
from tracker.models import Stance

pytestmark = pytest.mark.django_db

NOV = lambda day: datetime.date(2025, 11, day)  # noqa: E731


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


@pytest.fixture
def talks():
    """Two parties' positions on one clause over a week, events around them, and drafts of each kind."""
    russia, ukraine = PartyFactory(slug="russia", short_name="RU"), PartyFactory(slug="ukraine", short_name="UA")
    lavrov = ActorFactory(party=russia, slug="lavrov", name="Sergei Lavrov")
    clause = ClauseFactory(heading="Force cap")
    PositionFactory(party=russia, actor=lavrov, clause=clause, stance=Stance.SUPPORTS, stated_on=NOV(21))
    PositionFactory(party=russia, clause=clause, stance=Stance.SUPPORTS, stated_on=NOV(23))
    PositionFactory(party=russia, actor=lavrov, clause=clause, stance=Stance.REJECTS, stated_on=NOV(25))
    PositionFactory(party=ukraine, clause=clause, stance=Stance.OPPOSES, stated_on=NOV(22))
    PositionFactory(party=ukraine, clause=clause, quote=DRAFT_MARK, stated_on=NOV(22), is_published=False)
    geneva = EventFactory(title="Geneva talks", happened_on=NOV(23), ends_on=NOV(24))
    geneva.parties.set([ukraine])
    EventFactory(title="Anchorage summit", happened_on=datetime.date(2025, 8, 15)).parties.set([russia])
    EventFactory(title=f"{DRAFT_MARK} event", happened_on=NOV(22), is_published=False)
    return {"russia": russia, "ukraine": ukraine, "lavrov": lavrov}


def entries(response):
    return [(entry.kind, entry.date) for entry in response.context["entries"]]


def test_timeline_merges_events_and_positions_in_date_order_without_drafts(client, talks):
    response = client.get("/timeline/")
    assert entries(response) == [
        ("event", datetime.date(2025, 8, 15)),
        ("position", NOV(21)),
        ("position", NOV(22)),
        ("event", NOV(23)),
        ("position", NOV(23)),
        ("position", NOV(25)),
    ]
    assert DRAFT_MARK not in response.content.decode()


def test_timeline_marks_changes_of_stance_against_the_partys_previous_position(client, talks):
    changes = [
        (entry.item.party.slug, entry.change, entry.previous_label)
        for entry in client.get("/timeline/").context["entries"]
        if entry.kind == "position"
    ]
    assert changes == [
        ("russia", "first", ""),
        ("ukraine", "first", ""),  # the draft on the same day is not a previous position
        ("russia", "reaffirmed", "Supports"),
        ("russia", "changed", "Supports"),
    ]
    assert "<strong>changed</strong> from supports" in client.get("/timeline/").content.decode()


def test_timeline_filters_by_party_including_the_events_it_took_part_in(client, talks):
    response = client.get("/timeline/", {"party": "ukraine"})
    assert entries(response) == [("position", NOV(22)), ("event", NOV(23))]


def test_timeline_filtered_by_actor_shows_only_what_that_person_said(client, talks):
    response = client.get("/timeline/", {"actor": "lavrov"})
    assert entries(response) == [("position", NOV(21)), ("position", NOV(25))]


def test_timeline_date_range_keeps_events_that_overlap_it(client, talks):
    response = client.get("/timeline/", {"start": "2025-11-24", "end": "2025-11-30"})
    # Geneva ran 23-24 November, so it overlaps a range starting on the 24th.
    assert entries(response) == [("event", NOV(23)), ("position", NOV(25))]


def test_timeline_can_show_one_kind_of_entry(client, talks):
    assert {kind for kind, _ in entries(client.get("/timeline/", {"show": "events"}))} == {"event"}
    assert {kind for kind, _ in entries(client.get("/timeline/", {"show": "positions"}))} == {"position"}


def test_timeline_can_leave_out_reaffirmations_to_show_only_changes_of_stance(client, talks):
    response = client.get("/timeline/", {"show": "changes"})
    assert entries(response) == [
        ("event", datetime.date(2025, 8, 15)),
        ("position", NOV(21)),
        ("position", NOV(22)),
        ("event", NOV(23)),
        ("position", NOV(25)),
    ]
    assert [entry.change for entry in response.context["entries"] if entry.kind == "position"] == [
        "first",
        "first",
        "changed",
    ]


def test_changes_of_stance_compare_with_positions_outside_the_filters(client, talks):
    # From the 23rd on, Russia's supports on the 23rd only reaffirms what Lavrov said on the 21st.
    response = client.get("/timeline/", {"show": "changes", "party": "russia", "start": "2025-11-23"})
    assert entries(response) == [("position", NOV(25))]
    rows = csv_rows(client.get("/timeline/", {"party": "russia", "start": "2025-11-23", "format": "csv"}))
    assert [(row["date"], row["stance"], row["previous_stance"]) for row in rows] == [
        ("2025-11-23", "supports", "supports"),
        ("2025-11-25", "rejects", "supports"),
    ]
    # One speaker's positions: the previous stance is the party's, whoever voiced it.
    rows = csv_rows(client.get("/timeline/", {"actor": "lavrov", "format": "csv"}))
    assert [(row["date"], row["stance"], row["previous_stance"]) for row in rows] == [
        ("2025-11-21", "supports", ""),
        ("2025-11-25", "rejects", "supports"),
    ]


def test_timeline_csv_returns_exactly_the_filtered_rows_in_order(client, talks):
    rows = csv_rows(client.get("/timeline/", {"party": "russia", "format": "csv"}))
    assert [(row["date"], row["kind"], row["stance"], row["previous_stance"]) for row in rows] == [
        ("2025-08-15", "event", "", ""),
        ("2025-11-21", "position", "supports", ""),
        ("2025-11-23", "position", "supports", "supports"),
        ("2025-11-25", "position", "rejects", "supports"),
    ]
    assert rows[1]["actor"] == "Sergei Lavrov"
    everything = csv_rows(client.get("/timeline/", {"format": "csv"}))
    assert len(everything) == 6
    assert DRAFT_MARK not in str(everything)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"party": "atlantis"}, "Select a valid choice"),
        ({"actor": "nobody"}, "Select a valid choice"),
        ({"start": "2025-11-31"}, "Enter a valid date"),
        ({"start": "2025-11-25", "end": "2025-11-01"}, "must not be after its end"),
        ({"show": "everything"}, "Select a valid choice"),
        ({"page": "2.5"}, "whole number"),
    ],
)
def test_malformed_timeline_filters_get_a_message_not_the_whole_timeline(client, talks, query, message):
    response = client.get("/timeline/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_timeline_page_past_the_end_is_not_found(client, talks):
    assert client.get("/timeline/", {"page": "50"}).status_code == 404


QUERY_LIMITS = {
    # Each includes one query for the previous stances of the positions shown, and each page one for the
    # plans' coverage notes (where the record stops) and one for when the data last changed.
    "/timeline/": 11,
    "/timeline/?party=us&start=2025-11-20&end=2025-12-31": 12,
    "/timeline/?actor=speaker-us": 10,
    "/timeline/?show=changes": 11,
    "/timeline/?format=csv": 9,
}


@pytest.mark.parametrize("scale", [1, 4])
def test_timeline_runs_the_same_bounded_number_of_queries_at_any_size(client, django_assert_max_num_queries, scale):
    build_world(scale)
    for url, most in QUERY_LIMITS.items():
        with django_assert_max_num_queries(most, info=url):
            response = client.get(url)
            if response.streaming:
                response.getvalue()
        assert response.status_code == 200
