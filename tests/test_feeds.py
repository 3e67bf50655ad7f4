import datetime
import xml.etree.ElementTree as ET

import pytest

from tests import factories as f
from tests.worlds import make_world
from tracker import models

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world():
    return make_world(2)


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_the_positions_feed_lists_each_published_position_with_a_stable_id_and_its_source(client, world):
    feed = entries(client, "/feeds/positions/")
    assert len(feed) == models.Position.objects.published().count() == 5
    position = models.Position.objects.published().order_by("-updated_at", "-pk").first()
    first = feed[0]
    assert first.find(f"{ATOM}id").text == f"tag:peace-plan-tracker.org,2025:position/{position.pk}"
    updated = datetime.datetime.fromisoformat(first.find(f"{ATOM}updated").text)
    assert updated == position.updated_at
    related = [link.get("href") for link in first.findall(f"{ATOM}link") if link.get("rel") == "related"]
    assert related == [position.source.url]
    alternate = next(link.get("href") for link in first.findall(f"{ATOM}link") if link.get("rel") == "alternate")
    assert alternate == f"http://testserver{position.get_absolute_url()}"
    assert alternate.endswith(f"/positions/{position.pk}/")


def test_an_entrys_id_stays_the_same_when_the_position_is_edited(client, world):
    position = models.Position.objects.published().first()
    before = {e.find(f"{ATOM}id").text for e in entries(client, "/feeds/positions/")}
    position.note = "Clarified later."
    position.save()
    after = {e.find(f"{ATOM}id").text for e in entries(client, "/feeds/positions/")}
    assert before == after


def test_the_party_feed_holds_only_that_partys_positions(client, world):
    feed = entries(client, "/feeds/positions/party/russia/")
    russia = models.Party.objects.get(slug="russia")
    root = ET.fromstring(client.get("/feeds/positions/party/russia/").content)
    assert root.find(f"{ATOM}id").text == f"tag:peace-plan-tracker.org,2025:feed/positions/party/{russia.pk}"
    assert len(feed) == 1
    assert feed[0].find(f"{ATOM}title").text.startswith("RU supports")
    assert client.get("/feeds/positions/party/no-such-party/").status_code == 404


def test_the_clause_feed_holds_only_positions_on_that_clause(client, world):
    feed = entries(client, "/feeds/positions/us-framework/28-point/1/")
    titles = [e.find(f"{ATOM}title").text for e in feed]
    assert len(titles) == 2 and all("point 1 of the 28-point draft" in t for t in titles)
    assert client.get("/feeds/positions/us-framework/28-point/99/").status_code == 404


def test_the_versions_feed_lists_published_versions_newest_change_first(client, world):
    feed = entries(client, "/feeds/versions/")
    titles = [e.find(f"{ATOM}title").text for e in feed]
    assert titles == ["US framework: 19-point revision (proposed)", "US framework: 28-point draft (proposed)"]
    second = world["second"]
    assert feed[0].find(f"{ATOM}id").text == f"tag:peace-plan-tracker.org,2025:version/{second.pk}"
    alternate = next(link.get("href") for link in feed[0].findall(f"{ATOM}link") if link.get("rel") == "alternate")
    assert alternate == "http://testserver/plans/us-framework/19-point/"


def test_control_characters_pasted_into_text_are_stripped_from_feeds(client, world):
    clause = world["clauses"][0]
    # (PostgreSQL stores no NUL, so the other control characters stand in for it here.)
    f.PositionFactory(party=world["party"], clause=clause, quote="We\x0b never\x08 agreed\x1f", note="Bell\x07")
    response = client.get("/feeds/positions/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "We never agreed" in body
    assert not any(ch in body for ch in "\x07\x08\x0b\x1f")


def test_feeds_answer_a_matching_conditional_request_with_304(client, world):
    first = client.get("/feeds/versions/")
    assert client.get("/feeds/versions/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/feeds/versions/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


@pytest.mark.parametrize("size", [2, 8])
def test_feeds_run_a_bounded_number_of_queries(client, django_assert_max_num_queries, size):
    make_world(size)
    for url in [
        "/feeds/positions/",
        "/feeds/positions/party/ukraine/",
        "/feeds/positions/us-framework/28-point/1/",
        "/feeds/versions/",
    ]:
        with django_assert_max_num_queries(5, info=url):
            assert client.get(url).status_code == 200


def test_editors_text_reaches_feed_readers_as_text_not_markup(client, world):
    """<summary type="html"> is HTML once the XML is read: editors' text must arrive escaped as HTML."""
    script = "<script>alert(1)</script>"
    source = f.SourceFactory(title=f"Leak {script}", publisher="Wire & Co")
    f.PositionFactory(party=world["party"], clause=world["clauses"][0], quote=script, note=script, source=source)
    version = world["second"]
    version.summary = f"Revised {script}"
    version.save()
    version.sources.add(source)

    for url in ("/feeds/positions/", "/feeds/versions/"):
        summaries = [entry.find(f"{ATOM}summary") for entry in entries(client, url)]
        assert all(summary.get("type") == "html" for summary in summaries)
        html = " ".join(summary.text for summary in summaries)
        assert "<script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "Wire &amp; Co" in html, url
