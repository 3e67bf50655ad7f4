"""The anonymous readers' page cache: fast repeats, and an editor's change visible on the very next request."""

import datetime
import gzip
import os
import threading
import time

import pytest
import redis
from django import forms
from django.core.cache import cache, caches
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import ClauseFactory, PlanVersionFactory, PositionFactory, SourceFactory
from tracker import cache as page_cache_module
from tracker.cache import (
    CachedPageApplication,
    _page_key,
    _release,
    _try_lock,
    bump_generation,
    current_generation,
)
from tracker.models import Clause, Plan, PlanVersion
from tracker.redis_cache import RedisCache


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    # Entries (and rebuild locks) of earlier tests live on in the cache while their rows were rolled back.
    # Tests have the cache to themselves; the site itself never clears it.
    cache.clear()


@pytest.fixture
def reader():
    return Client()


def _stale_then_rebuilt(reader, url, **headers):
    """The next two readers of a page a save made stale: the first gets the previous page (its rebuild runs
    after the response: in tests at once, on the site in a background thread), the second the rebuilt one."""
    stale = reader.get(url, **headers)
    assert stale["X-Page-Cache"] == "stale"
    rebuilt = reader.get(url, **headers)
    assert rebuilt["X-Page-Cache"] == "hit"
    return stale, rebuilt


