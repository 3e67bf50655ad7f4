"""Every object a reader can be sent to has an address that shows it, however far down a paged list it is."""

import datetime

import pytest

from tests.factories import (
    ClauseFactory,
    EventFactory,
    FigureFactory,
    IndicatorFactory,
    PartyFactory,
    PositionFactory,
    SourceFactory,
)
from tests.public_data import build_world
from tracker.models import Event, Figure, Position
from tracker.views.common import PAGE_SIZE

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 11, 1)


def shown_at(client, obj, anchor):
    """Follow the object's address; the page it lands on, and whether that page carries the object's anchor."""
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 302
    landing = response["Location"]
    assert landing.endswith(f"#{anchor}-{obj.pk}")
    page = client.get(landing)
    assert page.status_code == 200
    return landing, f'id="{anchor}-{obj.pk}"' in page.content.decode()


def test_an_event_past_the_first_page_of_the_timeline_is_shown_at_its_address(client):
    events = [EventFactory(happened_on=DAY + datetime.timedelta(days=i)) for i in range(PAGE_SIZE + 3)]
    # A position on the day of the last event sorts after it, one on the day before, before it.
    clause = ClauseFactory()
    PositionFactory(clause=clause, stated_on=events[-1].happened_on)
    PositionFactory(clause=clause, stated_on=events[-1].happened_on - datetime.timedelta(days=1))
    first, last = events[0], events[-1]
    landing, shown = shown_at(client, last, "event")
    assert shown and "page=2" in landing
    landing, shown = shown_at(client, first, "event")
    assert shown and "page=" not in landing
    assert client.get(f"/timeline/events/{last.pk}/").status_code == 302


def test_a_position_past_the_first_page_of_its_partys_positions_is_shown_at_its_address(client):
    party = PartyFactory(slug="ukraine")
    clause = ClauseFactory()
    source = SourceFactory()
    positions = [
        PositionFactory(party=party, clause=clause, source=source, stated_on=DAY + datetime.timedelta(days=i % 5))
        for i in range(PAGE_SIZE + 5)
    ]
    # The party's page lists them by date, then by entry: the last entered on the latest day is on page 2.
    newest = max(positions, key=lambda p: (p.stated_on, p.pk))
    landing, shown = shown_at(client, newest, "position")
    assert shown and landing.startswith("/parties/ukraine/?page=2")
    oldest = min(positions, key=lambda p: (p.stated_on, p.pk))
    landing, shown = shown_at(client, oldest, "position")
    assert shown and landing == f"/parties/ukraine/#position-{oldest.pk}"


def test_a_figure_past_the_first_page_of_its_indicator_is_shown_at_its_address(client):
    indicator = IndicatorFactory(slug="ua-forces")
    source = SourceFactory()
    figures = [
        FigureFactory(
            indicator=indicator,
            source=source,
            # Listed by the date each describes (end of period, else the report's date), then report, then entry.
            period_end=None if i % 2 else DAY + datetime.timedelta(days=i % 7),
            reported_on=DAY + datetime.timedelta(days=i % 11),
        )
        for i in range(PAGE_SIZE + 4)
    ]
    listed = sorted(figures, key=lambda f: (f.period_end or f.reported_on, f.reported_on, f.pk))
    for figure in listed[PAGE_SIZE - 1 :]:
        landing, shown = shown_at(client, figure, "figure")
        assert shown
        assert landing.startswith("/indicators/ua-forces/?page=2") == (figure in listed[PAGE_SIZE:])
    assert shown_at(client, listed[0], "figure") == (f"/indicators/ua-forces/#figure-{listed[0].pk}", True)


def test_a_draft_has_no_address_readers_can_follow(client):
    event = EventFactory(is_published=False)
    position = PositionFactory(is_published=False)
    figure = FigureFactory(is_published=False)
    for url in (f"/timeline/events/{event.pk}/", f"/positions/{position.pk}/", f"/figures/{figure.pk}/"):
        assert client.get(url).status_code == 404
    assert client.get("/positions/99999999/").status_code == 404


@pytest.mark.parametrize("scale", [1, 4])
def test_an_address_is_found_with_a_bounded_number_of_queries_at_any_size(client, django_assert_max_num_queries, scale):
    build_world(scale)
    objects = [
        Event.objects.published().order_by("-happened_on", "-pk").first(),
        Position.objects.published().order_by("-stated_on", "-pk").first(),
        Figure.objects.published().order_by("-reported_on", "-pk").first(),
    ]
    for obj in objects:
        with django_assert_max_num_queries(4, info=obj.get_absolute_url()):
            assert client.get(obj.get_absolute_url()).status_code == 302
