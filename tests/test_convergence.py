"""How far apart the parties stand: the spread, its labels, the page, its CSV and the point's chart."""

import csv
import datetime
import io

import pytest

from tests import factories as f
from tracker import models
from tracker.selectors.convergence import NOT_ENOUGH, assess, convergence_list, spread_history

pytestmark = pytest.mark.django_db

S = models.Stance
NOV = lambda day: datetime.date(2025, 11, day)  # noqa: E731


def test_the_spread_is_the_distance_between_the_stances_furthest_apart():
    assert assess([S.SUPPORTS, S.REJECTS, S.CONDITIONAL]) == (4, "four steps apart")
    assert assess([S.CONDITIONAL, S.AMBIGUOUS]) == (1, "one step apart")
    assert assess([S.OPPOSES, S.CONDITIONAL]) == (2, "two steps apart")


def test_parties_that_agree_have_no_spread_and_say_where_they_agree():
    assert assess([S.SUPPORTS, S.SUPPORTS, S.SUPPORTS]) == (0, "all sides support")
    assert assess([S.REJECTS, S.REJECTS]) == (0, "all sides reject")


def test_one_party_or_none_is_not_enough_and_never_a_zero():
    assert assess([S.SUPPORTS]) == (None, NOT_ENOUGH)
    assert assess([]) == (None, NOT_ENOUGH)


@pytest.fixture
def talks():
    """A draft's points: one the parties are far apart on, one they agree on, one with one party, one with none."""
    plan = f.PlanFactory(slug="us-framework", title="US framework")
    draft = f.PlanVersionFactory(plan=plan, slug="28-point", name="28-point draft", released_on=NOV(20))
    revision = f.PlanVersionFactory(
        plan=plan, slug="19-point", name="19-point revision", released_on=NOV(23), based_on=draft
    )
    ua = f.PartyFactory(slug="ukraine", name="Ukraine", short_name="UA", display_order=1)
    ru = f.PartyFactory(slug="russia", name="Russia", short_name="RU", display_order=2)
    us = f.PartyFactory(slug="usa", name="United States", short_name="US", display_order=3)
    forces = f.TopicFactory(slug="armed-forces", name="Armed forces")
    cap = f.ClauseFactory(version=draft, number="6", heading="Force cap")
    cap.topics.add(forces)
    amnesty = f.ClauseFactory(version=draft, number="26", heading="Amnesty")
    lonely = f.ClauseFactory(version=draft, number="7", heading="NATO")
    silent = f.ClauseFactory(version=draft, number="8", heading="Jets")
    revised_cap = f.ClauseFactory(version=revision, number="5", heading="Force cap, revised")
    revised_cap.topics.add(forces)
    f.ClauseLinkFactory(from_clause=cap, to_clause=revised_cap, relation=models.LinkRelation.AMENDED)
    f.PositionFactory(party=us, clause=cap, stance=S.SUPPORTS, stated_on=NOV(21))
    f.PositionFactory(party=ua, clause=cap, stance=S.CONDITIONAL, stated_on=NOV(22))
    f.PositionFactory(party=ua, clause=cap, stance=S.REJECTS, stated_on=NOV(25))
    f.PositionFactory(party=ru, clause=cap, stance=S.SUPPORTS, stated_on=NOV(26))
    # A draft never counts.
    f.PositionFactory(party=ru, clause=cap, stance=S.REJECTS, stated_on=NOV(27), is_published=False)
    f.PositionFactory(party=ua, clause=amnesty, stance=S.SUPPORTS, stated_on=NOV(21))
    f.PositionFactory(party=ru, clause=amnesty, stance=S.SUPPORTS, stated_on=NOV(21))
    f.PositionFactory(party=ua, clause=lonely, stance=S.REJECTS, stated_on=NOV(21))
    f.PositionFactory(party=ua, clause=revised_cap, stance=S.CONDITIONAL, stated_on=NOV(24))
    f.PositionFactory(party=us, clause=revised_cap, stance=S.SUPPORTS, stated_on=NOV(24))
    # A position on the version as a whole is not a stance on its points.
    f.PositionFactory(party=ru, clause=None, version=draft, stance=S.REJECTS, stated_on=NOV(21))
    return {"cap": cap, "amnesty": amnesty, "lonely": lonely, "silent": silent, "revised": revised_cap}


