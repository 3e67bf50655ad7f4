"""The plan pages readers use: home, plan, version, clause and compare."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction

from tests.factories import (
    ActorFactory,
    ClauseFactory,
    ClauseLinkFactory,
    ClauseTargetFactory,
    EventFactory,
    FigureFactory,
    IndicatorFactory,
    PartyFactory,
    PlanFactory,
    PlanVersionFactory,
    PositionFactory,
    SourceFactory,
    TopicFactory,
)
from tracker.models import ClauseLink, Figure, LinkRelation, Stance, TextBasis, VersionClaim
from tracker.selectors.plans import HOME_CHANGES, HOME_GAPS, HOME_PLANS, HOME_VERSIONS_PER_PLAN

D = datetime.date


class World:
    """A plan with a fully known 28-point draft and a partly known revision, as readers would meet it."""

    def __init__(self, scale=1):
        self.plan = PlanFactory(slug="us-framework-2025", title="US framework 2025")
        self.draft = PlanVersionFactory(
            plan=self.plan, slug="28-point", name="28-point draft", released_on=D(2025, 11, 20)
        )
        self.revision = PlanVersionFactory(
            plan=self.plan,
            slug="19-point",
            name="19-point revision",
            released_on=D(2025, 11, 23),
            text_basis=TextBasis.PARTIAL,
            based_on=self.draft,
        )
        self.security = TopicFactory(slug="security", name="Security guarantees")
        self.forces = TopicFactory(slug="armed-forces", name="Armed forces")
        self.us = PartyFactory(slug="us", name="United States", short_name="US", display_order=1)
        self.ua = PartyFactory(slug="ukraine", name="Ukraine", short_name="UA", display_order=2)
        self.ru = PartyFactory(slug="russia", name="Russia", short_name="RU", display_order=3)
        self.cap = ClauseFactory(
            version=self.draft,
            number="6",
            sort_order=6,
            heading="Force cap",
            summary="Ukraine's armed forces are capped.",
            text="Ukraine's armed forces will be limited to 600,000 personnel.",
        )
        self.cap.topics.add(self.forces)
        self.guarantee = ClauseFactory(
            version=self.draft, number="5", sort_order=5, heading="Guarantees", text="Robust guarantees."
        )
        self.guarantee.topics.add(self.security)
        self.lost = ClauseFactory(version=self.draft, number="7", sort_order=7, heading="Lost point")
        self.amnesty = ClauseFactory(version=self.draft, number="26", sort_order=26, heading="Amnesty")
        self.new_cap = ClauseFactory(
            version=self.revision,
            number="5",
            sort_order=5,
            heading="Force cap (revised)",
            text="Ukraine's armed forces will be limited to 800,000 personnel in peacetime.",
        )
        self.new_guarantee = ClauseFactory(
            version=self.revision, number="4", sort_order=4, heading="Guarantees", text="Robust guarantees."
        )
        ClauseLinkFactory(from_clause=self.cap, to_clause=self.new_cap, relation=LinkRelation.AMENDED)
        ClauseLinkFactory(from_clause=self.guarantee, to_clause=self.new_guarantee, relation=LinkRelation.UNCHANGED)
        self.removal = ClauseLink.objects.create(
            from_clause=self.amnesty,
            to_version=self.revision,
            relation=LinkRelation.REMOVED,
            source=SourceFactory(),
        )
        self.early = PositionFactory(
            party=self.ua, clause=self.cap, stance=Stance.OPPOSES, stated_on=D(2025, 11, 21), quote="Too low."
        )
        self.later = PositionFactory(
            party=self.ua, clause=self.cap, stance=Stance.CONDITIONAL, stated_on=D(2025, 11, 25), quote="Workable."
        )
        self.ru_position = PositionFactory(
            party=self.ru,
            actor=ActorFactory(party=self.ru, name="Spokesman"),
            clause=self.guarantee,
            stance=Stance.REJECTS,
            stated_on=D(2025, 11, 21),
        )
        self.indicator = IndicatorFactory(slug="afu-personnel", name="Armed forces personnel")
        self.target = ClauseTargetFactory(clause=self.cap, indicator=self.indicator, value=Decimal("600000"))
        self.figure = FigureFactory(indicator=self.indicator, value=Decimal("800000"), reported_on=D(2025, 11, 21))
        self.range_figure = FigureFactory(
            indicator=self.indicator,
            value=None,
            low=Decimal("850000"),
            high=Decimal("900000"),
            reported_on=D(2025, 11, 24),
            claimed_by="A think tank",
        )
        self.context = IndicatorFactory(slug="desertion-cases", name="Desertion cases", unit="cases")
        self.cap.context_indicators.add(self.context)
        FigureFactory(indicator=self.context, value=Decimal("290000"), reported_on=D(2025, 11, 10))
        EventFactory(title="Geneva talks", happened_on=D(2025, 11, 23))
        for n in range(scale - 1):
            self.grow(n)

    def grow(self, n):
        """More of everything: versions, clauses, links, positions, figures, events."""
        version = PlanVersionFactory(plan=self.plan, released_on=D(2025, 11, 26) + datetime.timedelta(days=n))
        for i in range(6):
            clause = ClauseFactory(version=self.draft, number=f"x{n}-{i}", sort_order=100 + n * 10 + i, text="A b c.")
            clause.topics.add(self.forces, self.security)
            later = ClauseFactory(version=version, number=f"{i}", sort_order=i, text="A b d.")
            ClauseLinkFactory(from_clause=clause, to_clause=later, relation=LinkRelation.REWORDED)
            ClauseLinkFactory(from_clause=self.cap, to_clause=later, relation=LinkRelation.AMENDED) if i == 0 else None
            for party in (self.us, self.ua, self.ru):
                PositionFactory(party=party, clause=clause, stance=Stance.AMBIGUOUS, stated_on=D(2025, 11, 21))
                PositionFactory(party=party, clause=later, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 22))
            PositionFactory(party=self.ua, clause=self.cap, stance=Stance.SUPPORTS, stated_on=D(2025, 11, 26))
            PositionFactory(party=PartyFactory(), version=version, clause=None, stance=Stance.AMBIGUOUS)
            FigureFactory(indicator=self.indicator, value=Decimal(700000 + i), reported_on=D(2025, 11, 22))
            FigureFactory(indicator=self.context, value=Decimal(1000 + i), reported_on=D(2025, 11, 22))
            ClauseTargetFactory(clause=later, indicator=self.indicator, value=Decimal("650000"))
        EventFactory(happened_on=D(2025, 11, 24))


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world for the module's read-only tests; each test still rolls back its own writes."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = World()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db):
    return shared_world


def reloaded(obj):
    """A fresh copy of a shared object, so a test's changes (rolled back after it) stay its own."""
    return type(obj)._default_manager.get(pk=obj.pk)


