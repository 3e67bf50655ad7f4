"""The selectors each read a bounded number of queries, whatever the size of the data.

The same shapes of data at two sizes (``build_world``): a selector whose query count grew with
the rows would fail at the larger one. The pages pin their own counts (tests/test_views_*.py).
"""

import pytest
from django.db.models import QuerySet

from tests.public_data import build_world
from tracker.models import Clause, Event, Figure, Position, Source
from tracker.selectors import evidence, plans, positions, search, sources, timeline

pytestmark = pytest.mark.django_db


def read(data):
    """Everything a selector returned, read to the end (querysets are lazy)."""
    if isinstance(data, QuerySet):
        return [read(row) for row in data]
    if isinstance(data, dict):
        return {key: read(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [read(value) for value in data]
    return data


def _version_page(world):
    version = world.versions[0]
    return plans.version_page(version, list(plans.version_clauses(version)))


def _clause_page(world):
    clause = Clause.objects.published().select_related("version__plan").order_by("pk").first()
    return plans.clause_page(clause.version, clause)


def _party_page(world):
    data = positions.party_page(world.parties[1])
    data["track"] = data["track"][:50]
    return data


def _timeline_page(world):
    keys = list(timeline.entry_keys(Event.objects.published(), Position.objects.published())[:50])
    return timeline.load_entries(keys)


def _comparison(world):
    versions = list(plans.published_versions().filter(plan=world.plan))
    comparison = plans.comparison(world.plan, versions, versions[0], versions[-1])
    return plans.comparison_rows(comparison)


SELECTORS = {
    # Each with the most queries it may run; the comments say what they are.
    "home": (lambda world: plans.home(), 20),
    "plan list": (lambda world: plans.plan_list(), 1),
    "plan versions": (lambda world: plans.plan_versions(world.plan), 3),  # versions, proponents, sources
    "version page": (_version_page, 7),
    "point page": (_clause_page, 10),
    "comparison": (_comparison, 3),  # the versions, the plan's clauses and links
    "card": (lambda world: plans.clause_card(world.clauses[0]), 1),
    "party list": (lambda world: positions.party_list(), 2),
    "party page": (_party_page, 6),
    "party positions (CSV)": (lambda world: positions.party_positions(world.parties[1]), 1),
    "actor positions": (lambda world: positions.actor_positions(world.actors[1]), 1),
    "timeline page": (_timeline_page, 6),
    "indicator list": (lambda world: evidence.indicator_list(), 1),
    "indicator figures": (lambda world: evidence.indicator_figures(world.indicator), 1),
    "indicator terms": (lambda world: evidence.indicator_targets(world.indicator), 1),
    # Eight lists, the events' parties, and the ids of the positions citing the source (read first).
    "source page": (lambda world: sources.source_page(Source.objects.public().order_by("pk").first()), 10),
    # Per kind: its first matches' ids and their count, then those rows; for sources, first the matches.
    "search": (lambda world: search.previews(["point"]), 2 * len(search.KINDS) + 1),
    "search for a number": (lambda world: search.previews(["600,000"]), 2 * len(search.KINDS) + 1),
}


@pytest.mark.parametrize("scale", [1, 4])
@pytest.mark.parametrize("name", list(SELECTORS))
def test_each_selector_runs_a_bounded_number_of_queries(django_assert_max_num_queries, name, scale):
    world = build_world(scale)
    selector, most = SELECTORS[name]
    with django_assert_max_num_queries(most, info=name):
        data = read(selector(world))
    assert data  # each returns what its page shows, never nothing for this world


@pytest.mark.parametrize("scale", [1, 4])
def test_where_a_row_is_listed_is_found_with_one_or_two_counts(django_assert_max_num_queries, scale):
    build_world(scale)
    event = Event.objects.published().order_by("-happened_on").first()
    position = Position.objects.published().order_by("-stated_on").first()
    figure = Figure.objects.published().order_by("-reported_on").first()
    with django_assert_max_num_queries(2):
        assert timeline.entries_before(event) > 0
    with django_assert_max_num_queries(1):
        assert positions.positions_before(position) > 0
    with django_assert_max_num_queries(1):
        assert evidence.figures_before(figure) >= 0
