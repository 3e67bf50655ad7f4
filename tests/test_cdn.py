"""Headers for a CDN in front of the site, and the purge hook called when the data changes."""

import pytest
from django.urls import reverse

from tests.factories import PlanVersionFactory, PositionFactory, SourceFactory

pytestmark = pytest.mark.django_db

purged = []


def record_purge(tags):
    purged.append(tags)


def failing_purge(tags):
    raise ConnectionError("the CDN's API is down")


@pytest.fixture
def purge_hook(settings):
    settings.CDN_PURGE = "tests.test_cdn.record_purge"
    purged.clear()
    return purged


def directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


def test_a_public_page_may_be_kept_by_a_cdn_and_is_tagged_with_what_it_shows(client, settings):
    source = SourceFactory(key="S01", title="Axios report")
    PositionFactory(source=source)  # a source readers see is cited by something published
    response = client.get(f"/sources/{source.key}/")
    assert {"public", "max-age=0", "s-maxage=60", "stale-while-revalidate=60", "stale-if-error=86400"} <= directives(
        response
    )
    assert "Cookie" in response["Vary"]
    tags = response["Surrogate-Key"].split()
    assert {"tracker", "t:source", f"source-{source.pk}"} <= set(tags)
    assert "t:figure" in tags, "the source page lists the figures citing it"
    assert response["Cache-Tag"].split(",") == tags


def test_a_page_that_never_reads_a_table_is_not_tagged_with_it(client):
    PlanVersionFactory(name="28-point draft")
    tags = client.get(reverse("tracker:plan-list"))["Surrogate-Key"].split()
    assert "t:plan" in tags
    assert "t:source" not in tags


def test_a_streamed_csv_is_tagged_with_every_table(client):
    SourceFactory()
    tags = client.get("/sources/", {"format": "csv"})["Surrogate-Key"].split()
    assert {"t:source", "t:position", "t:figure", "t:event"} <= set(tags)


def test_editors_and_the_back_office_never_get_shared_cache_headers(editor_client):
    PlanVersionFactory(name="28-point draft")
    for url in (reverse("tracker:home"), reverse("admin:index")):
        response = editor_client.get(url)
        assert "public" not in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert not response.has_header("Surrogate-Key")


def test_a_save_asks_the_cdn_to_purge_what_shows_the_object_once_committed(
    purge_hook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = SourceFactory(key="S01")
    # A new row may appear on any page that lists its table.
    assert ["t:source", f"source-{source.pk}"] in purge_hook
    purge_hook.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        source.title = "Corrected title"
        source.save()
    assert purge_hook == [], "nothing is purged before the transaction commits"
    for callback in callbacks:
        callback()
    # An edit of its wording: the pages that show it (and those that read its history), not every list of sources.
    assert [f"source-{source.pk}"] in purge_hook
    assert not any("t:source" in tags for tags in purge_hook)


def test_a_failing_purge_hook_never_fails_the_save(settings, django_capture_on_commit_callbacks):
    settings.CDN_PURGE = "tests.test_cdn.failing_purge"
    with django_capture_on_commit_callbacks(execute=True):
        source = SourceFactory(key="S01")
    source.refresh_from_db()
    assert source.key == "S01"


def test_a_cached_hit_carries_the_same_cdn_headers(client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    from django.core.cache import cache

    cache.clear()
    PlanVersionFactory(name="28-point draft")
    first = client.get(reverse("tracker:home"))
    hit = client.get(reverse("tracker:home"))
    assert hit["X-Page-Cache"] == "hit"
    for header in ("Cache-Control", "Surrogate-Key", "Cache-Tag"):
        assert hit[header] == first[header]