def test_home_lists_the_plan_its_versions_and_the_latest_stances(client, world):
    body = client.get("/").content.decode()
    assert "US framework 2025" in body
    assert "28-point draft" in body and "19-point revision" in body
    assert 'href="/plans/us-framework-2025/19-point/"' in body
    assert "Who stands where: 19-point revision" in body
    assert "Geneva talks" in body


def test_home_shows_each_targets_gap_to_its_latest_figure_with_the_source(client, world):
    body = client.get("/").content.decode()
    assert "The biggest gaps" in body
    assert "850,000-900,000" in body and "above the cap by 250,000 to 300,000" in body
    assert world.range_figure.source.title in body or world.range_figure.source.publisher in body
    assert "all 2 figures" in body
    then = client.get("/", {"as_of": "2025-11-22"}).content.decode()
    assert "above the cap by 200,000 (33.3%)" in then
    assert "850,000-900,000" not in then


def test_home_fetches_only_the_newest_figure_of_each_indicator_however_many_are_reported(client, world, monkeypatch):
    loaded = []
    original = Figure.from_db.__func__

    def counting(cls, *args):
        loaded.append(cls)
        return original(cls, *args)

    monkeypatch.setattr(Figure, "from_db", classmethod(counting))
    client.get("/")
    at_1x = len(loaded)
    for n in range(2):
        world.grow(n)  # 12 more figures of the same indicator, and 12 more terms measured by it
    loaded.clear()
    body = client.get("/").content.decode()
    # The newest figure behind the gaps, and the few newest figures "What's new" lists.
    assert at_1x <= 1 + HOME_CHANGES and len(loaded) <= 1 + HOME_CHANGES
    assert "all 14 figures" in body and "850,000-900,000" in body
    assert body.count('data-label="Gap"') == HOME_GAPS


