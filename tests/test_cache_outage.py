"""A Redis outage costs readers speed, never pages; editors' saves land; the site comes back to the cache by itself.

Redis here is either an address where nothing listens, a socket that accepts and never answers, or a
throwaway redis-server of the test's own that a test cuts off (every command fails with a connection
error, as on a network failure, while Redis keeps its data) and reconnects.
"""

import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.test_cache import _Django, _wsgi_get
from tests.worlds import make_world
from tracker.cache import CachedPageApplication
from tracker.models import PlanVersion


@pytest.fixture
def cut_off(monkeypatch, settings):
    """Call to cut the cache's connections to Redis off, as a network failure would; call .restore() to end it."""

    class Cut:
        def __call__(self):
            def fail(connection, *args, **kwargs):
                raise redis.ConnectionError("Connection refused (cut off by the test)")

            monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", fail)

        def restore(self):
            monkeypatch.undo()
            time.sleep(settings.CACHES["default"]["OPTIONS"]["RETRY_AFTER"] * 1.5)

    return Cut()


@pytest.fixture
def world(db):
    return make_world()


def _public_urls(world):
    version, clause = world["first"], world["clauses"][0]
    return {
        reverse("tracker:home"): b"US framework",
        version.get_absolute_url(): b"28-point draft",
        clause.get_absolute_url(): clause.heading.encode(),
        reverse("tracker:party-detail", args=["ukraine"]): b"Ukraine",
        reverse("api:clause-list"): clause.heading.encode(),
        reverse("tracker:feed-positions"): b"<feed",
        reverse("tracker:data"): b"tracker-dataset.zip",
        reverse("tracker:dataset-zip"): b"PK",
    }


def test_with_redis_down_every_page_the_api_the_feeds_and_the_zip_come_from_the_database(world, redis_down):
    reader = Client()
    for url, expected in _public_urls(world).items():
        for _ in range(2):
            response = reader.get(url)
            assert response.status_code == 200, url
            assert expected in response.content, url
            assert response.get("X-Page-Cache") != "hit", url


def test_with_redis_down_the_wsgi_fast_path_hands_every_request_to_django(world, redis_down):
    django = _Django()
    status, _, _ = _wsgi_get(CachedPageApplication(django), reverse("tracker:home"), HTTP_ACCEPT_ENCODING="gzip")
    assert (status, django.calls) == ("204 No Content", 1)


def test_with_redis_down_an_editor_saves_a_point_in_the_admin_and_readers_see_it(world, redis_down, editor_client):
    version = world["first"]
    version.name = "28-point leaked draft"
    version.save()  # the path the admin's form takes: signals bump the page generation
    assert PlanVersion.objects.get(pk=version.pk).name == "28-point leaked draft"

    response = editor_client.post(
        reverse("admin:tracker_planversion_changelist"), {"action": "unpublish", "_selected_action": [version.pk]}
    )
    assert response.status_code == 302
    assert not PlanVersion.objects.get(pk=version.pk).is_published
    assert b"28-point leaked draft" not in Client().get(reverse("tracker:home")).content


def test_a_hung_redis_costs_a_bounded_wait_once_then_pages_come_without_waiting(world, redis_hung):
    reader = Client()
    home = reverse("tracker:home")
    started = time.monotonic()
    assert reader.get(home).status_code == 200
    first = time.monotonic() - started
    assert first < 2, f"the first page waited {first:.2f}s on a Redis that never answers"
    for _ in range(10):
        assert reader.get(home).status_code == 200
    # One connection, one timeout: then Redis is left alone (each page makes several cache operations, and
    # each timed-out command would otherwise open a new connection and wait again).
    assert len(redis_hung) == 1


def test_readers_are_served_from_the_cache_again_once_redis_answers(world, own_redis, cut_off):
    reader = Client()
    home = reverse("tracker:home")
    reader.get(home)
    assert reader.get(home)["X-Page-Cache"] == "hit"
    cut_off()
    during = reader.get(home)
    assert during.status_code == 200
    assert during["X-Page-Cache"] == "miss"
    cut_off.restore()
    assert reader.get(home)["X-Page-Cache"] == "miss"
    assert reader.get(home)["X-Page-Cache"] == "hit"


def test_a_change_saved_while_redis_was_unreachable_shows_once_it_is_back(world, own_redis, cut_off):
    reader = Client()
    home = reverse("tracker:home")
    reader.get(home)
    assert reader.get(home)["X-Page-Cache"] == "hit"

    cut_off()
    version = world["first"]
    version.name = "28-point leaked draft"
    version.save()  # the bump of the page generation cannot reach Redis
    cut_off.restore()

    # The previous page once, while it is rebuilt off the request; then the new one.
    assert reader.get(home)["X-Page-Cache"] == "stale"
    after = reader.get(home)
    assert b"28-point leaked draft" in after.content
    assert after["X-Page-Cache"] == "hit"


def test_a_process_that_only_failed_to_read_still_forgets_the_pages_stored_before_the_outage(world, own_redis, cut_off):
    reader = Client()
    home = reverse("tracker:home")
    reader.get(home)
    assert reader.get(home)["X-Page-Cache"] == "hit"

    cut_off()
    assert cache.get("throttle_anon_127.0.0.1") is None  # all this process asked Redis during the outage
    # Another app server saved this meanwhile and could not tell Redis (nor remember it: it was
    # restarted before Redis came back). No signal here: this process never hears of the change.
    PlanVersion.objects.filter(pk=world["first"].pk).update(name="28-point leaked draft")
    cut_off.restore()

    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert b"28-point leaked draft" in reader.get(home).content


def test_a_redis_restart_costs_no_failed_request(world, own_redis):
    reader = Client()
    home = reverse("tracker:home")
    reader.get(home)
    assert reader.get(home)["X-Page-Cache"] == "hit"
    # Redis drops every client connection, as a restart does; the pooled connection is found dead on use.
    assert redis.Redis.from_url(own_redis).client_kill_filter(_type="normal", skipme=True) >= 1
    assert reader.get(home)["X-Page-Cache"] == "hit"


def test_an_idle_process_delivers_the_invalidation_redis_missed_by_itself_once_redis_answers(world, own_redis, cut_off):
    reader = Client()
    reader.get(reverse("tracker:home"))
    stored = redis.Redis.from_url(own_redis)
    before = stored.get("tracker:1:pages:generation")
    assert before is not None

    cut_off()
    version = world["first"]
    version.name = "28-point leaked draft"
    version.save()
    cut_off.restore()  # and nothing more from this process: no request, no cache operation

    assert stored.get("tracker:1:pages:generation") != before
