"""What changed: the page, the home page's first screen, the feeds, and "last updated" on every page."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from tests import factories as f
from tracker import models
from tracker.conditional import content_stamp
from tracker.selectors.changes import changes

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = datetime.date(2025, 11, 25)


@pytest.fixture
def news():
    """A revision, a party's change of stance and a reaffirmation, a figure and an event, with drafts beside them."""
    first = f.PlanVersionFactory(name="28-point draft", released_on=datetime.date(2025, 11, 20))
    revision = f.PlanVersionFactory(
        plan=first.plan, name="19-point revision", released_on=datetime.date(2025, 11, 24), based_on=first
    )
    revision.sources.add(f.SourceFactory(publisher="Geneva Wire", published_on=datetime.date(2025, 11, 24)))
    f.PlanVersionFactory(plan=first.plan, name="Secret draft", released_on=DAY, is_published=False)
    clause = f.ClauseFactory(version=first, number="6", heading="Armed forces")
    russia = f.PartyFactory(name="Russia", slug="russia")
    lavrov = f.ActorFactory(party=russia, name="Sergei Lavrov")
    earlier = datetime.date(2025, 11, 21)
    f.PositionFactory(party=russia, clause=clause, stance=models.Stance.CONDITIONAL, stated_on=earlier)
    changed = f.PositionFactory(
        party=russia,
        actor=lavrov,
        clause=clause,
        stance=models.Stance.REJECTS,
        stated_on=DAY,
        quote="Unacceptable.",
        source=f.SourceFactory(publisher="TASS", published_on=DAY),
    )
    f.PositionFactory(party=russia, clause=clause, stance=models.Stance.REJECTS, stated_on=datetime.date(2025, 11, 26))
    f.PositionFactory(party=russia, clause=clause, stance=models.Stance.SUPPORTS, stated_on=DAY, is_published=False)
    figure = f.FigureFactory(reported_on=datetime.date(2025, 11, 23), source=f.SourceFactory(publisher="Axios"))
    event = f.EventFactory(title="Geneva talks", happened_on=datetime.date(2025, 11, 23))
    event.sources.add(f.SourceFactory(publisher="Reuters", published_on=datetime.date(2025, 11, 23)))
    f.EventFactory(title="Hidden meeting", happened_on=DAY, is_published=False)
    return {"revision": revision, "changed": changed, "figure": figure, "event": event, "russia": russia}


def test_changes_list_versions_stance_changes_figures_and_events_newest_first_without_drafts(news):
    found = changes(datetime.date(2025, 11, 22))
    kinds = [(entry.kind, entry.date) for entry in found.entries]
    assert kinds == [
        ("stance", DAY),
        ("version", datetime.date(2025, 11, 24)),
        ("figure", datetime.date(2025, 11, 23)),
        ("event", datetime.date(2025, 11, 23)),
    ]
    stance = found.entries[0]
    # Old -> new: the reaffirmation of 26 November is not a change; the draft never shows.
    assert stance.item == news["changed"]
    assert stance.previous_stance == models.Stance.CONDITIONAL
    assert stance.headline == (
        "Russia (Sergei Lavrov) moved from supports with conditions to rejects "
        "on point 6 of the 28-point draft (Armed forces)"
    )
    assert found.entries[1].headline.startswith("Revised version of the ")
    assert "(revises 28-point draft)" in found.entries[1].headline
    assert all("Secret" not in e.headline and "Hidden" not in e.headline for e in found.entries)


def test_the_changes_page_shows_each_change_with_its_source_and_runs_a_bounded_number_of_queries(
    client, news, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get("/changes/?since=2025-11-22")
    assert response.status_code == 200
    html = response.content.decode()
    assert "What changed since 22 November 2025" in html
    assert "Stance changed" in html and "Revised version" in html and "New figure" in html
    # Sources are named by publisher and date, never by their key.
    assert "TASS, 25 Nov 2025" in html and "Geneva Wire, 24 Nov 2025" in html
    assert news["changed"].source.key not in html.split("<main")[1].split("</main>")[0].replace(
        news["changed"].source.get_absolute_url(), ""
    )
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feeds/changes/"' in html
    # An event links to its own address, which opens the page of the timeline that lists it.
    assert f'href="/timeline/events/{news["event"].pk}/"' in html


def test_the_changes_page_defaults_to_the_last_week_and_points_to_the_newest_entries_when_it_is_empty(client, news):
    response = client.get("/changes/")
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    assert response.context["since"] == week_ago
    html = response.content.decode()
    assert "Nothing new has been recorded since" in html
    assert 'href="?since=2025-11-19"' in html  # the week to the newest date, 26 November


def test_a_malformed_date_gets_the_400_page(client, news):
    response = client.get("/changes/?since=25/11/2025")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


def test_the_home_page_opens_with_what_is_new_and_when_the_data_last_changed(client, news):
    html = client.get("/").content.decode()
    new = html.index("What's new")
    assert new < html.index("Plans and their versions")
    assert html.index("Stance changed") > new
    assert "Data last updated" in html


def test_every_page_says_when_the_data_last_changed(client, news):
    stamp = timezone.localtime(content_stamp())
    assert stamp.date() == timezone.localdate()
    for url in ["/parties/", "/indicators/", "/timeline/", "/search/?q=talks", "/no-such-page/"]:
        html = client.get(url).content.decode()
        assert f'Data last updated <time datetime="{stamp.isoformat(timespec="minutes")}">' in html, url


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


def test_the_changes_feed_names_each_change_and_its_source(client, news):
    root = feed(client, "/feeds/changes/")
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles[0].startswith("Russia (Sergei Lavrov) moved from supports with conditions to rejects")
    # Both versions, the first statement of 21 November and its change, the figure, the event; no reaffirmation.
    assert len(titles) == 6
    first = root.findall(f"{ATOM}entry")[0]
    assert first.find(f"{ATOM}id").text.endswith(f"stance/{news['changed'].pk}")
    assert "TASS" in first.find(f"{ATOM}summary").text


def test_events_and_indicator_feeds_list_published_entries_only(client, news):
    events = [e.find(f"{ATOM}title").text for e in feed(client, "/feeds/events/").findall(f"{ATOM}entry")]
    assert events == ["Geneva talks"]
    indicator = news["figure"].indicator
    f.FigureFactory(indicator=indicator, value=1, is_published=False)
    figures = feed(client, f"/feeds/figures/{indicator.slug}/").findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in figures] == [
        f"{indicator.name}: 800,000 personnel (Officials cited by a news site)"
    ]
    assert client.get("/feeds/figures/no-such-indicator/").status_code == 404


