"""sitemap.xml lists every public page in every language with its alternates, never a draft; robots.txt
points at it and keeps crawlers out of the admin and of query-string variants."""

import xml.etree.ElementTree as ET

import pytest

from tests import factories as f
from tests.public_data import DRAFT_MARK
from tests.worlds import make_world
from tracker import models
from tracker.sitemaps import SECTIONS

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
HOST = "http://testserver"


def _xml(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def _sections(client):
    index = _xml(client, "/sitemap.xml")
    return [element.find(f"{SITEMAP}loc").text for element in index.iter(f"{SITEMAP}sitemap")]


def _entries(client):
    """{address: {hreflang: address}} over every sitemap of the index."""
    entries = {}
    for address in _sections(client):
        for url in _xml(client, address.removeprefix(HOST)).iter(f"{SITEMAP}url"):
            alternates = {link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")}
            entries[url.find(f"{SITEMAP}loc").text] = alternates
    return entries


@pytest.fixture
def world(db):
    made = make_world(2)
    # Drafts of every kind that has a page: none may be listed, nor what only they use.
    draft_plan = f.PlanFactory(slug="draft-plan", title=DRAFT_MARK, is_published=False)
    f.PlanVersionFactory(plan=draft_plan, slug="draft-version", name=DRAFT_MARK)
    draft_version = f.PlanVersionFactory(plan=made["plan"], slug="secret-draft", name=DRAFT_MARK, is_published=False)
    draft_clause = f.ClauseFactory(version=made["first"], number="99", heading=DRAFT_MARK, is_published=False)
    only_for_a_draft = f.SourceFactory(key="draft-only", title=DRAFT_MARK)
    draft_clause.sources.add(only_for_a_draft)
    f.ClauseFactory(version=draft_version, number="1", heading=DRAFT_MARK)
    secret_actor = f.ActorFactory(party=made["party"], slug="secret-speaker", name=DRAFT_MARK)
    f.PositionFactory(party=made["party"], actor=secret_actor, clause=draft_clause, is_published=False)
    return made


def test_the_index_names_one_absolute_sitemap_per_kind_of_page(client, world):
    assert _sections(client) == [f"{HOST}/sitemap-{name}.xml" for name in SECTIONS]


def test_every_public_object_is_listed_in_every_language_with_its_alternates(client, world):
    entries = _entries(client)
    expected = ["/", "/plans/", "/timeline/", "/methods/", "/data/"]
    expected += [plan.get_absolute_url() for plan in models.Plan.objects.published()]
    expected += [version.get_absolute_url() for version in models.PlanVersion.objects.published()]
    expected += [clause.get_absolute_url() for clause in models.Clause.objects.published()]
    expected += [party.get_absolute_url() for party in models.Party.objects.all()]
    expected += [actor.get_absolute_url() for actor in models.Actor.objects.public()]
    expected += [indicator.get_absolute_url() for indicator in models.Indicator.objects.public()]
    expected += [source.get_absolute_url() for source in models.Source.objects.public()]
    assert models.Clause.objects.published().count() == 4 and models.Source.objects.public().count() >= 4
    for path in expected:
        alternates = {
            "en": f"{HOST}{path}",
            "uk": f"{HOST}/uk{path}",
            "ru": f"{HOST}/ru{path}",
            "x-default": f"{HOST}{path}",
        }
        for language in ("en", "uk", "ru"):
            assert entries[alternates[language]] == alternates, (path, language)
    assert len(entries) == 3 * len(expected) + 3 * 6  # and the other six static pages


def test_an_entry_names_a_page_that_answers_in_its_language(client, world):
    clause = world["clauses"][0]
    entries = _entries(client)
    ukrainian = entries[f"{HOST}/uk{clause.get_absolute_url()}"]["uk"]
    response = client.get(ukrainian.removeprefix(HOST))
    assert response.status_code == 200
    assert b'<html lang="uk"' in response.content


def test_no_draft_is_ever_listed(client, world):
    for address in _sections(client):
        body = client.get(address.removeprefix(HOST)).content.decode()
        assert DRAFT_MARK not in body
        for slug in ("draft-plan", "secret-draft", "/99/", "draft-only", "secret-speaker"):
            assert slug not in body, (address, slug)


@pytest.mark.parametrize("size", [1, 12])
def test_each_sitemap_costs_the_same_few_queries_whatever_the_data_size(client, django_assert_max_num_queries, size):
    make_world(size)
    with django_assert_max_num_queries(2 * len(SECTIONS)):
        client.get("/sitemap.xml")
    for name in SECTIONS:
        with django_assert_max_num_queries(1):
            response = client.get(f"/sitemap-{name}.xml")
        assert response.status_code == 200


def test_a_long_section_is_paged_and_the_index_names_every_page(client, world, monkeypatch):
    monkeypatch.setattr(SECTIONS["points"], "limit", 5)
    sections = _sections(client)
    assert f"{HOST}/sitemap-points.xml" in sections and f"{HOST}/sitemap-points.xml?p=3" in sections
    assert f"{HOST}/sitemap-points.xml?p=4" not in sections  # 4 points in 3 languages: 12 entries
    second = _xml(client, "/sitemap-points.xml?p=2")
    assert len(list(second.iter(f"{SITEMAP}url"))) == 5


@pytest.mark.parametrize("address", ["/sitemap-drafts.xml", "/sitemap-points.xml?p=99", "/sitemap-points.xml?p=x"])
def test_an_address_outside_the_sitemap_is_a_404(client, world, address):
    assert client.get(address).status_code == 404


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin_and_variants(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = [line for line in response.content.decode().splitlines() if line and not line.startswith("#")]
    assert lines == ["User-agent: *", "Disallow: /admin/", "Disallow: /*?", f"Sitemap: {HOST}/sitemap.xml"]


def test_robots_txt_names_the_sitemap_on_the_host_it_is_asked_on(client, settings):
    settings.ALLOWED_HOSTS = ["tracker.example.org"]
    body = client.get("/robots.txt", HTTP_HOST="tracker.example.org", secure=True).content.decode()
    assert "Sitemap: https://tracker.example.org/sitemap.xml" in body