def test_home_shows_the_most_recently_revised_plans_and_links_to_the_others(client, world):
    newer = []
    for n in range(HOME_PLANS + 2):
        plan = PlanFactory(slug=f"later-plan-{n}", title=f"Later plan {n}")
        PlanVersionFactory(
            plan=plan, name=f"Text of later plan {n}", released_on=D(2025, 12, 1) + datetime.timedelta(n)
        )
        newer.append(plan)
    PlanFactory(slug="empty-plan", title="A plan with nothing released")
    body = client.get("/").content.decode()
    shown = newer[-HOME_PLANS:]
    assert body.count('<h3><a href="/plans/') == HOME_PLANS
    for plan in shown:
        assert f'<h3><a href="/plans/{plan.slug}/">' in body
    # The earliest plans wait on the plan list, which the home page links to with the count.
    assert "US framework 2025" not in body and "Later plan 0<" not in body
    assert '<a href="/plans/">All 8 plans</a>' in body
    # As of before the later plans, the home page is as it was.
    then = client.get("/", {"as_of": "2025-11-30"}).content.decode()
    assert "US framework 2025" in then and "Later plan" not in then and "All 8 plans" not in then


def test_home_shows_each_plans_newest_versions_and_links_to_the_others(client, world):
    for n in range(HOME_VERSIONS_PER_PLAN):
        PlanVersionFactory(plan=world.plan, name=f"Round {n} text", released_on=D(2025, 12, 1) + datetime.timedelta(n))
    body = client.get("/").content.decode()
    section = body[body.index('id="plans-heading"') : body.index("Who stands where")]
    assert section.count("<li>") == HOME_VERSIONS_PER_PLAN
    assert "28-point draft" not in section and "19-point revision" not in section
    assert section.index("Round 0 text") < section.index(f"Round {HOME_VERSIONS_PER_PLAN - 1} text")
    total = HOME_VERSIONS_PER_PLAN + 2
    assert f"The newest {HOME_VERSIONS_PER_PLAN} of {total} versions" in section
    assert 'href="/plans/us-framework-2025/">all versions of this plan</a>' in section