def by_point(items):
    return {(item.clause.version.slug, item.clause.number): item for item in items}


def test_points_are_listed_furthest_apart_first_and_those_without_a_spread_last(talks):
    items = convergence_list()
    assert [(i.clause.number, i.spread, i.parties_recorded) for i in items] == [
        ("6", 4, 3),  # UA rejects, RU and US support
        ("5", 1, 2),
        ("26", 0, 2),
        ("7", None, 1),
        ("8", None, 0),
    ]
    assert [i.label for i in items] == [
        "four steps apart",
        "one step apart",
        "all sides support",
        NOT_ENOUGH,
        NOT_ENOUGH,
    ]
    cap = items[0]
    assert [(s.party.slug, s.stance) for s in cap.stances] == [
        ("ukraine", S.REJECTS),
        ("russia", S.SUPPORTS),
        ("usa", S.SUPPORTS),
    ]


def test_the_latest_stance_as_of_a_date_counts(talks):
    items = by_point(convergence_list(as_of=NOV(22)))
    cap = items[("28-point", "6")]
    assert (cap.spread, cap.parties_recorded, cap.label) == (1, 2, "one step apart")
    # The revision was not released yet.
    assert ("19-point", "5") not in items


def test_before_any_position_every_point_has_not_enough_positions(talks):
    items = convergence_list(as_of=NOV(20))
    assert items and all(i.spread is None and i.label == NOT_ENOUGH and not i.stances for i in items)


def test_ties_on_the_same_day_are_decided_by_the_later_entry(talks):
    russia = models.Party.objects.get(slug="russia")
    f.PositionFactory(party=russia, clause=talks["amnesty"], stance=S.REJECTS, stated_on=NOV(28))
    f.PositionFactory(party=russia, clause=talks["amnesty"], stance=S.CONDITIONAL, stated_on=NOV(28))
    amnesty = by_point(convergence_list())[("28-point", "26")]
    assert (amnesty.spread, amnesty.label) == (1, "one step apart")


def test_filters_narrow_to_a_plan_version_and_topic(talks):
    forces = models.Topic.objects.get(slug="armed-forces")
    assert [i.clause.number for i in convergence_list(topic=forces)] == ["6", "5"]
    revision = talks["revised"].version
    assert [i.clause.number for i in convergence_list(version=revision)] == ["5"]
    assert len(convergence_list(plan=revision.plan)) == 5


def test_the_spread_steps_at_every_dated_position(talks):
    steps = spread_history(talks["cap"])
    assert [(s.date, s.spread, s.label) for s in steps] == [
        (NOV(21), None, NOT_ENOUGH),
        (NOV(22), 1, "one step apart"),
        (NOV(25), 4, "four steps apart"),
        (NOV(26), 4, "four steps apart"),
    ]
    assert spread_history(talks["cap"], as_of=NOV(21))[-1].label == NOT_ENOUGH


def test_the_page_lists_points_furthest_apart_first_with_their_labels(client, talks):
    body = client.get("/convergence/").content.decode()
    cap, amnesty, lonely = body.index("Force cap</a>"), body.index("Amnesty</a>"), body.index("NATO</a>")
    assert cap < amnesty < lonely
    assert "Four steps apart" in body and "All sides support" in body and "Not enough positions recorded" in body


def test_the_page_filters_by_version_topic_and_date(client, talks):
    body = client.get("/convergence/?version=us-framework/19-point").content.decode()
    assert "Force cap, revised" in body and "Amnesty" not in body
    body = client.get("/convergence/?topic=armed-forces&as_of=2025-11-22").content.decode()
    assert "Force cap</a>" in body and "Force cap, revised" not in body and "One step apart" in body


