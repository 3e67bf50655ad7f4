"""Every invariant is guarded twice: the database refuses the bad row, and the admin form explains why."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from tests.admin_forms import admin_form_data
from tests.factories import (
    ClauseFactory,
    ClauseLinkFactory,
    ClauseTargetFactory,
    EventFactory,
    FigureFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
)
from tracker.models import (
    Clause,
    ClauseLink,
    ClauseTarget,
    Event,
    Figure,
    LinkRelation,
    PlanVersion,
    Position,
    Source,
)

pytestmark = pytest.mark.django_db


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


# --- the database refuses bad rows -------------------------------------------------------------


def test_database_refuses_a_source_with_neither_url_nor_reason():
    refused(lambda: Source.objects.create(key="x1", title="T", publisher="P", url="", no_url_reason=""))


def test_database_refuses_an_event_that_ends_before_it_starts():
    refused(
        lambda: Event.objects.create(
            happened_on=datetime.date(2025, 11, 24), ends_on=datetime.date(2025, 11, 23), title="Talks"
        )
    )


def test_database_refuses_two_versions_with_one_slug_in_a_plan():
    version = PlanVersionFactory()
    refused(
        lambda: PlanVersion.objects.create(plan=version.plan, slug=version.slug, name="Again", released_on="2025-11-24")
    )


def test_database_refuses_a_version_that_revises_itself():
    version = PlanVersionFactory()
    refused(lambda: PlanVersion.objects.filter(pk=version.pk).update(based_on=version))


def test_database_refuses_a_version_slug_that_is_the_address_of_a_plan_page():
    version = PlanVersionFactory()
    refused(lambda: PlanVersion.objects.filter(pk=version.pk).update(slug="compare"))


def test_database_refuses_two_clauses_with_one_number_in_a_version():
    clause = ClauseFactory(number="6")
    refused(lambda: Clause.objects.create(version=clause.version, number="6", heading="Again", summary="S"))


@pytest.mark.parametrize("number", ["6/1", ""])
def test_database_refuses_a_clause_number_that_cannot_be_an_address(number):
    clause = ClauseFactory(number="6")
    refused(lambda: Clause.objects.filter(pk=clause.pk).update(number=number))


def test_the_same_number_is_fine_in_another_version():
    clause = ClauseFactory(number="6")
    other = ClauseFactory(number="6", version=PlanVersionFactory(plan=clause.version.plan))
    assert other.pk and other.number == clause.number


def test_database_refuses_a_link_within_one_version():
    clause = ClauseFactory()
    sibling = ClauseFactory(version=clause.version)
    refused(lambda: ClauseLink.objects.create(from_clause=clause, to_clause=sibling, relation=LinkRelation.AMENDED))


def test_database_refuses_a_removal_that_names_a_later_clause():
    link = ClauseLinkFactory()
    refused(lambda: ClauseLink.objects.filter(pk=link.pk).update(relation=LinkRelation.REMOVED))


def test_database_refuses_a_removal_without_a_later_version():
    clause = ClauseFactory()
    refused(lambda: ClauseLink.objects.create(from_clause=clause, relation=LinkRelation.REMOVED))


def test_database_refuses_a_carried_link_without_a_later_clause():
    clause = ClauseFactory()
    later = PlanVersionFactory(plan=clause.version.plan)
    refused(lambda: ClauseLink.objects.create(from_clause=clause, to_version=later, relation=LinkRelation.AMENDED))


def test_database_refuses_a_duplicate_link():
    link = ClauseLinkFactory()
    refused(
        lambda: ClauseLink.objects.create(
            from_clause=link.from_clause, to_clause=link.to_clause, relation=LinkRelation.REWORDED
        )
    )


def test_database_refuses_a_second_removal_from_the_same_version():
    clause = ClauseFactory()
    later = PlanVersionFactory(plan=clause.version.plan)
    ClauseLink.objects.create(from_clause=clause, to_version=later, relation=LinkRelation.REMOVED)
    refused(lambda: ClauseLink.objects.create(from_clause=clause, to_version=later, relation=LinkRelation.REMOVED))


def test_database_refuses_a_position_on_both_a_clause_and_a_version():
    position = PositionFactory()
    refused(lambda: Position.objects.filter(pk=position.pk).update(version=position.clause.version))


def test_database_refuses_a_position_on_nothing():
    position = PositionFactory()
    refused(lambda: Position.objects.filter(pk=position.pk).update(clause=None))


def test_database_refuses_a_stance_off_the_scale():
    position = PositionFactory()
    refused(lambda: Position.objects.filter(pk=position.pk).update(stance="loves"))


@pytest.mark.parametrize(
    "fields",
    [
        {"value": None, "low": None, "high": None},
        {"value": None, "low": Decimal(900), "high": Decimal(800)},
        {"value": Decimal(700), "low": Decimal(800), "high": Decimal(900)},
        {"value": Decimal(1000), "low": Decimal(800), "high": Decimal(900)},
        {"period_start": datetime.date(2025, 12, 1), "period_end": datetime.date(2025, 11, 1)},
    ],
    ids=["no value", "low above high", "value below low", "value above high", "period ends before it starts"],
)
def test_database_refuses_an_impossible_figure(fields):
    figure = FigureFactory()
    refused(lambda: Figure.objects.filter(pk=figure.pk).update(**fields))


def too_big(callable_):
    # PostgreSQL refuses the digits themselves (a DataError); on SQLite the CHECK constraint does.
    with pytest.raises(DatabaseError), transaction.atomic():
        callable_()


BIG = Decimal("99999999999999999.999")


@pytest.mark.parametrize(
    "fields", [{"value": BIG}, {"value": -BIG}, {"value": Decimal("1000000000000")}, {"low": -BIG}, {"high": BIG}]
)
def test_database_refuses_a_figure_amount_with_more_digits_than_it_keeps(fields):
    ends = {} if "value" in fields else {"low": Decimal(1), "high": Decimal(9)}
    figure = FigureFactory(value=Decimal(5), **ends)
    too_big(lambda: Figure.objects.filter(pk=figure.pk).update(**fields))


def test_database_refuses_a_target_value_with_more_digits_than_it_keeps():
    target = ClauseTargetFactory()
    too_big(lambda: ClauseTarget.objects.filter(pk=target.pk).update(value=Decimal("1000000000000")))


def test_the_largest_amount_a_figure_keeps_is_read_back_exactly_and_shown(client):
    largest = Decimal("999999999999.999")
    figure = FigureFactory(value=largest, low=-largest, high=largest)
    figure.refresh_from_db()
    assert (figure.low, figure.value, figure.high) == (-largest, largest, largest)
    assert client.get(figure.indicator.get_absolute_url()).status_code == 200
    api = client.get(f"/api/v1/figures/{figure.pk}/")
    assert Decimal(api.json()["value"]) == largest


def test_database_refuses_two_identical_terms_on_a_clause():
    target = ClauseTargetFactory()
    refused(
        lambda: ClauseTarget.objects.create(
            clause=target.clause, indicator=target.indicator, comparator=target.comparator, value=1
        )
    )


def test_database_refuses_an_unknown_comparator():
    target = ClauseTargetFactory()
    refused(lambda: ClauseTarget.objects.filter(pk=target.pk).update(comparator="~"))


# --- the admin form explains, and saves nothing -----------------------------------------------


def _change(editor_client, obj, **overrides):
    url = reverse(f"admin:tracker_{obj._meta.model_name}_change", args=[obj.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    return editor_client.post(url, admin_form_data(page, **overrides))


def _add(editor_client, model, **overrides):
    url = reverse(f"admin:tracker_{model._meta.model_name}_add")
    page = editor_client.get(url)
    assert page.status_code == 200
    return editor_client.post(url, admin_form_data(page, **overrides))


def assert_field_error(response, field, fragment):
    assert response.status_code == 200, "an invalid form is shown again, not saved and redirected"
    errors = response.context["adminform"].form.errors
    assert field in errors, f"expected an error on {field}, got {errors}"
    assert fragment in " ".join(errors[field])


def test_admin_source_without_url_or_reason_gets_a_field_error(editor_client):
    response = _add(editor_client, Source, key="s-new", title="T", publisher="P", url="", no_url_reason="")
    assert_field_error(response, "no_url_reason", "say why")
    assert not Source.objects.filter(key="s-new").exists()


def test_admin_event_ending_before_it_starts_gets_a_field_error(editor_client):
    event = EventFactory()
    response = _change(editor_client, event, ends_on="2025-01-01")
    assert_field_error(response, "ends_on", "cannot end before")
    event.refresh_from_db()
    assert event.ends_on is None


def test_admin_duplicate_version_slug_gets_a_field_error(editor_client):
    version = PlanVersionFactory()
    source = SourceFactory()
    response = _add(
        editor_client,
        PlanVersion,
        plan=str(version.plan.pk),
        slug=version.slug,
        name_en="Copy",
        released_on="2025-11-24",
        status="revised",
        text_basis="partial",
        sources=[str(source.pk)],
    )
    assert response.status_code == 200
    assert (
        "slug" in str(response.context["adminform"].form.errors)
        or "__all__" in response.context["adminform"].form.errors
    )
    assert PlanVersion.objects.filter(slug=version.slug).count() == 1


def test_admin_version_revising_itself_gets_a_field_error(editor_client):
    version = PlanVersionFactory()
    response = _change(editor_client, version, based_on=str(version.pk))
    assert_field_error(response, "based_on", "cannot revise itself")
    version.refresh_from_db()
    assert version.based_on_id is None


def test_admin_version_slug_of_a_plan_page_gets_a_field_error(editor_client):
    version = PlanVersionFactory(slug="28-point")
    response = _change(editor_client, version, slug="compare")
    assert_field_error(response, "slug", "address of a page of the plan")
    version.refresh_from_db()
    assert version.slug == "28-point"


def test_admin_duplicate_clause_number_gets_a_field_error(editor_client):
    clause = ClauseFactory(number="6")
    other = ClauseFactory(number="7", version=clause.version)
    response = _change(editor_client, other, number="6")
    assert_field_error(response, "number", "already has a point 6")
    other.refresh_from_db()
    assert other.number == "7"


@pytest.mark.parametrize("number", ["6/1", "6 1", "/", "."])
def test_admin_clause_number_that_cannot_be_an_address_gets_a_field_error(editor_client, number):
    clause = ClauseFactory(number="6")
    response = _change(editor_client, clause, number=number)
    assert_field_error(response, "number", "letters and digits")
    clause.refresh_from_db()
    assert clause.number == "6"


def test_admin_duplicate_clause_number_in_the_version_inline_gets_an_error(editor_client):
    clause = ClauseFactory(number="6")
    version = clause.version
    url = reverse("admin:tracker_planversion_change", args=[version.pk])
    page = editor_client.get(url)
    data = admin_form_data(page)
    prefix = "clauses"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-1-version": str(version.pk),
            f"{prefix}-1-number": "6",
            f"{prefix}-1-sort_order": "2",
            f"{prefix}-1-heading_en": "A second point six",
            f"{prefix}-1-text_basis": "leaked",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "point 6" in response.content.decode() or "Please correct the duplicate" in response.content.decode()
    assert version.clauses.count() == 1


def test_admin_link_within_one_version_gets_a_field_error(editor_client):
    clause = ClauseFactory()
    sibling = ClauseFactory(version=clause.version)
    response = _add(
        editor_client,
        ClauseLink,
        from_clause=str(clause.pk),
        to_clause=str(sibling.pk),
        relation="amended",
        grade="reported",
    )
    assert_field_error(response, "to_clause", "two different versions")
    assert not ClauseLink.objects.exists()


def test_admin_link_to_another_plan_gets_a_field_error(editor_client):
    clause = ClauseFactory()
    stranger = ClauseFactory()
    response = _add(
        editor_client, ClauseLink, from_clause=str(clause.pk), to_clause=str(stranger.pk), relation="amended"
    )
    assert_field_error(response, "to_clause", "same plan")
    assert not ClauseLink.objects.exists()


def test_admin_removal_with_a_later_clause_gets_a_field_error(editor_client):
    link = ClauseLinkFactory()
    response = _change(editor_client, link, relation="removed")
    assert_field_error(response, "relation", "A removal has no later clause")
    link.refresh_from_db()
    assert link.relation == LinkRelation.UNCHANGED


def test_admin_removal_without_a_later_version_gets_a_field_error(editor_client):
    clause = ClauseFactory()
    response = _add(editor_client, ClauseLink, from_clause=str(clause.pk), relation="removed", grade="reported")
    assert_field_error(response, "to_version", "Name the later version")
    assert not ClauseLink.objects.exists()


def test_admin_duplicate_link_gets_an_error(editor_client):
    link = ClauseLinkFactory()
    response = _add(
        editor_client,
        ClauseLink,
        from_clause=str(link.from_clause.pk),
        to_clause=str(link.to_clause.pk),
        relation="reworded",
        grade="reported",
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ClauseLink.objects.count() == 1


def test_admin_position_on_both_a_clause_and_a_version_gets_a_field_error(editor_client):
    position = PositionFactory()
    response = _change(editor_client, position, version=str(position.clause.version.pk))
    assert_field_error(response, "version", "not both")
    position.refresh_from_db()
    assert position.version_id is None


def test_admin_position_on_nothing_gets_a_field_error(editor_client):
    position = PositionFactory()
    response = _change(editor_client, position, clause=None)
    assert_field_error(response, "clause", "Choose the clause")
    position.refresh_from_db()
    assert position.clause_id is not None


def test_admin_position_whose_actor_speaks_for_another_party_gets_a_field_error(editor_client):
    from tests.factories import ActorFactory

    position = PositionFactory()
    outsider = ActorFactory()
    response = _change(editor_client, position, actor=str(outsider.pk))
    assert_field_error(response, "actor", "does not speak for")
    position.refresh_from_db()
    assert position.actor_id is None


def test_admin_stance_off_the_scale_gets_a_field_error(editor_client):
    position = PositionFactory()
    response = _change(editor_client, position, stance="loves")
    assert_field_error(response, "stance", "valid choice")
    position.refresh_from_db()
    assert position.stance == "supports"


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        ({"value": None, "low": None, "high": None}, "value", "Give a value"),
        ({"value": None, "low": "900", "high": "800"}, "low", "cannot be above the high end"),
        ({"value": "700", "low": "800", "high": "900"}, "value", "below the low end"),
        ({"value": "1000", "low": "800", "high": "900"}, "value", "above the high end"),
        ({"period_start": "2025-12-01", "period_end": "2025-11-01"}, "period_start", "cannot start after"),
    ],
    ids=["no value", "low above high", "value below low", "value above high", "period ends before it starts"],
)
def test_admin_impossible_figure_gets_a_field_error(editor_client, overrides, field, fragment):
    figure = FigureFactory()
    response = _change(editor_client, figure, **overrides)
    assert_field_error(response, field, fragment)
    figure.refresh_from_db()
    assert figure.value == Decimal("800000") and figure.low is None and figure.period_start is None


@pytest.mark.parametrize("field", ["value", "low", "high"])
def test_admin_figure_amount_with_more_digits_than_it_keeps_gets_a_field_error(editor_client, field):
    figure = FigureFactory(value=Decimal(5), low=Decimal(1), high=Decimal(9))
    response = _change(editor_client, figure, **{field: "99999999999999999.999"})
    assert_field_error(response, field, "15 digits")
    figure.refresh_from_db()
    assert (figure.low, figure.value, figure.high) == (1, 5, 9)


def test_admin_target_value_with_more_digits_than_it_keeps_gets_a_field_error(editor_client):
    target = ClauseTargetFactory()
    response = _change(editor_client, target, value="99999999999999999.999")
    assert_field_error(response, "value", "15 digits")
    target.refresh_from_db()
    assert target.value == Decimal("600000")


def test_admin_duplicate_term_on_a_clause_gets_an_error(editor_client):
    target = ClauseTargetFactory()
    response = _add(
        editor_client,
        ClauseTarget,
        clause=str(target.clause.pk),
        indicator=str(target.indicator.pk),
        comparator=target.comparator,
        value="1",
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ClauseTarget.objects.count() == 1


def test_admin_unknown_comparator_gets_a_field_error(editor_client):
    target = ClauseTargetFactory()
    response = _change(editor_client, target, comparator="~")
    assert_field_error(response, "comparator", "valid choice")
    target.refresh_from_db()
    assert target.comparator == "lte"


# --- invariants across two tables, held by database triggers ------------------------------------


def test_database_refuses_a_position_whose_actor_speaks_for_another_party():
    from tests.factories import ActorFactory

    position = PositionFactory()
    outsider = ActorFactory()
    refused(lambda: Position.objects.filter(pk=position.pk).update(actor=outsider))
    refused(lambda: PositionFactory(actor=outsider))


def test_database_refuses_moving_an_actor_to_another_party_under_their_positions():
    from tests.factories import ActorFactory, PartyFactory
    from tracker.models import Actor

    actor = ActorFactory()
    PositionFactory(party=actor.party, actor=actor)
    refused(lambda: Actor.objects.filter(pk=actor.pk).update(party=PartyFactory()))


def test_admin_moving_an_actor_with_positions_to_another_party_gets_a_field_error(editor_client):
    from tests.factories import ActorFactory, PartyFactory

    actor = ActorFactory()
    PositionFactory(party=actor.party, actor=actor)
    original, other = actor.party, PartyFactory()
    response = _change(editor_client, actor, party=str(other.pk))
    assert_field_error(response, "party", "speak for another party")
    actor.refresh_from_db()
    assert actor.party == original


def test_the_triggers_stay_in_place_while_migrations_run():
    from django.apps import apps
    from django.db import connection
    from django.db.models.signals import pre_migrate

    from tests.factories import ActorFactory

    # What every migrate sends first: on SQLite the triggers come off until the rebuilds are done; on
    # PostgreSQL they are part of the schema, so a deploy's migrations never run without them.
    tracker = apps.get_app_config("tracker")
    pre_migrate.send(
        sender=tracker, app_config=tracker, verbosity=0, interactive=False, using="default", plan=[], apps=apps
    )
    position, outsider = PositionFactory(), ActorFactory()
    if connection.vendor == "postgresql":
        refused(lambda: Position.objects.filter(pk=position.pk).update(actor=outsider))
    else:
        Position.objects.filter(pk=position.pk).update(actor=outsider)
        Position.objects.filter(pk=position.pk).update(actor=None)
        from tracker.db_triggers import install_triggers

        install_triggers()
        refused(lambda: Position.objects.filter(pk=position.pk).update(actor=outsider))


def test_an_actor_without_positions_can_change_party():
    from tests.factories import ActorFactory, PartyFactory
    from tracker.models import Actor

    actor = ActorFactory()
    other = PartyFactory()
    Actor.objects.filter(pk=actor.pk).update(party=other)
    actor.refresh_from_db()
    assert actor.party == other


def test_database_refuses_a_link_between_two_plans():
    clause, stranger = ClauseFactory(), ClauseFactory()
    refused(lambda: ClauseLink.objects.create(from_clause=clause, to_clause=stranger, relation=LinkRelation.AMENDED))
    refused(
        lambda: ClauseLink.objects.create(
            from_clause=clause, to_version=stranger.version, relation=LinkRelation.REMOVED
        )
    )