def test_plan_list_shows_every_published_plan_with_its_published_versions(client, world):
    PlanVersionFactory(
        plan=world.plan, slug="secret", name="Secret text", is_published=False, released_on=D(2026, 1, 1)
    )
    hidden = PlanFactory(slug="hidden-plan", title="HIDDEN PLAN", is_published=False)
    PlanVersionFactory(plan=hidden, released_on=D(2026, 2, 1))
    PlanFactory(slug="empty-plan", title="A plan with nothing released")
    body = client.get("/plans/").content.decode()
    assert "HIDDEN PLAN" not in body
    assert body.index("US framework 2025") < body.index("A plan with nothing released")
    row = body[body.index("US framework 2025") :]
    assert '<td class="number">2</td>' in row[:300], "the draft version is not counted"
    assert "20 Nov 2025" in row[:500] and "23 Nov 2025" in row[:500]
    download = b"".join(client.get("/plans/?format=csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(download)))
    assert [(r["slug"], r["published_versions"], r["last_released_on"]) for r in rows] == [
        ("us-framework-2025", "2", "2025-11-23"),
        ("empty-plan", "0", ""),
    ]


def test_plan_list_is_paginated_and_refuses_a_bad_page_number(client, world):
    for n in range(60):
        PlanFactory(slug=f"plan-{n}", title=f"Plan {n}")
    first = client.get("/plans/").content.decode()
    assert "Page 1 of 2" in first and first.count('<th scope="row">') == 50
    assert client.get("/plans/?page=2").content.decode().count('<th scope="row">') == 11
    assert client.get("/plans/?page=abc").status_code == 400
    assert client.get("/plans/?page=3").status_code == 404


def test_home_matrix_skips_a_newer_version_whose_points_are_not_recorded(client, world):
    PlanVersionFactory(plan=world.plan, slug="20-point", name="20-point framework", released_on=D(2025, 12, 23))
    body = client.get("/").content.decode()
    assert "Who stands where: 19-point revision" in body
    assert "20-point framework" in body


def test_a_version_without_a_predecessor_offers_to_compare_with_its_revision(client, world):
    PlanVersionFactory(plan=world.plan, slug="20-point", name="20-point framework", released_on=D(2025, 12, 23))
    assert '<option value="19-point" selected>' in client.get(DRAFT).content.decode()


PLAN = "/plans/us-framework-2025/"
DRAFT = PLAN + "28-point/"
REVISION = PLAN + "19-point/"
CAP = DRAFT + "6/"
COMPARE = PLAN + "compare/"


def test_home_as_of_a_past_date_hides_later_versions_positions_and_figures(client, world):
    body = client.get("/", {"as_of": "2025-11-21"}).content.decode()
    assert "Showing the state of play on" in body
    assert "19-point revision" not in body
    assert "Too low." in body
    assert "Workable." not in body
    assert "Geneva talks" not in body


# The plan page


def test_plan_page_lists_versions_with_what_they_revise_and_a_comparison_link(client, world):
    body = client.get(PLAN).content.decode()
    assert "28-point draft" in body and "19-point revision" in body
    assert "Revises the" in body
    assert f"{COMPARE}?a=28-point&amp;b=19-point" in body


@pytest.mark.parametrize(
    "url",
    [
        "/plans/no-such-plan/",
        "/plans/us-framework-2025/no-such-version/",
        "/plans/us-framework-2025/28-point/999/",
        "/plans/no-such-plan/compare/",
        "/plans/no-such-plan/28-point/6/",
    ],
)
def test_unknown_plans_versions_and_points_get_the_404_page(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/plans/us-framework-2025/28-point/" + "%F0%9F%92%A3/",
        "/plans/us-framework-2025/28-point/" + "6" * 500 + "/",
        "/plans/us-framework-2025/28-point/" + "6%20/",
        "/plans/us-framework-2025/28-point/6/extra/",
    ],
)
def test_odd_point_numbers_get_the_404_page(client, world, url):
    assert client.get(url).status_code == 404


def test_a_version_viewed_before_its_release_says_it_was_not_yet_public(client, world):
    assert "it was not yet public" in client.get(REVISION, {"as_of": "2025-11-21"}).content.decode()
    assert "this point was not yet public" in client.get(REVISION + "5/", {"as_of": "2025-11-21"}).content.decode()
    assert "not yet public" not in client.get(REVISION, {"as_of": "2025-11-23"}).content.decode()


def test_a_nul_byte_in_the_address_is_refused(client, world):
    assert client.get("/plans/us-framework-2025%00/").status_code == 400
    assert client.get(DRAFT + "?topic=secu%00rity").status_code == 400


# The version page


def test_version_page_lists_its_points_with_topics_and_stances(client, world):
    body = client.get(DRAFT).content.decode()
    assert "6. Force cap" in body and "5. Guarantees" in body
    assert "Armed forces" in body
    assert "Released" in body and "20 November 2025" in body
    assert "Stance matrix" in body


def test_version_page_says_when_its_text_is_only_partly_known(client, world):
    assert "The full text of this version is not public" in client.get(REVISION).content.decode()
    assert "The full text of this version is not public" not in client.get(DRAFT).content.decode()


def test_stance_matrix_cells_link_to_the_position_and_its_source(client, world):
    body = client.get(DRAFT).content.decode()
    assert f'href="{CAP}#position-{world.later.pk}"' in body
    source = world.later.source
    assert f">{source.publisher}, {source.published_on.day} {source.published_on:%b %Y}</a>" in body  # never its key
    assert f'href="{world.later.source.get_absolute_url()}"' in body  # the source page, one click from the cell


def test_version_page_counts_each_partys_stances_over_the_points_listed(client, world):
    response = client.get(DRAFT)
    counts = {party.slug: counts for party, counts in response.context["stance_counts"]}
    assert counts["ukraine"] == [0, 1, 0, 0, 0]  # supports with conditions, on point 6
    assert counts["russia"] == [0, 0, 0, 0, 1]  # rejects point 5
    then = client.get(DRAFT, {"as_of": "2025-11-22"})
    assert {p.slug: c for p, c in then.context["stance_counts"]}["ukraine"] == [0, 0, 0, 1, 0]


def test_stance_legend_names_every_stance_in_words(client, world):
    body = client.get(DRAFT).content.decode()
    for label in ("Supports", "Supports with conditions", "Ambiguous", "Opposes", "Rejects", "No position recorded"):
        assert label in body


def test_matrix_shows_the_latest_stance_and_as_of_shows_the_earlier_one(client, world):
    today = client.get(DRAFT).content.decode()
    then = client.get(DRAFT, {"as_of": "2025-11-22"}).content.decode()
    assert f"#position-{world.later.pk}" in today and f"#position-{world.early.pk}" not in today
    assert f"#position-{world.early.pk}" in then and f"#position-{world.later.pk}" not in then


def clause_numbers(response):
    return [c.number for c in response.context["page"].object_list]


def test_version_page_filters_by_topic(client, world):
    assert clause_numbers(client.get(DRAFT, {"topic": "security"})) == ["5"]


def test_version_page_filters_by_text_basis(client, world):
    lost = reloaded(world.lost)
    lost.text_basis = "reported"
    lost.save()
    assert clause_numbers(client.get(DRAFT, {"text_basis": "reported"})) == ["7"]


def test_version_page_filters_by_a_partys_stance_as_of_the_date_shown(client, world):
    assert clause_numbers(client.get(DRAFT, {"party": "ukraine", "stance": "conditional"})) == ["6"]
    assert clause_numbers(client.get(DRAFT, {"party": "ukraine", "stance": "opposes"})) == []
    then = {"party": "ukraine", "stance": "opposes", "as_of": "2025-11-22"}
    assert clause_numbers(client.get(DRAFT, then)) == ["6"]


def test_version_page_filters_by_party_or_stance_alone(client, world):
    assert clause_numbers(client.get(DRAFT, {"party": "russia"})) == ["5"]
    assert clause_numbers(client.get(DRAFT, {"stance": "rejects"})) == ["5"]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"topic": "no-such-topic"}, "topic"),
        ({"stance": "loves"}, "stance"),
        ({"party": "atlantis"}, "party"),
        ({"text_basis": "telepathy"}, "text_basis"),
        ({"as_of": "garbage"}, "Date (as_of)"),
        ({"as_of": "0001-01-01"}, "Date (as_of)"),
        ({"page": "two"}, "Page number (page)"),
    ],
)
def test_bad_filter_values_on_the_version_page_get_a_message_not_unfiltered_points(client, world, params, parameter):
    response = client.get(DRAFT, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert parameter in body
    assert "Force cap" not in body


def test_a_page_past_the_end_of_the_points_is_not_found(client, world):
    assert client.get(DRAFT, {"page": "99"}).status_code == 404


def read_csv(response):
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_version_csv_returns_exactly_the_filtered_points(client, world):
    rows = read_csv(client.get(DRAFT, {"topic": "armed-forces", "format": "csv"}))
    assert [row["number"] for row in rows] == ["6"]
    assert rows[0]["url"] == CAP
    assert rows[0]["topics"] == "Armed forces"
    every = read_csv(client.get(DRAFT, {"format": "csv"}))
    assert [row["number"] for row in every] == ["5", "6", "7", "26"]


def test_version_csv_defuses_formulas(client, world):
    cap = reloaded(world.cap)
    cap.heading = '=HYPERLINK("http://evil")'
    cap.save()
    rows = read_csv(client.get(DRAFT, {"format": "csv", "topic": "armed-forces"}))
    assert rows[0]["heading"].startswith("'=")


def test_version_page_offers_a_comparison_defaulting_to_the_version_it_revises(client, world):
    body = client.get(REVISION).content.decode()
    assert f'action="{COMPARE}"' in body
    assert '<option value="28-point" selected>' in body


# The clause page


def test_clause_page_shows_number_heading_summary_text_and_how_it_is_known(client, world):
    body = client.get(CAP).content.decode()
    assert "Point 6" in body and "Force cap" in body
    assert "Ukraine&#x27;s armed forces are capped." in body
    assert "limited to 600,000 personnel" in body
    assert "Leaked text" in body
    assert "Armed forces" in body


def test_clause_page_shows_a_word_level_difference_with_the_later_version(client, world):
    body = client.get(CAP).content.decode()
    assert "Amended" in body
    assert "<del>600,000</del><ins>800,000</ins>" in body.replace(" ", "")
    assert "<ins>in peacetime</ins>" in body


def test_clause_page_reads_lineage_backwards_from_a_later_version(client, world):
    body = client.get(REVISION + "5/").content.decode()
    assert "28-point draft" in body
    assert 'href="/plans/us-framework-2025/28-point/6/"' in body
    assert "<del>600,000</del>" in body


def test_a_point_missing_from_a_partly_known_version_has_fate_not_reported(client, world):
    body = client.get(DRAFT + "7/").content.decode()
    assert "Fate not reported" in body
    assert "Dropped" not in body


def test_a_reported_removal_reads_as_dropped_with_its_source(client, world):
    body = client.get(DRAFT + "26/").content.decode()
    assert "Dropped" in body
    assert "Removed (reported)" in body
    assert world.removal.source.url in body


def test_clause_page_shows_every_figure_and_the_gap_without_averaging(client, world):
    body = client.get(CAP).content.decode()
    assert "at most 600,000" in body
    assert "800,000" in body and "above the cap by 200,000 (33.3%)" in body
    assert "850,000-900,000" in body and "above the cap by 250,000 to 300,000" in body
    assert "825,000" not in body  # the midpoint of the two is never shown
    assert "A think tank" in body


def test_clause_page_shows_context_indicators_with_their_figures(client, world):
    body = client.get(CAP).content.decode()
    assert "Desertion cases" in body and "290,000" in body


def test_clause_page_shows_each_partys_track_and_table(client, world):
    body = client.get(CAP).content.decode()
    assert 'aria-label="Ukraine\'s stance over time"' in body
    assert f'id="position-{world.early.pk}"' in body and f'id="position-{world.later.pk}"' in body
    assert body.index("Too low.") < body.index("Workable.")


def test_clause_page_as_of_keeps_positions_and_figures_known_by_then(client, world):
    body = client.get(CAP, {"as_of": "2025-11-22"}).content.decode()
    assert "Showing the state of play on" in body and "22 November 2025" in body
    assert "Too low." in body and "Workable." not in body
    assert "800,000" in body and "850,000-900,000" not in body


def test_clause_page_with_a_malformed_date_gets_a_message(client, world):
    response = client.get(CAP, {"as_of": "9999-12-31"})
    assert response.status_code == 400
    assert "Choose a date between" in response.content.decode()


# Compare


def test_compare_counts_each_change_and_lists_the_pairings(client, world):
    response = client.get(COMPARE, {"a": "28-point", "b": "19-point"})
    counts = {label: n for label, _, n in response.context["counts"]}
    assert counts == {"Unchanged": 1, "Amended": 1, "Dropped": 1, "Fate not reported": 1}
    body = response.content.decode()
    assert "<del>600,000</del>" in body
    assert "fate not reported" in body


def test_compare_reads_either_direction_in_release_order(client, world):
    forward = client.get(COMPARE, {"a": "28-point", "b": "19-point"})
    backward = client.get(COMPARE, {"a": "19-point", "b": "28-point"})
    assert backward.status_code == 200
    assert backward.context["comparison"].earlier == world.draft
    assert forward.context["counts"] == backward.context["counts"]
    assert "you chose the later one first" in backward.content.decode()


def test_compare_defaults_to_the_latest_version_and_the_one_it_revises(client, world):
    response = client.get(COMPARE)
    assert (response.context["a"], response.context["b"]) == (world.draft, world.revision)
    only_b = client.get(COMPARE, {"b": "19-point"})
    assert only_b.context["a"] == world.draft


def test_compare_csv_has_a_row_per_pairing_in_release_order(client, world):
    rows = read_csv(client.get(COMPARE, {"a": "19-point", "b": "28-point", "format": "csv"}))
    assert [(r["change"], r["earlier_points"], r["later_points"]) for r in rows] == [
        ("Unchanged", "5", "4"),
        ("Amended", "6", "5"),
        ("Fate not reported", "7", ""),
        ("Dropped", "26", ""),
    ]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"a": "no-such", "b": "19-point"}, "There is no published version called no-such."),
        ({"a": "19-point", "b": "19-point"}, "Choose two different versions"),
    ],
)
def test_compare_with_a_bad_version_gets_a_message(client, world, params, message):
    response = client.get(COMPARE, params)
    assert response.status_code == 400
    assert message in response.content.decode()