@pytest.mark.parametrize(
    "query, message",
    [
        ("as_of=yesterday", "YYYY-MM-DD"),
        ("as_of=0001-01-01", "between"),
        ("plan=no-such-plan", "no published plan"),
        ("version=us-framework/99-point", "no published version"),
        ("topic=nothing", "no topic"),
    ],
)
def test_bad_filters_get_a_clear_message_not_an_unfiltered_list(client, talks, query, message):
    response = client.get(f"/convergence/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Force cap" not in response.content.decode()


def test_drafts_never_reach_the_page(client, talks):
    f.ClauseFactory(version=talks["cap"].version, number="99", heading="Secret point", is_published=False)
    body = client.get("/convergence/").content.decode()
    assert "Secret point" not in body


def test_the_csv_has_the_page_rows_and_filters(client, talks):
    response = client.get("/convergence/?format=csv&as_of=2025-11-22&topic=armed-forces")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["point"], r["spread"], r["parties_recorded"], r["label"]) for r in rows] == [
        ("6", "1", "2", "one step apart")
    ]
    assert rows[0]["stances"].startswith("Ukraine: supports with conditions (2025-11-22)")


def test_the_home_page_links_the_convergence_page(client, talks):
    assert 'href="/convergence/"' in client.get("/").content.decode()


def test_the_point_page_shows_its_line_through_the_versions_and_a_chart(client, talks):
    body = client.get(talks["cap"].get_absolute_url()).content.decode()
    section = body[body.index('id="convergence"') :]
    assert "19-point revision, point 5" in section and "One step apart" in section
    assert "Four steps apart" in section
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--spread" viewBox="0 0 360 230"' in section
    # Before the revision was released, the line has only this point.
    body = client.get(talks["cap"].get_absolute_url() + "?as_of=2025-11-22").content.decode()
    section = body[body.index('id="convergence"') : body.index("</table>", body.index('id="convergence"'))]
    assert "19-point revision" not in section and "One step apart" in section


def test_the_version_page_shows_each_point_line(client, talks):
    body = client.get(talks["cap"].version.get_absolute_url()).content.decode()
    assert "How far apart: four steps apart (spread 4 of 4)." in body
    assert f"How far apart: {NOT_ENOUGH}." in body
    # A small chart per point on the same scale, its steps in words for screen readers.
    assert (
        "<title>How far apart over time, point 6: 21 Nov 2025: not enough positions recorded; "
        "22 Nov 2025: one step apart; 25 Nov 2025: four steps apart; 26 Nov 2025: four steps apart</title>"
    ) in body


def test_the_chart_file_names_each_step_with_its_source(client, talks):
    response = client.get(talks["cap"].get_absolute_url() + "convergence.svg")
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert "<title>25 Nov 2025: Ukraine rejects. Now four steps apart. Source: Example Wire, 21 Nov 2025</title>" in svg
    assert client.get(talks["silent"].get_absolute_url() + "convergence.svg").status_code == 404


def test_the_method_page_explains_the_scale_and_the_spread(client):
    body = client.get("/methods/").content.decode()
    assert "not enough positions recorded" in body and "Rejects" in body


@pytest.mark.parametrize("scale", [1, 4], ids=["1x", "4x"])
def test_the_convergence_page_runs_a_bounded_number_of_queries(client, talks, scale, django_assert_max_num_queries):
    for n in range(scale):
        draft = talks["cap"].version
        clause = f.ClauseFactory(version=draft, number=f"x{n}", heading=f"Extra {n}")
        clause.topics.add(models.Topic.objects.get(slug="armed-forces"))
        f.PositionFactory(clause=clause, stance=S.OPPOSES)
        f.PositionFactory(clause=clause, stance=S.SUPPORTS)
    client.get("/")
    for url in ["/convergence/", "/convergence/?topic=armed-forces&as_of=2025-11-30&plan=us-framework"]:
        with django_assert_max_num_queries(12, info=url):
            assert client.get(url).status_code == 200


def test_the_ranking_of_the_page_is_the_order_of_the_full_list(talks):
    from tracker.selectors.convergence import load_ranked, ranking

    for as_of in (None, NOV(22)):
        full = convergence_list(as_of=as_of)
        ranked = ranking(as_of=as_of)
        assert [r.clause_id for r in ranked] == [i.clause.pk for i in full]
        assert [(i.spread, i.label) for i in load_ranked(ranked[1:3], as_of)] == [
            (i.spread, i.label) for i in full[1:3]
        ]
