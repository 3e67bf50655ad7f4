import pytest

from tests.factories import ClauseLinkFactory, PositionFactory


@pytest.mark.django_db
def test_factories_build_a_linked_clause_and_a_position():
    link = ClauseLinkFactory()
    assert link.from_version_id == link.from_clause.version_id
    assert link.to_version_id == link.to_clause.version_id
    assert link.from_version_id != link.to_version_id
    assert link.from_clause.version.plan_id == link.to_clause.version.plan_id
    position = PositionFactory(clause=link.from_clause)
    assert position.subject == link.from_clause
