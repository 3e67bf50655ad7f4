"""manage.py generate_synthetic: N copies of the dataset's shape, the same for the same seed."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from tracker.cache import current_generation
from tracker.models import Clause, ClauseLink, Event, Figure, PlanVersion, Position, Source

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _snapshot(scale, seed):
    """Generate inside a transaction that is rolled back, and describe what was made by natural keys."""
    try:
        with transaction.atomic():
            call_command("generate_synthetic", scale=scale, seed=seed, stdout=io.StringIO())
            snapshot = {
                "clauses": list(
                    Clause.objects.order_by("version__plan__slug", "version__released_on", "sort_order").values_list(
                        "version__plan__slug", "version__slug", "number", "heading", "summary", "is_published"
                    )
                ),
                "links": sorted(
                    ClauseLink.objects.values_list(
                        "from_clause__version__slug",
                        "from_clause__number",
                        "to_clause__number",
                        "relation",
                        "source__key",
                    ),
                    key=str,
                ),
                "positions": sorted(
                    Position.objects.values_list("party__slug", "clause__number", "stance", "stated_on", "source__key"),
                    key=str,
                ),
                "figures": sorted(
                    Figure.objects.values_list("indicator__slug", "value", "low", "reported_on"), key=str
                ),
                "counts": {
                    model.__name__: model.objects.count()
                    for model in (Source, PlanVersion, Clause, ClauseLink, Position, Figure, Event)
                },
                "history": {model.__name__: model.history.count() for model in (Clause, Position, Figure)},
            }
            raise Rollback
    except Rollback:
        return snapshot


def test_the_same_seed_gives_the_same_data_and_another_seed_different_data():
    first, again, other = _snapshot(1, seed=7), _snapshot(1, seed=7), _snapshot(1, seed=8)
    assert first == again
    assert first["clauses"] != other["clauses"]
    assert first["counts"]["Clause"] == other["counts"]["Clause"]


def test_scale_n_is_n_copies_of_the_datasets_shape_with_history():
    one, three = _snapshot(1, seed=1), _snapshot(3, seed=1)
    assert one["counts"]["PlanVersion"] == 4
    assert one["counts"]["Clause"] == 28 + 13 + 3 + 12
    assert one["counts"]["Source"] == 145
    assert one["counts"]["Position"] == 79
    assert three["counts"]["Clause"] == 3 * one["counts"]["Clause"]
    assert three["counts"]["Position"] == 3 * one["counts"]["Position"]
    assert three["counts"]["Figure"] == 3 * one["counts"]["Figure"]
    # Bulk inserts send no signals: the history rows must be written alongside.
    assert three["history"] == {name: three["counts"][name] for name in ("Clause", "Position", "Figure")}


def test_generated_lineage_joins_versions_of_the_same_plan_and_removals_name_the_later_version():
    call_command("generate_synthetic", scale=2, seed=3, stdout=io.StringIO())
    links = ClauseLink.objects.select_related("from_clause__version", "to_clause__version", "to_version")
    assert links.exists()
    for link in links:
        assert link.from_version_id == link.from_clause.version_id
        if link.to_clause_id:
            assert link.to_version_id == link.to_clause.version_id
            assert link.to_clause.version.plan_id == link.from_clause.version.plan_id
        else:
            assert link.relation == "removed"
            assert link.to_version.plan_id == link.from_clause.version.plan_id


def test_generating_makes_cached_pages_stale_and_refuses_to_run_twice():
    before = current_generation()
    call_command("generate_synthetic", scale=1, stdout=io.StringIO())
    assert current_generation() != before
    with pytest.raises(CommandError, match="already holds synthetic data"):
        call_command("generate_synthetic", scale=1)
