"""The four domain rules: stance as of a date, lineage, gaps against targets, and what readers may see."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import (
    ActorFactory,
    ClauseFactory,
    ClauseLinkFactory,
    ClauseTargetFactory,
    FigureFactory,
    PartyFactory,
    PlanVersionFactory,
    PositionFactory,
)
from tracker.lineage import Change, compare_versions
from tracker.models import (
    Clause,
    ClauseLink,
    ClauseTarget,
    Comparator,
    Figure,
    GapStatus,
    LinkRelation,
    PlanVersion,
    Position,
    Stance,
    TextBasis,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def stance_as_of(party, subject, date):
    rows = Position.objects.published().as_of(date).latest().filter(party=party)
    rows = rows.filter(clause=subject) if isinstance(subject, Clause) else rows.filter(version=subject)
    found = list(rows)
    assert len(found) <= 1
    return found[0] if found else None


# --- stance as of a date -----------------------------------------------------------------------


def test_no_position_yet_means_no_stance():
    clause = ClauseFactory()
    party = PartyFactory()
    PositionFactory(party=party, clause=clause, stated_on=D(2025, 11, 25))
    assert stance_as_of(party, clause, D(2025, 11, 24)) is None


def test_stance_as_of_a_date_is_the_latest_stated_on_or_before_it():
    clause = ClauseFactory()
    party = PartyFactory()
    PositionFactory(party=party, clause=clause, stance=Stance.CONDITIONAL, stated_on=D(2025, 11, 21))
    PositionFactory(party=party, clause=clause, stance=Stance.REJECTS, stated_on=D(2025, 12, 2))
    assert stance_as_of(party, clause, D(2025, 11, 21)).stance == Stance.CONDITIONAL
    assert stance_as_of(party, clause, D(2025, 12, 1)).stance == Stance.CONDITIONAL
    assert stance_as_of(party, clause, D(2025, 12, 2)).stance == Stance.REJECTS


def test_two_positions_on_the_same_day_the_later_entry_stands():
    clause = ClauseFactory()
    party = PartyFactory()
    PositionFactory(party=party, clause=clause, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 25))
    later_entry = PositionFactory(party=party, clause=clause, stance=Stance.OPPOSES, stated_on=D(2025, 11, 25))
    assert stance_as_of(party, clause, D(2025, 11, 25)) == later_entry


def test_a_draft_position_does_not_count():
    clause = ClauseFactory()
    party = PartyFactory()
    PositionFactory(party=party, clause=clause, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 21))
    PositionFactory(party=party, clause=clause, stance=Stance.REJECTS, stated_on=D(2025, 11, 30), is_published=False)
    assert stance_as_of(party, clause, D(2025, 12, 31)).stance == Stance.SUPPORTS


def test_positions_on_a_clause_and_on_its_version_are_separate_tracks():
    clause = ClauseFactory()
    party = PartyFactory()
    on_clause = PositionFactory(party=party, clause=clause, stance=Stance.REJECTS, stated_on=D(2025, 11, 22))
    on_version = PositionFactory(
        party=party, clause=None, version=clause.version, stance=Stance.CONDITIONAL, stated_on=D(2025, 11, 23)
    )
    assert stance_as_of(party, clause, D(2025, 11, 30)) == on_clause
    assert stance_as_of(party, clause.version, D(2025, 11, 30)) == on_version


def test_each_party_keeps_its_own_latest_stance():
    clause = ClauseFactory()
    russia, ukraine = PartyFactory(), PartyFactory()
    PositionFactory(party=russia, clause=clause, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 21))
    PositionFactory(party=ukraine, clause=clause, stance=Stance.OPPOSES, stated_on=D(2025, 11, 22))
    latest = {p.party_id: p.stance for p in Position.objects.published().as_of(D(2025, 12, 1)).latest()}
    assert latest == {russia.pk: Stance.SUPPORTS, ukraine.pk: Stance.OPPOSES}


def test_filters_after_latest_narrow_the_result_without_changing_which_position_is_latest():
    clause = ClauseFactory()
    party = PartyFactory()
    PositionFactory(party=party, clause=clause, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 21))
    PositionFactory(party=party, clause=clause, stance=Stance.REJECTS, stated_on=D(2025, 11, 24))
    latest = Position.objects.published().latest()
    # The party supported the point once, but that is no longer its stance.
    assert not latest.filter(stance=Stance.SUPPORTS).exists()
    assert list(latest.filter(stance=Stance.REJECTS).values_list("stance", flat=True)) == [Stance.REJECTS]


def test_a_draft_position_never_hides_the_latest_published_one():
    clause = ClauseFactory()
    party = PartyFactory()
    stated = PositionFactory(party=party, clause=clause, stance=Stance.OPPOSES, stated_on=D(2025, 11, 21))
    PositionFactory(party=party, clause=clause, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 25), is_published=False)
    assert list(Position.objects.published().latest()) == [stated]


def test_narrowing_to_a_party_or_subject_before_latest_gives_the_same_latest_positions():
    clauses = [ClauseFactory(), ClauseFactory()]
    parties = [PartyFactory(), PartyFactory()]
    for day, (clause, party, stance) in enumerate(
        [(c, p, s) for c in clauses for p in parties for s in (Stance.SUPPORTS, Stance.OPPOSES)], start=1
    ):
        PositionFactory(party=party, clause=clause, stance=stance, stated_on=D(2025, 11, day))
    everything = set(Position.objects.published().latest())
    assert len(everything) == 4 and {p.stance for p in everything} == {Stance.OPPOSES}
    for party in parties:
        narrowed = set(Position.objects.published().filter(party=party).latest())
        assert narrowed == {p for p in everything if p.party_id == party.pk}
    for clause in clauses:
        narrowed = set(Position.objects.published().filter(clause=clause).latest())
        assert narrowed == {p for p in everything if p.clause_id == clause.pk}


def test_track_lists_a_partys_positions_in_date_order():
    clause = ClauseFactory()
    party = PartyFactory()
    late = PositionFactory(party=party, clause=clause, stated_on=D(2025, 12, 2))
    early = PositionFactory(party=party, clause=clause, stated_on=D(2025, 11, 21))
    PositionFactory(party=party, clause=clause, stated_on=D(2025, 11, 25), is_published=False)
    assert list(Position.objects.published().filter(clause=clause, party=party).track()) == [early, late]


def test_positions_on_a_draft_clause_or_draft_version_are_not_published():
    hidden_clause = ClauseFactory(is_published=False)
    hidden_version = PlanVersionFactory(is_published=False)
    PositionFactory(clause=hidden_clause)
    PositionFactory(clause=ClauseFactory(version=hidden_version))
    PositionFactory(clause=None, version=hidden_version)
    visible = PositionFactory()
    assert list(Position.objects.published()) == [visible]


def test_the_stance_scale_is_ordered_from_support_to_rejection():
    ranks = [Stance.rank(s) for s in (Stance.SUPPORTS, Stance.CONDITIONAL, Stance.AMBIGUOUS, Stance.OPPOSES)]
    assert ranks == sorted(ranks)
    assert Stance.rank(Stance.REJECTS) == max(Stance.rank(s) for s in Stance.values)


def test_an_actor_speaks_for_the_position_party():
    from django.core.exceptions import ValidationError

    actor = ActorFactory()
    position = PositionFactory.build(
        party=PartyFactory(), actor=actor, clause=ClauseFactory(), source=PositionFactory().source
    )
    with pytest.raises(ValidationError) as error:
        position.full_clean()
    assert "actor" in error.value.message_dict


# --- lineage between two versions --------------------------------------------------------------


def two_versions(later_basis=TextBasis.LEAKED_FULL, earlier_basis=TextBasis.LEAKED_FULL):
    earlier = PlanVersionFactory(released_on=D(2025, 11, 20), text_basis=earlier_basis)
    later = PlanVersionFactory(plan=earlier.plan, released_on=D(2025, 11, 24), text_basis=later_basis)
    return earlier, later


def link(a, b, relation=LinkRelation.UNCHANGED):
    return ClauseLinkFactory(from_clause=a, to_clause=b, relation=relation)


def rows_by_change(comparison):
    return {
        (row.change, tuple(c.number for c in row.earlier), tuple(c.number for c in row.later))
        for row in comparison.rows
    }


def test_lineage_reports_unchanged_reworded_and_amended_pairs():
    earlier, later = two_versions()
    for number, relation in [("1", "unchanged"), ("2", "reworded"), ("3", "amended")]:
        link(ClauseFactory(version=earlier, number=number), ClauseFactory(version=later, number=number), relation)
    assert rows_by_change(compare_versions(earlier, later)) == {
        ("unchanged", ("1",), ("1",)),
        ("reworded", ("2",), ("2",)),
        ("amended", ("3",), ("3",)),
    }


def test_a_clause_split_in_two_and_two_merged_into_one():
    earlier, later = two_versions()
    six = ClauseFactory(version=earlier, number="6")
    six_a, six_b = ClauseFactory(version=later, number="6a"), ClauseFactory(version=later, number="6b")
    link(six, six_a, "amended")
    link(six, six_b, "amended")
    nine, ten = ClauseFactory(version=earlier, number="9"), ClauseFactory(version=earlier, number="10")
    merged = ClauseFactory(version=later, number="9-10")
    link(nine, merged, "reworded")
    link(ten, merged, "reworded")
    comparison = compare_versions(earlier, later)
    assert rows_by_change(comparison) == {
        ("split", ("6",), ("6a", "6b")),
        ("merged", ("9", "10"), ("9-10",)),
    }
    assert comparison.counts()["split"] == 1 and comparison.counts()["merged"] == 1


def test_when_both_texts_are_known_unlinked_clauses_are_dropped_or_new():
    earlier, later = two_versions()
    ClauseFactory(version=earlier, number="26")
    ClauseFactory(version=later, number="20")
    assert rows_by_change(compare_versions(earlier, later)) == {("dropped", ("26",), ()), ("new", (), ("20",))}


def test_in_a_partly_known_later_version_an_unlinked_clause_has_fate_not_reported():
    earlier, later = two_versions(later_basis=TextBasis.PARTIAL)
    ClauseFactory(version=earlier, number="23")
    amnesty = ClauseFactory(version=earlier, number="26")
    removal = ClauseLink.objects.create(
        from_clause=amnesty, to_version=later, relation=LinkRelation.REMOVED, source=ClauseLinkFactory().source
    )
    comparison = compare_versions(earlier, later)
    assert rows_by_change(comparison) == {("fate_not_reported", ("23",), ()), ("dropped", ("26",), ())}
    dropped = next(row for row in comparison.rows if row.change == Change.DROPPED)
    assert dropped.links == [removal], "a reported removal carries its link, with source and grade"


def test_a_clause_of_a_later_version_without_known_origin_in_a_partial_earlier_text():
    earlier, later = two_versions(earlier_basis=TextBasis.PARTIAL)
    ClauseFactory(version=later, number="B")
    assert rows_by_change(compare_versions(earlier, later)) == {("origin_not_reported", (), ("B",))}


def test_comparison_runs_either_way_and_reports_chronologically():
    earlier, later = two_versions()
    link(ClauseFactory(version=earlier, number="6"), ClauseFactory(version=later, number="6"), "amended")
    forward, backward = compare_versions(earlier, later), compare_versions(later, earlier)
    assert rows_by_change(forward) == rows_by_change(backward)
    assert backward.reversed and not forward.reversed
    assert backward.earlier == earlier


def test_two_revisions_of_one_text_are_compared_through_it():
    original, first = two_versions()
    second = PlanVersionFactory(plan=original.plan, released_on=D(2025, 12, 24))
    six = ClauseFactory(version=original, number="6")
    link(six, ClauseFactory(version=first, number="A"), "amended")
    link(six, ClauseFactory(version=second, number="B"), "reworded")
    comparison = compare_versions(first, second)
    [row] = comparison.rows
    assert row.indirect and [c.number for c in row.earlier] == ["A"] and [c.number for c in row.later] == ["B"]


def test_lineage_ignores_draft_clauses():
    earlier, later = two_versions()
    link(ClauseFactory(version=earlier, number="1"), ClauseFactory(version=later, number="1", is_published=False))
    assert rows_by_change(compare_versions(earlier, later)) == {("dropped", ("1",), ())}


def test_versions_of_different_plans_cannot_be_compared():
    with pytest.raises(ValueError):
        compare_versions(PlanVersionFactory(), PlanVersionFactory())


# --- gaps between a clause's numeric term and the figures --------------------------------------


def cap(value=600000, comparator=Comparator.AT_MOST):
    return ClauseTargetFactory(value=Decimal(value), comparator=comparator)


def test_a_reported_strength_above_the_cap_misses_it_by_the_difference():
    target = cap()
    gap = target.gap(FigureFactory(indicator=target.indicator, value=Decimal(800000)))
    assert gap.status == GapStatus.MISSES
    assert gap.difference == Decimal(200000)
    assert gap.percent == Decimal("33.3"), "200,000 is a third of the cap"
    assert gap.share_of_figure == Decimal("25.0"), "the cap asks for a quarter of today's strength"


def test_a_figure_within_the_cap_meets_it():
    target = cap(800000)
    gap = target.gap(FigureFactory(indicator=target.indicator, value=Decimal(800000)))
    assert gap.meets and gap.difference == 0


def test_a_range_straddling_the_term_is_compared_by_its_bounds():
    target = cap(850000)
    figure = FigureFactory(indicator=target.indicator, value=None, low=Decimal(800000), high=Decimal(900000))
    gap = target.gap(figure)
    assert gap.status == GapStatus.STRADDLES
    assert (gap.difference_low, gap.difference_high) == (Decimal(-50000), Decimal(50000))
    assert gap.difference is None, "a range has no single value to subtract: never averaged"


def test_a_range_wholly_above_the_cap_misses_it():
    target = cap()
    figure = FigureFactory(indicator=target.indicator, value=None, low=Decimal(800000), high=Decimal(850000))
    assert target.gap(figure).status == GapStatus.MISSES


def test_an_at_least_term_is_met_by_a_larger_figure():
    target = cap(100, Comparator.AT_LEAST)
    assert target.gap(FigureFactory(indicator=target.indicator, value=Decimal(300))).meets


def test_gaps_use_only_published_figures_of_the_same_indicator():
    target = cap()
    shown = FigureFactory(indicator=target.indicator, value=Decimal(800000))
    FigureFactory(indicator=target.indicator, value=Decimal(900000), is_published=False)
    FigureFactory(value=Decimal(1))
    assert [gap.figure for gap in target.gaps()] == [shown]


# --- published(): what readers may see ----------------------------------------------------------


def test_a_clause_is_public_only_when_it_and_its_version_and_plan_are():
    shown = ClauseFactory()
    ClauseFactory(is_published=False)
    ClauseFactory(version=PlanVersionFactory(is_published=False))
    ClauseFactory(version=PlanVersionFactory(plan__is_published=False))
    assert list(Clause.objects.published()) == [shown]


def test_a_version_of_a_draft_plan_is_not_public():
    shown = PlanVersionFactory()
    PlanVersionFactory(is_published=False)
    PlanVersionFactory(plan__is_published=False)
    assert list(PlanVersion.objects.published()) == [shown]


def test_links_and_targets_of_draft_clauses_are_not_public():
    shown = ClauseLinkFactory()
    ClauseLinkFactory(to_clause__is_published=False)
    ClauseLinkFactory(from_clause__is_published=False)
    assert list(ClauseLink.objects.published()) == [shown]
    target = ClauseTargetFactory()
    ClauseTargetFactory(clause__is_published=False)
    assert list(ClauseTarget.objects.published()) == [target]


def test_draft_figures_are_not_public():
    shown = FigureFactory()
    FigureFactory(is_published=False)
    assert list(Figure.objects.published()) == [shown]