def _admin_form_data(response):
    """The admin change form's data as the browser would post it back unchanged."""

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is None:
                data[key] = ""
            elif isinstance(value, datetime.date):
                data[key] = value.isoformat()
            else:
                data[key] = str(value)

    data = {}
    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_a_repeated_anonymous_request_is_served_from_the_cache_without_queries(
    db, page_cache, reader, django_assert_num_queries
):
    PlanVersionFactory(name="28-point draft")
    first = reader.get(reverse("tracker:home"))
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = reader.get(reverse("tracker:home"))
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_an_editor_change_in_the_admin_shows_to_the_editor_at_once_and_to_readers_once_rebuilt(
    db, page_cache, reader, editor_client
):
    version = PlanVersionFactory(name="28-point draft", plan__title="US framework")
    home = reverse("tracker:home")
    assert b"US framework" in reader.get(home).content
    assert reader.get(home)["X-Page-Cache"] == "hit"

    change_url = reverse("admin:tracker_plan_change", args=[version.plan.pk])
    data = _admin_form_data(editor_client.get(change_url))
    data["title_en"] = "US framework for ending the war"
    saved = editor_client.post(change_url, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    assert Plan.objects.get(pk=version.plan.pk).title == "US framework for ending the war"

    assert b"US framework for ending the war" in editor_client.get(home).content
    stale, after = _stale_then_rebuilt(reader, home)
    assert b"US framework for ending the war" not in stale.content
    assert b"US framework for ending the war" in after.content


def test_unpublishing_with_the_admin_bulk_action_hides_the_version_once_the_page_is_rebuilt(
    db, page_cache, reader, editor_client
):
    kept = PlanVersionFactory(name="19-point revision")
    withdrawn = PlanVersionFactory(name="28-point draft", plan=kept.plan)
    home = reverse("tracker:home")
    reader.get(home)
    assert b"28-point draft" in reader.get(home).content

    # The action updates rows in bulk, which sends no model signals.
    response = editor_client.post(
        reverse("admin:tracker_planversion_changelist"),
        {"action": "unpublish", "_selected_action": [withdrawn.pk]},
    )
    assert response.status_code == 302
    assert not PlanVersion.objects.get(pk=withdrawn.pk).is_published

    assert b"28-point draft" not in editor_client.get(home).content
    content = _stale_then_rebuilt(reader, home)[1].content
    assert b"28-point draft" not in content
    assert b"19-point revision" in content


def test_a_change_saved_outside_the_site_also_reaches_the_next_request(db, page_cache, reader):
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    assert b"28-point leaked draft" in _stale_then_rebuilt(reader, home)[1].content


def test_an_editor_never_gets_the_anonymous_page_nor_fills_the_cache(db, page_cache, reader, editor_client):
    PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    assert "X-Page-Cache" not in editor_client.get(home)
    assert "X-Page-Cache" not in editor_client.get(home)
    assert reader.get(home)["X-Page-Cache"] == "miss"


def test_the_back_office_and_the_health_probe_are_never_cached(db, page_cache, reader):
    for url in (reverse("admin:login"), reverse("healthz")):
        reader.get(url)
        assert "X-Page-Cache" not in reader.get(url)


def test_errors_and_query_strings_are_kept_apart(db, page_cache, reader):
    PlanVersionFactory(name="28-point draft")
    assert reader.get("/no-such-page/").status_code == 404
    assert reader.get("/no-such-page/").status_code == 404
    reader.get("/?as_of=2025-11-01")
    assert reader.get("/?as_of=2025-11-02")["X-Page-Cache"] == "miss"


def test_a_lost_generation_restarts_above_every_earlier_one(page_cache):
    before = current_generation()
    cache.delete("pages:generation")
    bump_generation()
    assert current_generation() > before


def test_the_cache_is_redis_exactly_when_redis_url_is_set():
    backend = type(caches["default"]).__name__
    if os.environ.get("REDIS_URL"):
        assert type(caches["default"]) is RedisCache
        cache.set("probe", 1, 5)
        assert cache.get("probe") == 1
    else:
        assert backend == "LocMemCache"


def test_the_redis_backend_builds_one_client_per_connection_pool_not_one_per_operation():
    # No connection is opened here: building a client does not talk to the server.
    backend = RedisCache("redis://127.0.0.1:6379/7", {})
    first = backend._cache.get_client()
    assert backend._cache.get_client("another key") is first
    assert backend._cache.get_client(write=True) is first


def test_a_cached_page_is_sent_gzipped_to_readers_who_accept_it_and_plain_to_others(db, page_cache, reader):
    PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    plain = reader.get(home).content
    assert len(plain) >= 1024, "the home page is big enough to be stored compressed"
    zipped = reader.get(home, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["X-Page-Cache"] == "hit"
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain
    again = reader.get(home)
    assert again["X-Page-Cache"] == "hit"
    assert not again.has_header("Content-Encoding")
    assert again.content == plain


def test_every_migrate_makes_cached_pages_stale_since_a_deploy_may_change_templates(db):
    before = current_generation()
    call_command("migrate", verbosity=0)
    assert current_generation() != before


def test_an_api_list_is_cached_for_readers_and_fresh_after_a_change(db, page_cache, reader):
    clause = ClauseFactory(heading="Force cap")
    url = reverse("api:clause-list")
    first = reader.get(url)
    assert first.status_code == 200
    assert b"Force cap" in first.content
    assert reader.get(url)["X-Page-Cache"] == "hit"
    clause.heading = "Peacetime force cap"
    clause.save()
    stale, after = _stale_then_rebuilt(reader, url)
    assert b"Peacetime force cap" not in stale.content
    assert b"Peacetime force cap" in after.content


def test_failed_logins_do_not_empty_the_cache(db, page_cache, reader):
    before = current_generation()
    response = Client().post(reverse("admin:login"), {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200
    assert current_generation() == before


class _Django:
    """Stands in for Django behind the WSGI fast path, and counts what reaches it."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        start_response("204 No Content", [])
        return []


def _wsgi_get(application, path, method="GET", **headers):
    """Call a WSGI application as gunicorn would, for the test client's host; (status, headers, body)."""
    environ = RequestFactory().generic(method, path, **headers).META
    sent = {}

    def start_response(status, response_headers):
        sent["status"], sent["headers"] = status, response_headers

    body = b"".join(application(environ, start_response))
    return sent["status"], sent["headers"], body


def test_an_anonymous_hit_is_sent_before_django_with_every_header_of_the_first_response(db, page_cache, reader):
    PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    first = reader.get(home)
    assert first["X-Page-Cache"] == "miss"
    django = _Django()

    status, headers, body = _wsgi_get(CachedPageApplication(django), home, HTTP_ACCEPT_ENCODING="gzip, br")

    assert django.calls == 0
    assert status == "200 OK"
    sent = dict(headers)
    assert sent["X-Page-Cache"] == "hit"
    assert sent["Content-Encoding"] == "gzip"
    assert int(sent["Content-Length"]) == len(body)
    assert gzip.decompress(body) == first.content
    for name in ("Content-Type", "ETag", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Vary"):
        assert sent[name] == first[name], name
    assert "Accept-Encoding" in sent["Vary"]


def test_a_head_request_hit_sends_the_headers_alone(db, page_cache, reader):
    PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    status, headers, body = _wsgi_get(CachedPageApplication(_Django()), home, "HEAD", HTTP_ACCEPT_ENCODING="gzip")
    assert status == "200 OK"
    assert body == b""
    assert int(dict(headers)["Content-Length"]) > 0


GZIP = {"HTTP_ACCEPT_ENCODING": "gzip"}


@pytest.mark.parametrize(
    "path, method, headers",
    [
        ("/", "GET", {**GZIP, "HTTP_COOKIE": "sessionid=abc"}),
        ("/", "GET", {**GZIP, "HTTP_IF_NONE_MATCH": '"anything"'}),
        ("/", "GET", {**GZIP, "HTTP_IF_MODIFIED_SINCE": "Sat, 01 Nov 2025 00:00:00 GMT"}),
        ("/", "GET", {}),  # no gzip: the middleware decompresses
        ("/", "POST", GZIP),
        ("/?as_of=2025-11-20", "GET", GZIP),  # never requested: a miss
        ("/healthz", "GET", GZIP),
        ("/static/tracker/site.css", "GET", GZIP),
    ],
)
def test_whatever_the_fast_path_cannot_answer_alone_goes_on_to_django(db, page_cache, reader, path, method, headers):
    PlanVersionFactory(name="28-point draft")
    for cached in ("/", "/healthz"):
        reader.get(cached)
    django = _Django()
    status, _, _ = _wsgi_get(CachedPageApplication(django), path, method, **headers)
    assert (status, django.calls) == ("204 No Content", 1)


def _cited_source(**fields):
    """A source readers may see: something published cites it."""
    source = SourceFactory(**fields)
    PositionFactory(source=source)
    return source


def test_a_save_makes_stale_the_pages_that_show_the_object_and_leaves_an_unrelated_page_served(
    db, page_cache, reader, django_assert_num_queries
):
    source = _cited_source(key="S01", title="Axios report")
    PlanVersionFactory(name="28-point draft")
    source_page, plan_list = f"/sources/{source.key}/", reverse("tracker:plan-list")
    assert b"Axios report" in reader.get(source_page).content
    assert reader.get(plan_list)["X-Page-Cache"] == "miss"

    source.title = "Axios report, updated"
    source.save()

    stale, after = _stale_then_rebuilt(reader, source_page)
    assert b"Axios report, updated" not in stale.content
    assert b"Axios report, updated" in after.content
    # The plans list never read the sources table: its entry is still fresh, served without a query.
    with django_assert_num_queries(0):
        unrelated = reader.get(plan_list)
    assert unrelated["X-Page-Cache"] == "hit"


def _later(monkeypatch, seconds):
    """Move the clock forward: entries, rebuild locks and checks all see the time pass."""
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + seconds)


def test_the_date_of_the_newest_change_on_an_unrelated_page_lags_by_at_most_the_stated_bound(
    db, page_cache, reader, settings, monkeypatch
):
    source = SourceFactory(key="S01", title="Axios report")
    PlanVersionFactory(name="28-point draft")
    plan_list = reverse("tracker:plan-list")
    reader.get(plan_list)
    source.title = "Axios report, updated"
    source.save()
    assert reader.get(plan_list)["X-Page-Cache"] == "hit"
    # Once the entry is older than the bound, the page is rebuilt to show the newer date.
    _later(monkeypatch, settings.PAGE_CACHE_LAG_SECONDS + 1)
    _stale_then_rebuilt(reader, plan_list)


def test_an_edit_of_a_rows_wording_makes_stale_the_pages_that_show_it_and_not_the_others_reading_its_table(
    db, page_cache, reader, settings, monkeypatch
):
    edited = _cited_source(key="S01", title="Axios report")
    _cited_source(key="S02", title="Reuters")
    pages = {"edited": "/sources/S01/", "other": "/sources/S02/", "list": "/sources/"}
    for url in pages.values():
        reader.get(url)
    edited.title = "Axios report, corrected"
    edited.save()
    state = {name: reader.get(url)["X-Page-Cache"] for name, url in pages.items()}
    assert state == {"edited": "stale", "other": "hit", "list": "stale"}
    assert b"Axios report, corrected" in reader.get(pages["list"]).content
    # Past the stated lag, a page that read the table is rebuilt too (it might show the wording some other way).
    _later(monkeypatch, settings.PAGE_CACHE_LAG_SECONDS + 1)
    _stale_then_rebuilt(reader, pages["other"])


def test_an_edit_of_a_rows_wording_leaves_served_a_page_that_loaded_the_row_but_never_showed_its_wording(
    db, page_cache, reader, django_assert_num_queries
):
    version = PlanVersionFactory()
    first, second, _, last = (
        ClauseFactory(version=version, number=str(n), sort_order=n, heading=f"Point {n}", summary=f"Term {n}.")
        for n in range(1, 5)
    )
    pages = {"second": second.get_absolute_url(), "first": first.get_absolute_url(), "last": last.get_absolute_url()}
    built = {name: reader.get(url) for name, url in pages.items()}
    # The last point's page loaded the second point (its queries read the whole plan: the CDN may purge the page
    # by that row's tag) but shows none of its words; the first point's page links to it by its heading.
    assert f"clause-{second.pk}" in built["last"]["Surrogate-Key"].split()
    assert b"Point 2" not in built["last"].content and b"Point 2" in built["first"].content

    second.summary = "Term 2, as amended."
    second.save()

    with django_assert_num_queries(0):
        untouched = reader.get(pages["last"])
    assert untouched["X-Page-Cache"] == "hit"
    assert reader.get(pages["first"])["X-Page-Cache"] == "stale"
    stale, rebuilt = _stale_then_rebuilt(reader, pages["second"])
    assert b"Term 2, as amended." not in stale.content
    assert b"Term 2, as amended." in rebuilt.content


def test_a_rows_edit_stamp_is_kept_as_long_as_an_entry_built_before_it_can_be_and_no_longer(
    db, page_cache, settings, monkeypatch
):
    source = _cited_source(key="S01", title="Axios report")
    timeouts = {}
    set_ = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda key, value, timeout=None, **kw: timeouts.update({key: timeout}) or set_(key, value, timeout),
    )
    source.title = "Axios report, corrected"
    source.save()
    entry_lifetime = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS
    row_stamp = timeouts[page_cache_module.EDITED_OBJECT_KEY.format(f"source-{source.pk}")]
    assert entry_lifetime < row_stamp < entry_lifetime + 3600, "one key per row ever edited must not pile up"
    assert timeouts[page_cache_module.EDITED_TABLE_KEY.format("tracker_source")] is None, "one per table, kept"


def test_a_wording_field_reads_and_writes_as_a_plain_attribute_and_a_deferred_one_still_loads(db):
    clause = ClauseFactory(summary="Term.")
    deferred = Clause.objects.only("pk").get(pk=clause.pk)
    assert deferred.get_deferred_fields() >= {"summary_en", "heading_en"}
    assert deferred.summary_en == "Term." and "summary_en" not in deferred.get_deferred_fields()
    deferred.summary_en = "Another term."
    assert deferred.__dict__["summary_en"] == "Another term." and deferred.summary_en == "Another term."
    # The class attribute is still Django's own (forms, the admin and modeltranslation read it).
    assert Clause.summary_en.field is Clause._meta.get_field("summary_en")


def test_after_a_change_versions_and_row_stamps_are_read_once_per_process_and_each_entry_is_checked_once(
    db, page_cache, reader, monkeypatch
):
    cited = [_cited_source(key=f"S0{n}", title=f"Report {n}") for n in range(1, 4)]
    pages = ["/sources/", *(f"/sources/{source.key}/" for source in cited)]
    uncited = SourceFactory(key="S09", title="Not cited")
    for url in pages:
        reader.get(url)
    uncited.title = "Still not cited"
    uncited.save()  # the generation moves; the three pages read the sources table but show none of its words
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, *args, **kwargs: reads.append(list(keys)) or get_many(keys))
    version_key = page_cache_module.TABLE_KEY.format("tracker_source")

    assert [reader.get(url)["X-Page-Cache"] for url in pages] == ["hit"] * 4
    # One read of every table's version for the four entries, not one each.
    assert len([keys for keys in reads if version_key in keys]) == 1
    # The list and the first source's page both show that source: when its wording was last edited is read once.
    stamp_key = page_cache_module.EDITED_OBJECT_KEY.format(f"source-{cited[0].pk}")
    assert len([keys for keys in reads if stamp_key in keys]) == 1
    reads.clear()
    assert [reader.get(url)["X-Page-Cache"] for url in pages] == ["hit"] * 4
    # Each entry found fresh under this generation is not checked again: one read, of the entry and the generation.
    assert [len(keys) for keys in reads] == [2, 2, 2, 2]


def test_a_new_row_makes_stale_every_page_that_read_its_table(db, page_cache, reader):
    _cited_source(key="S02", title="Reuters")
    assert reader.get("/sources/S02/")["X-Page-Cache"] == "miss"
    SourceFactory(key="S03", title="AP")
    _stale_then_rebuilt(reader, "/sources/S02/")


@pytest.fixture
def queued(monkeypatch):
    """The rebuilds the site queues, held here until the test runs them."""
    jobs = []
    monkeypatch.setattr(page_cache_module, "start_rebuild", jobs.append)
    return jobs


def test_a_stale_page_is_served_to_every_reader_while_exactly_one_rebuild_runs_off_their_requests(
    db, page_cache, reader, queued
):
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()

    django = _Django()
    answers = [_wsgi_get(CachedPageApplication(django), home, HTTP_ACCEPT_ENCODING="gzip") for _ in range(3)]
    head = _wsgi_get(CachedPageApplication(django), home, "HEAD", HTTP_ACCEPT_ENCODING="gzip")
    # Every reader, the first too, got the previous page at once from the fast path; the rebuild is queued once.
    assert django.calls == 0
    assert len(queued) == 1
    for status, headers, body in answers:
        assert (status, dict(headers)["X-Page-Cache"]) == ("200 OK", "stale")
        assert b"28-point draft" in gzip.decompress(body)
        assert b"28-point leaked draft" not in gzip.decompress(body)
    assert (head[0], head[2]) == ("200 OK", b"")
    # Through Django's middleware (no gzip, a conditional request): the previous page too, nothing more queued.
    for headers in ({}, {"HTTP_IF_NONE_MATCH": '"old"'}):
        stale = reader.get(home, **headers)
        assert stale["X-Page-Cache"] == "stale"
        assert b"28-point leaked draft" not in stale.content
    assert len(queued) == 1

    queued.pop()()

    rebuilt = reader.get(home, HTTP_ACCEPT_ENCODING="gzip")
    assert rebuilt["X-Page-Cache"] == "hit"
    assert b"28-point leaked draft" in gzip.decompress(rebuilt.content)
    assert queued == []
    # The rebuild released its lock: the next change queues a rebuild again.
    version.name = "28-point draft, as leaked"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert len(queued) == 1


def test_a_rebuilt_page_never_shows_a_draft_and_an_unpublished_page_is_not_served_once_rebuilt(
    db, page_cache, reader, queued
):
    version = PlanVersionFactory(name="28-point draft")
    ClauseFactory(version=version, number=1, heading="Security guarantees")
    page = version.get_absolute_url()
    assert b"Security guarantees" in reader.get(page).content
    ClauseFactory(version=version, number=2, heading="Secret annex", is_published=False)
    assert reader.get(page)["X-Page-Cache"] == "stale"
    queued.pop()()
    rebuilt = reader.get(page)
    assert rebuilt["X-Page-Cache"] == "hit"
    assert b"Secret annex" not in rebuilt.content
    assert b"Security guarantees" in rebuilt.content

    PlanVersion.objects.filter(pk=version.pk).update(is_published=False)
    bump_generation()
    assert reader.get(page)["X-Page-Cache"] == "stale"
    queued.pop()()
    # The rebuild answered 404: the entry is gone, and the next reader gets the 404 itself.
    gone = reader.get(page)
    assert gone.status_code == 404
    assert b"Security guarantees" not in gone.content


def test_a_queued_rebuild_whose_lock_expired_meanwhile_does_nothing(db, page_cache, reader, queued, monkeypatch):
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    key = _page_key(reader.get(home).wsgi_request.META)
    cache.delete(key + ":lock")  # as its timeout would
    queued.pop()()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert len(queued) == 1, "the next reader queues the rebuild again"


def test_past_the_queue_limit_a_stale_page_is_served_without_taking_its_lock(
    db, page_cache, reader, settings, monkeypatch
):
    settings.PAGE_CACHE_REBUILD_THREADS, settings.PAGE_CACHE_REBUILD_QUEUE = 1, 2
    monkeypatch.setitem(page_cache_module._pool, "pending", 2)
    monkeypatch.setitem(page_cache_module._pool, "pid", os.getpid())
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    key = _page_key(reader.get(home).wsgi_request.META)
    assert _try_lock(key) is not None, "nobody holds the lock: a later reader queues the rebuild"


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_runs_in_a_background_thread_and_the_reader_who_found_the_page_stale_does_not_wait(
    page_cache, reader, settings, monkeypatch
):
    settings.PAGE_CACHE_REBUILD_THREADS = 1
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    threads = []
    real_rebuild = page_cache_module._run_rebuild

    def slow_rebuild(*args):
        threads.append(threading.current_thread())
        time.sleep(0.5)  # a slow build: the reader must not wait for it
        real_rebuild(*args)

    monkeypatch.setattr(page_cache_module, "_run_rebuild", slow_rebuild)
    started = time.monotonic()
    stale = reader.get(home)
    assert time.monotonic() - started < 0.5
    assert stale["X-Page-Cache"] == "stale"
    assert b"28-point leaked draft" not in stale.content
    executor = page_cache_module._pool["executor"]
    executor.submit(lambda: None).result(timeout=30)  # one thread: runs after the rebuild
    executor.submit(lambda: connection.close()).result(timeout=30)  # the thread's own database connection
    assert threads and threads[0] is not threading.main_thread()
    rebuilt = reader.get(home)
    assert rebuilt["X-Page-Cache"] == "hit"
    assert b"28-point leaked draft" in rebuilt.content


def test_while_a_rebuild_holds_the_lock_readers_get_the_previous_page_and_editors_the_new_one(
    db, page_cache, reader, editor_client, django_assert_num_queries
):
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    key = _page_key(_stale_then_rebuilt(reader, home, HTTP_ACCEPT_ENCODING="gzip")[1].wsgi_request.META)
    # (the entry was rebuilt; make it stale again and hold its lock as a slow rebuild would)
    version.name = "28-point draft, as leaked"
    version.save()
    assert _try_lock(key) is not None

    with django_assert_num_queries(0):
        stale = reader.get(home, HTTP_ACCEPT_ENCODING="gzip")
    assert stale["X-Page-Cache"] == "stale"
    assert b"as leaked" not in gzip.decompress(stale.content)
    assert b"28-point draft, as leaked" in editor_client.get(home).content


def test_a_rebuild_lock_is_released_only_by_the_request_that_holds_it(db, page_cache):
    token = _try_lock("pages:test")
    assert token is not None
    assert _try_lock("pages:test") is None
    _release("pages:test", "someone else's token")
    assert _try_lock("pages:test") is None
    _release("pages:test", token)
    assert _try_lock("pages:test") is not None


def test_the_pages_are_made_stale_again_once_the_editors_transaction_commits(
    db, page_cache, django_capture_on_commit_callbacks
):
    version = PlanVersionFactory(name="28-point draft")
    with django_capture_on_commit_callbacks() as callbacks:
        version.name = "28-point leaked draft"
        version.save()
    before = current_generation()
    for callback in callbacks:
        callback()
    assert current_generation() != before


def test_a_conditional_request_for_a_cached_page_gets_304_from_the_cache(
    db, page_cache, reader, django_assert_num_queries
):
    PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    etag = reader.get(home)["ETag"]
    with django_assert_num_queries(0):
        assert reader.get(home, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert reader.get(home, HTTP_IF_NONE_MATCH='"stale"')["X-Page-Cache"] == "hit"


def test_with_a_rebuilder_running_rebuilds_are_queued_for_it_and_it_stores_the_new_page(
    db, own_redis, settings, reader, monkeypatch
):
    settings.REDIS_URL = own_redis
    settings.PAGE_CACHE_REBUILD_THREADS = 1
    # The page was built a moment ago: its rebuild would wait out the interval (the next test), not here.
    settings.PAGE_CACHE_REBUILD_INTERVAL = 0
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    cache.set(page_cache_module.REBUILDER_KEY, 1, 10)  # a rebuilder says it is alive
    in_process = []
    monkeypatch.setattr(page_cache_module, "start_rebuild", in_process.append)

    for _ in range(3):
        stale = reader.get(home)
        assert stale["X-Page-Cache"] == "stale"
        assert b"28-point leaked draft" not in stale.content
    queue = redis.Redis.from_url(own_redis)
    assert queue.llen(cache.make_key(page_cache_module.REBUILD_QUEUE_KEY)) == 1
    assert in_process == []

    # The rebuilder takes it (in this test's thread and transaction: keep the test's connection open).
    monkeypatch.setattr(page_cache_module, "close_old_connections", lambda: None)
    request_finished.disconnect(close_old_connections)
    try:
        rounds = iter([False, True])
        page_cache_module.run_rebuilder(stop=lambda: next(rounds))
    finally:
        request_finished.connect(close_old_connections)
    assert queue.llen(cache.make_key(page_cache_module.REBUILD_QUEUE_KEY)) == 0
    rebuilt = reader.get(home)
    assert rebuilt["X-Page-Cache"] == "hit"
    assert b"28-point leaked draft" in rebuilt.content


def _run_the_rebuilder_once(monkeypatch):
    """One round of the rebuilder's loop, in this test's thread and transaction."""
    monkeypatch.setattr(page_cache_module, "close_old_connections", lambda: None)
    request_finished.disconnect(close_old_connections)
    try:
        rounds = iter([False, True])
        page_cache_module.run_rebuilder(stop=lambda: next(rounds))
    finally:
        request_finished.connect(close_old_connections)


def test_the_rebuilder_rebuilds_a_page_at_most_once_per_interval_and_the_saves_meanwhile_join_that_rebuild(
    db, own_redis, settings, reader, monkeypatch
):
    settings.REDIS_URL = own_redis
    settings.PAGE_CACHE_REBUILD_THREADS = 1
    settings.PAGE_CACHE_REBUILD_INTERVAL = 20
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    cache.set(page_cache_module.REBUILDER_KEY, 1, 60)  # a rebuilder says it is alive
    monkeypatch.setattr(page_cache_module, "start_rebuild", lambda job: pytest.fail("rebuilt in the worker"))
    queue = redis.Redis.from_url(own_redis)
    now, later = (cache.make_key(key) for key in (page_cache_module.REBUILD_QUEUE_KEY, "pages:rebuild-later"))

    version.name = "28-point leaked draft"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    # Built a moment ago: its rebuild waits until the entry is 20 s old, not in the queue for now.
    assert queue.llen(now) == 0
    [(_, due)] = queue.zrange(later, 0, -1, withscores=True)
    assert 19 < due - time.time() <= 20
    version.name = "28-point draft, as leaked"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert queue.zcard(later) == 1  # the second save joins the rebuild already waiting

    _run_the_rebuilder_once(monkeypatch)  # not due yet: nothing is rebuilt
    assert queue.zcard(later) == 1
    assert reader.get(home)["X-Page-Cache"] == "stale"

    _later(monkeypatch, 20)
    _run_the_rebuilder_once(monkeypatch)
    assert queue.zcard(later) == 0
    rebuilt = reader.get(home)
    assert rebuilt["X-Page-Cache"] == "hit"
    assert b"28-point draft, as leaked" in rebuilt.content

    # Once the entry is older than the interval, the next change is queued for the rebuilder at once.
    _later(monkeypatch, 41)
    version.name = "28-point draft, final"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert (queue.llen(now), queue.zcard(later)) == (1, 0)


def test_with_stats_on_the_cache_counts_its_work_in_redis_and_sends_the_hits_counts_at_most_once_a_second(
    db, own_redis, settings, reader, queued
):
    settings.PAGE_CACHE_STATS = True
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    stats_key = cache.make_key(page_cache_module.STATS_KEY)
    client = redis.Redis.from_url(own_redis)

    def stats():
        return {name.decode(): int(number) for name, number in client.hgetall(stats_key).items()}

    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    assert [reader.get(home)["X-Page-Cache"] for _ in range(2)] == ["stale", "stale"]
    counted = stats()
    assert (counted["miss"], counted["built_on_miss"], counted["found_stale"], counted["queued"]) == (1, 1, 1, 1)
    assert counted["stale_hit"] == 1, "the second stale hit is counted in the process, not sent at once"

    queued.pop()()
    counted = stats()
    assert (counted["rebuilt"], counted["rebuilt:/"], counted["stale_hit"]) == (1, 1, 2)


def test_without_a_rebuilder_alive_each_process_rebuilds_in_its_own_threads(db, own_redis, settings, reader, queued):
    settings.REDIS_URL = own_redis
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert len(queued) == 1
    queue = redis.Redis.from_url(own_redis)
    assert queue.llen(cache.make_key(page_cache_module.REBUILD_QUEUE_KEY)) == 0


def test_an_entry_found_stale_is_not_checked_again_while_it_waits_for_its_rebuild(
    db, page_cache, reader, queued, monkeypatch
):
    version = PlanVersionFactory(name="28-point draft")
    home = reverse("tracker:home")
    reader.get(home)
    version.name = "28-point leaked draft"
    version.save()
    checks = []
    real_check = page_cache_module._fresh_until
    monkeypatch.setattr(page_cache_module, "_fresh_until", lambda *args: checks.append(1) or real_check(*args))
    for _ in range(3):
        assert reader.get(home)["X-Page-Cache"] == "stale"
    assert len(checks) == 1
    queued.pop()()
    # The rebuilt entry is a new one: checked as any other.
    version.name = "28-point draft, as leaked"
    version.save()
    assert reader.get(home)["X-Page-Cache"] == "stale"
    assert len(checks) == 2