def test_party_point_indicator_and_timeline_pages_advertise_their_feeds_and_link_to_them(client, news):
    clause = news["changed"].clause
    indicator = news["figure"].indicator
    pages = {
        "/parties/russia/": "/feeds/positions/party/russia/",
        clause.get_absolute_url(): f"/feeds/positions/{clause.version.plan.slug}/{clause.version.slug}/6/",
        indicator.get_absolute_url(): f"/feeds/figures/{indicator.slug}/",
        "/timeline/": "/feeds/events/",
    }
    for page, feed_url in pages.items():
        html = client.get(page).content.decode()
        head, body = html.split("</head>")
        assert 'rel="alternate" type="application/atom+xml"' in head and f'href="{feed_url}"' in head, page
        assert f'<a href="{feed_url}" type="application/atom+xml">Follow ' in body, page
        assert client.get(feed_url).status_code == 200, feed_url


def test_a_new_figure_reads_in_the_page_languages_digits_on_the_page_and_in_the_feed(client, news):
    figure = news["figure"]
    figure.value = 311327
    figure.save()
    english = client.get("/changes/?since=2025-11-22").content.decode()
    ukrainian = client.get("/uk/changes/?since=2025-11-22").content.decode()
    russian_feed = client.get("/ru/feeds/changes/").content.decode()
    assert "311,327" in english and "311\xa0327" not in english
    assert "311\xa0327" in ukrainian and "311,327" not in ukrainian
    assert "311\xa0327" in russian_feed and "311,327" not in russian_feed


def test_an_untranslated_event_shows_its_english_title_marked_as_such_on_a_ukrainian_page(client, news):
    html = client.get("/uk/changes/?since=2025-11-22").content.decode()
    assert '<span lang="en">Geneva talks</span> <span class="untranslated">(ще не перекладено)</span>' in html
    news["event"].title_uk = "Женевські переговори"
    news["event"].save()
    html = client.get("/uk/changes/?since=2025-11-22").content.decode()
    assert ">Женевські переговори</a>" in html and "Geneva talks" not in html


def test_stance_changes_compare_each_position_with_the_partys_previous_published_one_on_its_subject():
    """Read newest first, row by row: the same changes, with the same previous stances, as numbering every
    position on the timeline finds; a draft in between never counts as the previous stance."""
    S = models.Stance
    party, other = f.PartyFactory(), f.PartyFactory()
    clause = f.ClauseFactory()
    day = datetime.date(2025, 12, 1)
    first = f.PositionFactory(party=party, clause=clause, stance=S.SUPPORTS, stated_on=day)
    f.PositionFactory(party=party, clause=clause, stance=S.SUPPORTS, stated_on=day + datetime.timedelta(1))
    moved = f.PositionFactory(party=party, clause=clause, stance=S.OPPOSES, stated_on=day + datetime.timedelta(1))
    f.PositionFactory(
        party=party, clause=clause, stance=S.REJECTS, stated_on=day + datetime.timedelta(2), is_published=False
    )
    f.PositionFactory(party=party, clause=clause, stance=S.OPPOSES, stated_on=day + datetime.timedelta(3))  # as before
    on_version = f.PositionFactory(party=party, clause=None, version=clause.version, stance=S.REJECTS, stated_on=day)
    others = f.PositionFactory(party=other, clause=clause, stance=S.REJECTS, stated_on=day + datetime.timedelta(4))
    found = [(e.item.pk, e.previous_stance) for e in changes().entries if e.kind == "stance"]
    assert found == [(others.pk, ""), (moved.pk, S.SUPPORTS), (on_version.pk, ""), (first.pk, "")]
    published = models.Position.objects.published()
    assert [pk for pk, _ in found] == list(
        published.filter(pk__in=published.changes_of_stance())
        .order_by("-stated_on", "-pk")
        .values_list("pk", flat=True)
    )
    assert [e.item.pk for e in changes(since=day + datetime.timedelta(1)).entries if e.kind == "stance"] == [
        others.pk,
        moved.pk,
    ]