# Drafts

ALL_PAGES = [
    "/",
    "/plans/",
    PLAN,
    DRAFT,
    REVISION,
    CAP,
    REVISION + "5/",
    COMPARE,
    f"{COMPARE}?a=28-point&b=19-point",
]


@pytest.fixture
def drafts(world):
    """One of every kind of draft a reader must never see, each tied to what the pages show."""
    secret = PlanVersionFactory(plan=world.plan, slug="secret", name="DRAFTVERSION", is_published=False)
    PlanVersionFactory(
        plan=world.plan, slug="after-secret", name="Revision of a draft", based_on=secret, released_on=D(2025, 11, 21)
    )
    hidden_in_draft = ClauseFactory(version=secret, number="1", heading="DRAFTVERSIONCLAUSE")
    ClauseLinkFactory(from_clause=world.cap, to_clause=hidden_in_draft)
    draft_clause = ClauseFactory(version=world.draft, number="99", heading="DRAFTCLAUSE", is_published=False)
    ClauseLinkFactory(from_clause=draft_clause, to_clause=world.new_cap)
    PositionFactory(party=world.us, clause=world.cap, stance=Stance.REJECTS, quote="DRAFTPOSITION", is_published=False)
    PositionFactory(party=world.us, clause=draft_clause, quote="DRAFTCLAUSEPOSITION")
    PositionFactory(party=world.us, clause=hidden_in_draft, quote="DRAFTVERSIONPOSITION")
    FigureFactory(indicator=world.indicator, value=Decimal("123456"), claimed_by="DRAFTFIGURE", is_published=False)
    EventFactory(title="DRAFTEVENT", is_published=False)
    draft_plan = PlanFactory(slug="draft-plan", title="DRAFTPLAN", is_published=False)
    PlanVersionFactory(plan=draft_plan, name="Published text of a draft plan", released_on=D(2025, 11, 30))
    return ["DRAFTVERSION", "DRAFTCLAUSE", "DRAFTPOSITION", "123,456", "DRAFTFIGURE", "DRAFTEVENT", "DRAFTPLAN"]


