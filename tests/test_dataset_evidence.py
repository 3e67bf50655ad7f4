"""The shipped parties, positions, evidence and events: integrity, and the facts a reader will check.

The real files are loaded once for the module, inside a transaction rolled back at the end.
"""

import datetime

from tracker.models import (
    Clause,
    Confidence,
    Event,
    Figure,
    FigureKind,
    Indicator,
    Party,
    PlanVersion,
    Position,
    Stance,
)

WINDOW_START, WINDOW_END = datetime.date(2025, 8, 1), datetime.date(2025, 12, 31)


def test_the_parties_appear_in_the_agreed_order(loaded):
    slugs = list(Party.objects.values_list("slug", flat=True))
    assert slugs[:5] == ["united-states", "russia", "ukraine", "e3", "european-union"]


def test_every_position_has_an_actor_of_its_own_party_or_none(loaded):
    positions = Position.objects.select_related("actor", "party")
    assert positions.count() >= 65
    for position in positions:
        assert position.actor is None or position.actor.party == position.party, str(position)


def test_every_position_quote_is_under_15_words(loaded):
    quotes = [q for q in Position.objects.values_list("quote", flat=True) if q]
    assert len(quotes) > 50
    for quote in quotes:
        assert len(quote.split()) < 15, quote


def test_every_position_figure_and_event_cites_a_dated_source(loaded):
    for position in Position.objects.select_related("source"):
        assert position.source.published_on, str(position)
    for figure in Figure.objects.select_related("source"):
        assert figure.source.published_on or figure.source.date_note, str(figure)
    for event in Event.objects.prefetch_related("sources"):
        assert [s for s in event.sources.all() if s.published_on], str(event)


def test_russias_positions_on_the_28_point_draft_run_in_date_order_from_dmitriev_to_peskov(loaded):
    track = Position.objects.published().filter(party__slug="russia", version__slug="28-point").track()
    speakers = [(p.actor.slug, p.stance, p.stated_on) for p in track]
    assert speakers[0] == ("dmitriev", Stance.SUPPORTS, datetime.date(2025, 11, 19))
    assert speakers[1] == ("putin", Stance.CONDITIONAL, datetime.date(2025, 11, 21))
    assert speakers[-1] == ("peskov", Stance.SUPPORTS, datetime.date(2025, 11, 25))
    assert [d for _, _, d in speakers] == sorted(d for _, _, d in speakers)


def test_russias_stance_on_the_28_point_draft_as_of_22_november_is_putins_of_21_november(loaded):
    latest = (
        Position.objects.published()
        .filter(party__slug="russia", version__slug="28-point")
        .as_of(datetime.date(2025, 11, 22))
        .latest()
        .get()
    )
    assert (latest.actor.slug, latest.stance, latest.stated_on) == (
        "putin",
        Stance.CONDITIONAL,
        datetime.date(2025, 11, 21),
    )
    assert "final peace settlement" in latest.quote


def test_the_kremlin_rejects_the_e3_counter_proposal(loaded):
    e3_text = PlanVersion.objects.get(slug="e3-counter-proposal")
    stances = set(e3_text.positions.filter(party__slug="russia").values_list("stance", flat=True))
    assert stances == {Stance.REJECTS}


def test_the_mps_400000_desertion_cases_are_marked_an_unsubstantiated_claim(loaded):
    figure = Figure.objects.get(indicator__slug="ua-awol-desertion-cases", value=400000)
    assert figure.kind == FigureKind.CLAIM
    assert figure.confidence == Confidence.UNSUBSTANTIATED
    assert figure.source.key == "S00"


def test_every_october_2025_desertion_figure_is_a_lower_bound_over_21000(loaded):
    october = Figure.objects.filter(
        indicator__slug="ua-awol-desertion-cases-monthly", period_start=datetime.date(2025, 10, 1)
    )
    assert october.count() == 3
    for figure in october:
        assert figure.is_lower_bound
        assert figure.value >= 21000
        assert figure.display_value.startswith("over ")


def test_the_articles_300000_casualties_are_its_own_derived_estimate(loaded):
    figure = Figure.objects.get(indicator__slug="ua-casualties", source__key="S00")
    assert figure.value == 300000
    assert figure.kind == FigureKind.DERIVED
    assert "1:3" in figure.claimed_by


def test_the_162000_cases_in_2025_carry_their_not_found_caveat(loaded):
    figure = Figure.objects.get(value=162000)
    assert figure.confidence == Confidence.UNVERIFIED
    assert "Not found" in figure.caveat
    assert "176,321" in figure.caveat


def test_case_count_indicators_warn_that_they_count_cases_not_people(loaded):
    case_indicators = Indicator.objects.filter(unit__startswith="criminal cases")
    assert case_indicators.count() >= 6
    for indicator in case_indicators:
        assert "not people" in indicator.caveat, indicator.slug


def test_belligerents_figures_about_the_enemy_are_claims(loaded):
    by_the_enemy = Figure.objects.filter(claimed_by__contains="Belousov") | Figure.objects.filter(
        claimed_by__contains="General Staff of the Armed Forces of Ukraine"
    )
    assert by_the_enemy.count() == 4
    assert set(by_the_enemy.values_list("kind", flat=True)) == {FigureKind.CLAIM}


def test_figures_dated_outside_august_to_december_2025_say_so(loaded):
    for figure in Figure.objects.all():
        when = figure.period_end or figure.reported_on
        if "not known" in figure.period_label:
            continue
        if when < WINDOW_START or when > WINDOW_END:
            assert "Aug-Dec 2025 window" in figure.caveat, str(figure)


def test_the_force_cap_clause_has_reported_strengths_to_compare_with(loaded):
    cap = Clause.objects.get(version__slug="28-point", number="6").targets.get()
    gaps = {gap.figure.claimed_by: gap for gap in cap.gaps()}
    axios = gaps["Axios, citing official sources (as relayed by the AntiWar.com commentary)"]
    assert axios.difference == 200000
    assert not axios.meets


def test_events_unverified_from_memory_keep_that_grade(loaded):
    flagged = Event.objects.filter(description__contains="from memory, unverified")
    assert set(flagged.values_list("happened_on", flat=True)) == {
        datetime.date(2025, 8, 18),
        datetime.date(2025, 10, 22),
    }


def test_december_statements_on_reworked_points_sit_on_the_20_point_clauses(loaded):
    def latest(party, number):
        return (
            Position.objects.published()
            .filter(party__slug=party, clause__version__slug="20-point", clause__number=number)
            .latest()
            .get()
        )

    force = latest("ukraine", "force-size")
    assert (force.stance, force.stated_on) == (Stance.SUPPORTS, datetime.date(2025, 12, 11))
    assert latest("russia", "ceasefire").stance == Stance.REJECTS
    december = Position.objects.filter(party__slug="ukraine", clause__isnull=False, stated_on__month=12)
    assert set(december.values_list("clause__version__slug", flat=True)) == {"20-point"}