@pytest.mark.parametrize("url", ALL_PAGES + [DRAFT + "?format=csv", "/plans/?format=csv", PLAN + "after-secret/"])
def test_drafts_never_reach_the_plan_pages(client, drafts, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for marker in drafts:
        assert marker not in body.decode(), marker


@pytest.mark.parametrize("url", [PLAN + "secret/", PLAN + "secret/1/", DRAFT + "99/", f"{COMPARE}?a=secret"])
def test_draft_versions_and_points_have_no_page(client, drafts, url):
    assert client.get(url).status_code in (400, 404)


def test_a_draft_plan_has_no_pages(client, world):
    plan = reloaded(world.plan)
    plan.is_published = False
    plan.save()
    for url in (PLAN, DRAFT, CAP, COMPARE):
        assert client.get(url).status_code == 404
    assert "US framework 2025" not in client.get("/").content.decode()


# Escaping

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = SCRIPT + IMG


def test_editor_written_text_is_escaped_as_text_on_every_plan_page(client, world):
    def spoil(obj, *fields):
        obj = reloaded(obj)
        for name in fields:
            setattr(obj, name, HOSTILE)
        obj.save()

    spoil(world.plan, "title", "summary")
    for version in (world.draft, world.revision):
        spoil(version, "name", "summary", "released_on_note")
    for clause in (world.cap, world.new_cap, world.lost, world.amnesty):
        spoil(clause, "heading", "summary", "text")
    spoil(world.forces, "name")
    for party in (reloaded(world.ua), reloaded(world.ru)):
        party.short_name = SCRIPT  # at most 30 characters
        party.name = f"{HOSTILE} {party.slug}"  # names are unique
        party.save()
    spoil(world.ru_position.actor, "name", "role")
    for position in (world.early, world.later, world.ru_position):
        spoil(position, "quote", "note")
    for source in {world.early.source, world.figure.source, world.range_figure.source}:
        spoil(source, "title", "publisher")
    spoil(world.indicator, "name", "unit", "caveat")
    spoil(world.context, "name", "unit", "caveat")
    spoil(world.figure, "claimed_by", "period_label", "caveat")
    spoil(world.target, "label", "note")
    for link in ClauseLink.objects.all():
        spoil(link, "note")
    VersionClaim.objects.create(
        version=world.revision,
        attribute=HOSTILE,
        value=HOSTILE,
        note=HOSTILE,
        stated_on=D(2025, 11, 24),
        source=world.figure.source,
    )
    from tracker.models import Event

    for event in Event.objects.all():
        spoil(event, "title", "description")

    for url in ALL_PAGES:
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body, url
        assert "<img src=x" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url


# Query counts: the same ceiling at 1x and 10x the data

QUERY_CEILINGS = {
    "/": 21,
    "/?as_of=2025-11-22": 21,
    "/plans/": 3,
    PLAN: 5,
    DRAFT: 14,
    DRAFT + "?topic=armed-forces&party=ukraine&stance=supports&as_of=2025-11-30": 16,
    CAP: 14,
    CAP + "?as_of=2025-11-22": 14,
    COMPARE + "?a=28-point&b=19-point": 6,
}


@pytest.mark.parametrize("scale", [1, 4], ids=["1x", "4x"])
def test_plan_pages_run_a_bounded_number_of_queries_whatever_the_data_size(
    client, world, scale, django_assert_max_num_queries
):
    for n in range(scale - 1):
        world.grow(n)
    client.get("/")  # warm what is cached once per process (content types, the diff cache)
    for url, ceiling in QUERY_CEILINGS.items():
        with django_assert_max_num_queries(ceiling, info=url):
            response = client.get(url)
        assert response.status_code == 200, url


def test_every_clause_number_editors_may_enter_is_carried_by_the_pages_api_and_feeds(client, db):
    numbers = ["12a", "6.1", "4(b)", "II-3", "x_2", "6а"]
    plan = PlanFactory(slug="framework")
    first = PlanVersionFactory(plan=plan, slug="first")
    second = PlanVersionFactory(plan=plan, slug="second", based_on=first)
    party = PartyFactory()
    for i, number in enumerate(numbers):
        old = ClauseFactory(version=first, number=number, sort_order=i, heading=f"Point {number}")
        new = ClauseFactory(version=second, number=number, sort_order=i)
        ClauseLinkFactory(from_clause=old, to_clause=new)
        PositionFactory(party=party, clause=old)
    pages = ["/", "/plans/framework/", "/plans/framework/first/", "/plans/framework/compare/?a=first&b=second"]
    pages += ["/search/?q=Point", "/api/v1/clauses/", f"/parties/{party.slug}/", "/feeds/positions/"]
    for number in numbers:
        key = f"framework/first/{number}"
        pages += [f"/plans/{key}/", f"/api/v1/clauses/{key}/", f"/feeds/positions/{key}/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/plans/framework/first/").content.decode()
    assert all(f'href="/plans/framework/first/{n}/"' in html for n in ["12a", "6.1", "4(b)", "II-3"])
