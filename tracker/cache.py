"""Whole-response cache for anonymous readers: stale-while-revalidate, invalidated table by table.

What is stored. Each entry is the response exactly as the reader got it (the middleware sits
outermost, so the security headers and the ETag are part of it) plus what it was built from: the
tracker tables its queries read, each with the version that table had just before the build, the
global generation at that moment, and a soft expiry. The key is the request's identity only (URL,
host, scheme, Accept), so a changed page replaces its entry instead of leaving it behind.

What makes an entry stale. A change that can move rows in or out of a page (a new row, a deletion,
a change of any field other than wording) bumps its table's version and the global generation: model
signals (post_save, post_delete, m2m_changed) both at once and again in ``transaction.on_commit``,
so a reader that built a page from the old rows while the editor's transaction was open stores it
under the old versions and it is stale again at once. An update that changes only a row's wording
(``_wording_fields``) stamps that row and its table instead: stale at once are the entries that
show that row, and the others that read its table once they are ``PAGE_CACHE_LAG_SECONDS`` old. An
entry "shows" the rows whose wording (or ``updated_at``) its build read (``_WordingAttribute`` notes each
read of such a field of a tracker model), not every row its queries loaded: a point's page loads every point of its
plan (neighbours, lineage) and shows the wording of a few, so an edit of one point's summary leaves the
other points' pages served. What is read through ``.values()`` is not noted: such a page sees a wording
edit within the lag, as it does a row it does not show.
Writes that send no signals call ``bump_tables`` (the admin's publish actions) or ``bump_generation``
(bulk commands, every migrate), and any other successful write by a logged-in editor to the
tracker's admin or the site that bumped nothing bumps everything. An entry is fresh when the
generation has not moved since it was built, or when none of the tables it read has and none of
the rows it shows was edited: saving a source's title leaves the other sources' pages and the pages
that never read sources (the plan list, say) fresh and served.

Serving stale, rebuilt off the readers' requests. Every reader of a stale entry gets the previous
entry (``X-Page-Cache: stale``), the one that notices it first too. That request also wins
``cache.add(key + ":lock")`` (Redis ``SET NX EX``) and hands the rebuild on: to the rebuilder
(``manage.py rebuild_pages``, a process of its own at a lower CPU priority that gunicorn.conf.py
starts, fed through a list in Redis) while its heartbeat key says it is alive, else to a small pool
of background threads in its own process (``PAGE_CACHE_REBUILD_THREADS``). The rebuild replays the
reader's request through the whole Django stack (minus its conditional headers), stores the new
entry and releases the lock only if it still holds its own token. (A process of its own: a thread
rebuilding pages in a worker holds the interpreter lock, and every cache hit the worker serves
meanwhile waits for it.) So one rebuild runs per stale
key at a time, across processes, and no reader waits for it. A rebuild that answers anything but a
storable 200 (the page was unpublished: 404) removes the entry, so the next reader gets the answer
itself. When a process's threads already have ``PAGE_CACHE_REBUILD_QUEUE`` rebuilds waiting, a
stale entry is served without taking its lock, and a later reader queues the rebuild. A lock expires after
``PAGE_CACHE_LOCK_SECONDS``; a queued rebuild whose lock has expired is dropped (a later reader
queues another).

Rebuilds coalesce. The rebuilder rebuilds an entry at most once per ``PAGE_CACHE_REBUILD_INTERVAL``:
the rebuild of an entry built less than that long ago waits (a sorted set in Redis, scored by when it
is due; its lock lasts that much longer), and the changes saved meanwhile join it. So in an edit
storm a page that every save touches (a party's page, the API's first page) is rebuilt once per
interval, not once per save, and an isolated change still shows one page build after it. (Threads in
a worker, without a rebuilder, rebuild at once.) Readers thus see a change once the entry's rebuild
has run: within ``PAGE_CACHE_REBUILD_INTERVAL`` of the entry's previous build plus the rebuilds
queued before it (normally one page build after the save when the page had not changed for that
long), and at the latest when the entry itself expires
(``PAGE_CACHE_STALE_SECONDS`` after its soft expiry), when a reader builds the page in its own
request. Editors (any request with a session cookie) never get a stored page, so the editor who
saved sees the change on the very next request. A request that finds no entry at all builds the
page itself. With ``PAGE_CACHE_REBUILD_THREADS = 0`` the rebuild runs in the request's own thread
after its (stale) response is made (tests; a single-threaded server).

The fast path. ``CachedPageApplication`` (the WSGI application gunicorn serves) answers an anonymous
reader's fresh or stale hit before Django builds a request at all: one Redis round trip for the
entry and the generation. When something changed since the entry was built, the entry is checked
against every table's version, read once per process and generation (``_versions_at``), and a second
round trip reads the stamps of the rows it shows only when a row of its tables had its wording edited
since, and only those this process has not read in this generation yet (``_edit_stamps_at``); a
process remembers an entry found fresh under a generation, and one found stale. A stale
hit queues the entry's rebuild there too (``schedule_rebuild``). Conditional requests and clients
that do not accept a gzipped entry go on to the middleware, which answers them from the same
entries the same way.
"""

import contextvars
import gzip
import hashlib
import io
import json
import logging
import math
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http import HTTPStatus

import redis
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_script_name
from django.db import close_old_connections, connection, models, transaction
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import m2m_changed, post_delete, post_init, post_migrate, post_save, pre_save
from django.http import HttpResponse
from django.urls import set_script_prefix
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

from tracker import cdn, languages

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"  # moves on every change anywhere
EPOCH_KEY = "pages:epoch"  # moves only when everything is stale at once (bump_generation)
TABLE_KEY = "pages:table:{}"
# When a row of a table, or one object, last had only its wording edited (see _bump_on_signal).
EDITED_TABLE_KEY = "pages:edited:{}"
EDITED_OBJECT_KEY = "pages:edited-object:{}"
# Past this many objects on a page, an edit of any row of its tables makes it stale at once.
MAX_TRACKED_OBJECTS = 500
# Part of every page key: change it when the stored tuple changes shape, so old entries are never read.
ENTRY_FORMAT = 4
SAFE_METHODS = {"GET", "HEAD"}
# The back office, and the probes load balancers (and the benchmark) send.
UNCACHED_PREFIXES = ("/admin/", "/healthz", "/readyz")
# Set on the request a background rebuild replays: (key, token) of the lock it holds.
REBUILD_ENVIRON_KEY = "tracker.page_cache.rebuild"


def _new_version():
    # Versions are only compared for equality; a fresh value that no entry can hold is all that matters.
    return time.time_ns()


def current_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start above any number a lost key may have reached, so no old entry can come back.
        cache.add(GENERATION_KEY, _new_version(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _bump_global():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # The key was evicted or never set: start afresh above any earlier value.
        cache.set(GENERATION_KEY, _new_version(), timeout=None)
    _invalidated.count = getattr(_invalidated, "count", 0) + 1


# How many invalidations this thread has made: tells the middleware whether an editor's write reached any.
_invalidated = threading.local()


def bump_generation():
    """Make every cached page stale (and ask the CDN, if any, to forget every page)."""
    cache.set(EPOCH_KEY, _new_version(), timeout=None)
    _bump_global()
    if settings.CDN_PURGE:
        transaction.on_commit(lambda: cdn.purge([cdn.EVERYTHING]))


def bump_tables(tables):
    """Make stale the cached pages that read any of these tables (names, or models)."""
    names = {table if isinstance(table, str) else table._meta.db_table for table in tables}
    version = _new_version()
    cache.set_many({TABLE_KEY.format(name): version for name in names}, timeout=None)
    _bump_global()


def bump_tables_now_and_on_commit(tables, objects=()):
    """bump_tables at once, and again once the transaction commits (see the module's docstring).

    Once committed, the CDN (if a purge hook is set) is asked to forget the pages tagged with these
    tables or ``objects`` (model instances).
    """
    tables = [table if isinstance(table, str) else table._meta.db_table for table in tables]
    tags = [cdn.table_tag(table) for table in tables] + [cdn.object_tag(type(obj), obj.pk) for obj in objects]
    bump_tables(tables)

    def committed():
        bump_tables(tables)
        cdn.purge(tags)

    transaction.on_commit(committed)


def _wording_fields(model):
    """The fields an edit of which changes only what a row says, not which rows a page lists or counts.

    Text without choices that is neither unique, indexed, a slug nor a sort key (and updated_at). An
    edit confined to these makes stale at once the pages that show the row; pages that merely read
    its table (a count, a list the row is not on) may show the old wording for a bounded time.
    """
    ordering = {name.lstrip("-").split("__")[0] for name in model._meta.ordering}
    return {
        field.attname
        for field in model._meta.concrete_fields
        if (
            isinstance(field, models.CharField | models.TextField)
            and not isinstance(field, models.SlugField)
            and not field.choices
            and not field.unique
            and not field.db_index
            and field.name not in ordering
        )
        or field.name == "updated_at"
    }


def _remember_changed_fields(sender, instance, raw=False, **kwargs):
    """Before an update, note which fields it changes (one query, on editors' saves only)."""
    if sender._meta.app_label != "tracker" or raw or instance._state.adding or instance.pk is None:
        return
    names = [field.attname for field in sender._meta.concrete_fields]
    old = sender._base_manager.filter(pk=instance.pk).values(*names).first()
    instance._page_cache_changed = None if old is None else {n for n in names if old[n] != getattr(instance, n)}


def _entry_lifetime():
    """Seconds a stored page is kept: fresh, then served stale while it is rebuilt."""
    return settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS


def stamp_wording_edit_now_and_on_commit(instance):
    """An edit of what one row says: stale at once where the row is shown, within the lag elsewhere."""
    table = instance._meta.db_table
    tag = cdn.object_tag(type(instance), instance.pk)

    def stamp():
        now = time.time()
        cache.set(EDITED_TABLE_KEY.format(table), now, timeout=None)
        # A row's stamp only matters to entries built before it, and none outlives its own timeout: kept longer,
        # one key per row ever edited would pile up in Redis.
        cache.set(EDITED_OBJECT_KEY.format(tag), now, timeout=_entry_lifetime() + 60)
        _bump_global()

    def committed():
        stamp()
        cdn.purge([tag])

    stamp()
    transaction.on_commit(committed)


def _bump_on_signal(sender, instance=None, **kwargs):
    if sender._meta.app_label != "tracker" or kwargs.get("action", "post_").startswith("pre_"):
        return
    changed = getattr(instance, "_page_cache_changed", None)
    if kwargs.get("signal") is post_save and not kwargs.get("created") and changed is not None:
        instance._page_cache_changed = None
        if changed <= _wording_fields(sender):
            stamp_wording_edit_now_and_on_commit(instance)
            return
    tables, objects = [sender], []
    if kwargs.get("signal") is m2m_changed and instance is not None:
        # The sender is the through table; the instance's own table shows the relation too.
        tables.append(type(instance))
    if instance is not None and instance.pk is not None:
        objects.append(instance)
    bump_tables_now_and_on_commit(tables, objects)


def _note_object(sender, instance, **kwargs):
    objects = _objects.get()
    if objects is not None and instance.pk is not None and sender._meta.app_label == "tracker":
        objects.add(cdn.object_tag(sender, instance.pk))


class _WordingAttribute:
    """A wording field's attribute on a tracker model: notes whose wording the page being built reads.

    Stored in the instance's ``__dict__`` as Django's own attribute does (a deferred field is still
    loaded on first read); the class attribute is the field's own descriptor, as before.
    """

    def __init__(self, inner):
        self.inner = inner
        self.field = inner.field
        self.attname = inner.field.attname

    def __get__(self, instance, owner=None):
        if instance is None:
            return self.inner
        shown = _shown.get()
        if shown is not None:
            shown.add((type(instance), instance.pk))
        try:
            return instance.__dict__[self.attname]
        except KeyError:
            return self.inner.__get__(instance, owner)

    def __set__(self, instance, value):
        instance.__dict__[self.attname] = value


def _watch_wording_reads():
    """Put a _WordingAttribute on every wording field of the tracker's models (updated_at too: a feed shows it)."""
    for model in apps.get_app_config("tracker").get_models(include_auto_created=True):
        for attname in _wording_fields(model):
            inner = model.__dict__.get(attname)
            if isinstance(inner, DeferredAttribute) and not isinstance(inner, _WordingAttribute):
                setattr(model, attname, _WordingAttribute(inner))


def _bump_after_migrate(sender, **kwargs):
    bump_generation()


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_bump_on_signal, dispatch_uid=f"tracker-page-cache-{id(signal)}")
    post_migrate.connect(_bump_after_migrate, dispatch_uid="tracker-page-cache-migrate")
    post_init.connect(_note_object, dispatch_uid="tracker-page-cache-objects")
    pre_save.connect(_remember_changed_fields, dispatch_uid="tracker-page-cache-changed-fields")
    _watch_wording_reads()


def _all_tables():
    return sorted(
        {model._meta.db_table for model in apps.get_app_config("tracker").get_models(include_auto_created=True)}
    )


_TABLE_IN_SQL = re.compile(r'"(tracker_[a-z0-9_]+)"')
_untracked = contextvars.ContextVar("page_cache_untracked", default=False)
# The set of tables the page being built has read so far, while one is being built.
_collecting = contextvars.ContextVar("page_cache_collecting", default=None)
# The tags of the tracker objects loaded meanwhile (for the CDN's Surrogate-Key).
_objects = contextvars.ContextVar("page_cache_objects", default=None)
# The (model, pk) of the tracker objects whose wording the page read meanwhile (see _WordingAttribute).
_shown = contextvars.ContextVar("page_cache_shown", default=None)
# In that set: the page shows when the tracker's data last changed (see shows_data_stamp).
_SHOWS_STAMP = "*stamp*"


def depends_on_everything():
    """Say that the page being built shows something derived from every table (unless untracked)."""
    tables = _collecting.get()
    if tables is not None and not _untracked.get():
        tables.update(_all_tables())


def remembered_per_generation(name, compute):
    """``compute()``, kept in the cache until the next change to the tracker's data (any signal or bump)."""
    key = f"pages:remembered:{name}:{current_generation()}"
    found = cache.get(key, _NOTHING)
    if found is _NOTHING:
        found = compute()
        cache.set(key, found, settings.PAGE_CACHE_SECONDS or 60)
    return found


_NOTHING = object()


@contextmanager
def untracked():
    """Queries in this block do not make the page depend on their tables (validators such as the ETag's stamp)."""
    token = _untracked.set(True)
    try:
        yield
    finally:
        _untracked.reset(token)


def shows_data_stamp():
    """Say that the page being built shows when the tracker's data last changed, anywhere.

    Such a page is not made stale by every save (that would make every page stale on every save):
    once something has changed, its entry is rebuilt when it is older than
    ``PAGE_CACHE_LAG_SECONDS``, so the date it shows lags the newest change by at most that
    long (plus one rebuild) on pages whose own tables did not change.
    """
    tables = _collecting.get()
    if tables is not None:
        tables.add(_SHOWS_STAMP)


class _Reads(set):
    """The names of the tables read, (``objects``) the tags of the tracker objects loaded, and (``shown``)
    the (model, pk) of those whose wording was read."""

    def __init__(self):
        super().__init__()
        self.objects = set()
        self.shown = set()

    def shown_tags(self):
        return {cdn.object_tag(model, pk) for model, pk in self.shown if pk is not None}


@contextmanager
def _reading_tables():
    """Collect the names of the tracker tables the queries in this block read."""
    tables = _Reads()

    def record(execute, sql, params, many, context):
        if not _untracked.get():
            tables.update(_TABLE_IN_SQL.findall(sql))
        return execute(sql, params, many, context)

    tokens = _collecting.set(tables), _objects.set(tables.objects), _shown.set(tables.shown)
    try:
        with connection.execute_wrapper(record):
            yield tables
    finally:
        for variable, token in zip((_collecting, _objects, _shown), tokens, strict=True):
            variable.reset(token)


def _snapshot():
    """The generation, the epoch and every table's version, as they are before a page is built."""
    keys = [GENERATION_KEY, EPOCH_KEY, *(TABLE_KEY.format(table) for table in _all_tables())]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _new_version(), timeout=None)
        found.update(cache.get_many(missing))
    return found


def _meta(snapshot, reads, started):
    objects = reads.shown_tags()
    return {
        "generation": snapshot.get(GENERATION_KEY),
        "epoch": snapshot.get(EPOCH_KEY),
        "tables": {table: snapshot.get(TABLE_KEY.format(table)) for table in reads if table != _SHOWS_STAMP},
        "objects": sorted(objects) if len(objects) <= MAX_TRACKED_OBJECTS else None,
        "shows_stamp": _SHOWS_STAMP in reads,
        "started": started,
        "built_at": time.time(),
        "soft_expiry": time.time() + settings.PAGE_CACHE_SECONDS,
    }


def _is_fresh(meta, generation):
    return _fresh_until(meta, generation) > time.time()


def _fresh_until(meta, generation):
    """Until when the entry stays fresh if nothing else changes (a time in the past: it is stale now)."""
    if time.time() >= meta["soft_expiry"]:
        return 0
    if generation is not None and meta["generation"] == generation:
        return meta["soft_expiry"]
    tables, objects = meta["tables"], meta["objects"]
    table_keys = [TABLE_KEY.format(table) for table in tables]
    edited_keys = [EDITED_TABLE_KEY.format(table) for table in tables]
    found = _versions_at(generation)
    if meta["epoch"] is None or found.get(EPOCH_KEY) != meta["epoch"]:
        return 0
    versions = zip(table_keys, tables.values(), strict=True)
    if not all(version is not None and found.get(key) == version for key, version in versions):
        return 0  # rows added, removed, moved or republished in a table it read
    # Wording edits since the build started: stale at once if the page shows the row (or too many rows
    # to tell); otherwise once the entry is older than the lag, like the date of the newest change.
    edited_since = [
        table for table, key in zip(tables, edited_keys, strict=True) if (found.get(key) or 0) >= meta["started"]
    ]
    if edited_since and objects is None:
        return 0
    if edited_since:
        # Only the rows of the tables edited since (a row's stamp is set with its table's): a few keys, not
        # one per row the page shows.
        prefixes = tuple(f"{_model_names().get(table)}-" for table in edited_since)
        object_keys = [EDITED_OBJECT_KEY.format(tag) for tag in objects if tag.startswith(prefixes)]
        edited = _edit_stamps_at(generation, object_keys)
        if any((edited.get(key) or 0) >= meta["started"] for key in object_keys):
            return 0
    if edited_since or meta["shows_stamp"]:
        return min(meta["soft_expiry"], meta["built_at"] + settings.PAGE_CACHE_LAG_SECONDS)
    return meta["soft_expiry"]


def _versions_at(generation):
    """The epoch and every table's version and wording-edit stamp, as they were at ``generation`` or later.

    Read with one round trip once per process and generation, not once per entry: every write moves the
    generation after the versions it changes, so what is read after seeing a generation is at least as
    new as that generation. (Newer only makes an entry stale sooner.)
    """
    at, found = _versions
    if generation is not None and at == generation:
        return found
    tables = _all_tables()
    found = cache.get_many(
        [
            EPOCH_KEY,
            *(TABLE_KEY.format(table) for table in tables),
            *(EDITED_TABLE_KEY.format(table) for table in tables),
        ]
    )
    if generation is not None and EPOCH_KEY in found:  # not a failed read (Redis unreachable: nothing found)
        _versions[:] = [generation, found]
    return found


# This process's last read of the versions: [the generation it was read at, {key: value}].
_versions = [None, {}]


def _edit_stamps_at(generation, keys):
    """When each of these rows (EDITED_OBJECT_KEY) last had its wording edited, as at ``generation`` or later.

    Remembered per process and generation like the versions (a stamp is written before the generation
    moves): the rows shown on many pages are read once per generation, not once for each entry.
    """
    at, known = _edit_stamps
    if generation is None or at != generation:
        known = {}
    missing = [key for key in keys if key not in known]
    if missing:
        found = cache.get_many([EPOCH_KEY, *missing])
        if generation is None or EPOCH_KEY not in found:  # a failed read is not remembered
            return {**known, **found}
        known.update({key: found.get(key) for key in missing})
        _edit_stamps[:] = [generation, known]
    return known


# This process's last read of rows' edit stamps: [the generation it was read at, {key: value or None}].
_edit_stamps = [None, {}]

_MODEL_NAMES = {}


def _model_names():
    """Table name -> model name (the start of its objects' tags), for the tracker's models."""
    if not _MODEL_NAMES:
        for model in apps.get_app_config("tracker").get_models(include_auto_created=True):
            _MODEL_NAMES[model._meta.db_table] = model._meta.model_name
    return _MODEL_NAMES


def _lock_key(key):
    return key + ":lock"


def _try_lock(key, seconds=None):
    """A token if this request won the right to rebuild the entry (for ``seconds``, else
    PAGE_CACHE_LOCK_SECONDS), else None."""
    token = uuid.uuid4().hex
    return token if cache.add(_lock_key(key), token, math.ceil(seconds or settings.PAGE_CACHE_LOCK_SECONDS)) else None


def _release(key, token):
    # Only our own lock: after a timeout another request may hold it now.
    if cache.get(_lock_key(key)) == token:
        cache.delete(_lock_key(key))


# What makes two requests get different bytes: scheme and host reach absolute links (API hyperlinks,
# canonical URLs), and Accept picks the API's format. Read raw from the WSGI environ, so the fast path
# (before Django) and the middleware compute the same key; an entry is only ever stored by Django, after
# it has checked the host.
_KEY_ENVIRON = (
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_HOST",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
)


def _page_key(environ):
    identity = "\n".join(str(environ.get(name, "")) for name in _KEY_ENVIRON)
    # The language: a page's is in its path (/uk/, /ru/); the API's comes from ?lang= or Accept-Language.
    identity += f"\n{languages.request_language(environ)}"
    if "HTTP_HOST" not in environ:
        identity += f"\n{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    digest = hashlib.sha256(identity.encode("utf-8", "backslashreplace")).hexdigest()
    return f"pages:{ENTRY_FORMAT}:{digest}"


def _is_uncached_path(path):
    return path.startswith(UNCACHED_PREFIXES) or path.startswith(settings.STATIC_URL)


def _is_cacheable_request(request):
    return settings.PAGE_CACHE_SECONDS > 0 and _is_public_request(request)


def _is_public_request(request):
    return (
        request.method in SAFE_METHODS
        # Any session (a logged-in editor, a reader mid-login) gets pages built for it alone.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not _is_uncached_path(request.path)
    )


def _is_cacheable_response(request, response):
    cache_control = response.get("Cache-Control", "")
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and len(response.content) <= MAX_CACHED_BYTES
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
    )


def _is_write_by_an_editor(request, response):
    # Only logged-in users' writes: anyone could otherwise empty the cache with failed login attempts.
    # Users, groups and logging out in the admin change nothing readers see.
    user = getattr(request, "user", None)
    return (
        request.method not in SAFE_METHODS | {"OPTIONS"}
        and response.status_code < 400
        and user is not None
        and user.is_authenticated
        and (request.path.startswith("/admin/tracker/") or not request.path.startswith("/admin/"))
    )


# With PAGE_CACHE_STATS on, counters of the cache's work past the plain hit, in a hash in Redis (the edit-storm
# benchmark reads them): misses built in a request, entries found stale, stale hits served, entries checked
# against the tables' versions, rebuilds queued and done (and how often each address was rebuilt).
STATS_KEY = "pages:stats"


# Counted on readers' hits: kept in the process and added to Redis at most once a second, so that counting
# costs the hits no round trip of their own. The others (rebuilds, misses) go to Redis at once.
FREQUENT_COUNTERS = {"full_check", "stale_hit"}
_counted = {"pending": {}, "sent_at": 0.0}


def count(*names):
    """Add one to each of these counters (nothing unless PAGE_CACHE_STATS is on and the cache is Redis)."""
    if not settings.PAGE_CACHE_STATS:
        return
    pending = _counted["pending"]
    for name in names:
        pending[name] = pending.get(name, 0) + 1
    if FREQUENT_COUNTERS.issuperset(names) and time.monotonic() - _counted["sent_at"] < 1:
        return
    client = _redis()
    _counted["pending"], _counted["sent_at"] = {}, time.monotonic()
    if client is None:
        return
    try:
        with client.pipeline(transaction=False) as pipe:
            for name, number in pending.items():
                pipe.hincrby(cache.make_key(STATS_KEY), name, number)
            pipe.execute()
    except Exception:  # a counter is never worth a failed page
        pass


def _lookup(environ):
    """The page's key, what is stored there (or None), and whether that is fresh."""
    key = _page_key(environ)
    found = cache.get_many([key, GENERATION_KEY])
    stored, generation = found.get(key), found.get(GENERATION_KEY)
    if stored is None:
        count("miss")
        return key, None, False
    entry = (stored[4]["started"], stored[4]["built_at"])
    checked = _found_fresh.get(key)
    if (
        generation is not None
        and checked is not None
        and checked[:2] == (entry, generation)
        and time.time() < checked[2]
    ):
        # Found fresh under this very generation already: spare every reader the full check.
        return key, stored, True
    if _found_stale.get(key) == entry:
        # An entry once stale stays stale (a rebuild stores a new entry): no need to check it again.
        count("stale_hit")
        return key, stored, False
    if generation != stored[4]["generation"]:
        count("full_check")
    until = _fresh_until(stored[4], generation)
    fresh = until > time.time()
    if fresh and generation is not None and generation != stored[4]["generation"]:
        if len(_found_fresh) > MAX_FOUND_STALE:
            _found_fresh.clear()
        _found_fresh[key] = (entry, generation, until)
    if not fresh:
        count("found_stale", "stale_hit")
        if len(_found_stale) > MAX_FOUND_STALE:
            _found_stale.clear()
        _found_stale[key] = entry
    return key, stored, fresh


# The entries this process has found stale, while they wait for their rebuild: key -> the entry's identity.
_found_stale = {}
# The entries this process has found fresh under a generation they were not built at: key -> (the entry's
# identity, that generation, until when it stays fresh).
_found_fresh = {}
MAX_FOUND_STALE = 10000


class AnonymousPageCacheMiddleware:
    """Serve anonymous readers' GET and HEAD requests from the cache; one rebuild per stale page at a time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        handed_over = request.META.pop(REBUILD_ENVIRON_KEY, None)
        if not _is_cacheable_request(request):
            if handed_over:
                _release(*handed_over)
            before = getattr(_invalidated, "count", 0)
            if _is_public_request(request):
                # The page cache is off: the CDN headers still go out.
                with _reading_tables() as reads:
                    response = self.get_response(request)
                _add_cdn_headers(request, response, reads)
            else:
                response = self.get_response(request)
                if settings.SESSION_COOKIE_NAME in request.COOKIES and not _is_uncached_path(request.path):
                    cdn.add_private_headers(response)
            if _is_write_by_an_editor(request, response) and getattr(_invalidated, "count", 0) == before:
                # A write that sent no model signal (an update in bulk): forget everything to be safe.
                bump_generation()
            return response

        if handed_over:
            # A rebuild in the background (see _run_rebuild): build, store, release the lock.
            key, token = handed_over
            try:
                return self._build(request, key, replaces=True)
            finally:
                _release(key, token)
        key, stored, fresh = _lookup(request.META)
        if stored is not None:
            response = _rebuild(request, stored, "hit" if fresh else "stale")
            if not fresh:
                schedule_rebuild(key, request.META, stored[4]["built_at"])
            return response
        return self._build(request, key)

    def _build(self, request, key, replaces=False):
        started = time.time()
        snapshot = _snapshot()
        with _reading_tables() as reads:
            response = self.get_response(request)
        _add_cdn_headers(request, response, reads)
        if _is_cacheable_response(request, response):
            cache.set(key, _freeze(response, _meta(snapshot, reads, started)), _entry_lifetime())
            response["X-Page-Cache"] = "miss"
            count(*(("rebuilt", f"rebuilt:{request.get_full_path()}") if replaces else ("built_on_miss",)))
        elif replaces:
            # The page no longer answers a storable 200 (unpublished: a 404): readers must not keep the old one.
            cache.delete(key)
        return response


# Rebuilds of stale entries, off the readers' requests: a small pool of threads per process.
_pool_guard = threading.Lock()
_pool = {"pid": None, "executor": None, "pending": 0}
_handler_guard = threading.Lock()
_handlers = {}
# Headers of the reader's request the rebuild leaves out: it must build the whole page, not a 304 or a range.
_NOT_REPLAYED = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                 "HTTP_IF_RANGE", "HTTP_RANGE", "CONTENT_TYPE", "CONTENT_LENGTH"}  # fmt: skip


def schedule_rebuild(key, environ, built_at=None):
    """Have a stale entry rebuilt off this request, unless a rebuild of it is under way or too many wait.

    The rebuilder rebuilds an entry (built at ``built_at``) at most once per PAGE_CACHE_REBUILD_INTERVAL: an
    entry built more recently waits in Redis until it is that old, and the changes saved meanwhile join
    that one rebuild. Threads in this process (no rebuilder alive) rebuild at once.
    """
    if settings.PAGE_CACHE_REBUILD_THREADS and _pool["pending"] >= settings.PAGE_CACHE_REBUILD_QUEUE:
        return False
    due = (built_at or 0) + settings.PAGE_CACHE_REBUILD_INTERVAL
    wait = max(0, due - time.time())
    token = _try_lock(key, settings.PAGE_CACHE_LOCK_SECONDS + wait)
    if token is None:
        return False
    count("queued")
    headers = {name: value for name, value in environ.items() if isinstance(value, str) and name not in _NOT_REPLAYED}
    if not _queue_for_the_rebuilder(headers, key, token, due if wait else None):
        replay = _replayed_environ(headers, key, token)
        start_rebuild(lambda: _run_rebuild(replay, key, token))
    return True


def _replayed_environ(headers, key, token):
    """A WSGI environ for the reader's request (its CGI variables and headers ``headers``), as a plain GET."""
    return {
        **headers,
        "REQUEST_METHOD": "GET",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        REBUILD_ENVIRON_KEY: (key, token),
    }


# The rebuilder (``manage.py rebuild_pages``, which gunicorn.conf.py starts beside the workers): a process
# of its own at a lower CPU priority, fed through a list in Redis. While it says it is alive, the app
# servers queue their rebuilds there; otherwise they use their own threads.
REBUILDER_KEY = "pages:rebuilder"
REBUILD_QUEUE_KEY = "pages:rebuild-queue"
# Rebuilds that wait until their entry is PAGE_CACHE_REBUILD_INTERVAL old: a sorted set, scored by when they are due.
REBUILD_LATER_KEY = "pages:rebuild-later"
REBUILDER_HEARTBEAT_SECONDS = 2


def _redis():
    """The cache's Redis client, or None when the cache is not Redis."""
    backend = getattr(cache, "_cache", None)
    return backend.get_client(write=True) if hasattr(backend, "get_client") else None


def _queue_for_the_rebuilder(headers, key, token, due=None):
    """Queue the rebuild for the rebuilder process if one is alive (to run at once, or at time ``due``); False
    when it must be done here."""
    client = _redis()
    if client is None or not cache.get(REBUILDER_KEY):
        return False
    job = json.dumps({"headers": headers, "key": key, "token": token})
    try:
        if due is None:
            client.lpush(cache.make_key(REBUILD_QUEUE_KEY), job)
        else:
            client.zadd(cache.make_key(REBUILD_LATER_KEY), {job: due})
    except Exception:  # Redis failing: the lock above already failed or will expire; rebuild here
        logger.warning("Could not queue a page rebuild for the rebuilder; rebuilding in this process.", exc_info=True)
        return False
    return True


def run_rebuilder(stop=lambda: False):
    """The rebuilder's loop: say it is alive, take the next queued rebuild, run it; until ``stop()``."""
    if _redis() is None or not getattr(settings, "REDIS_URL", None):
        raise RuntimeError("The rebuilder needs the cache in Redis (REDIS_URL).")
    # A client of its own: the cache's gives up on a command much sooner than the wait for the next job.
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=REBUILDER_HEARTBEAT_SECONDS + 5)
    queue, later = cache.make_key(REBUILD_QUEUE_KEY), cache.make_key(REBUILD_LATER_KEY)
    while not stop():
        cache.set(REBUILDER_KEY, os.getpid(), REBUILDER_HEARTBEAT_SECONDS * 3)
        try:
            item = _next_job(client, queue, later)
        except Exception:
            logger.warning("The rebuilder cannot reach Redis; trying again.", exc_info=True)
            time.sleep(REBUILDER_HEARTBEAT_SECONDS)
            continue
        if item is None:
            continue
        job = json.loads(item)
        _run_rebuild(_replayed_environ(job["headers"], job["key"], job["token"]), job["key"], job["token"], True)


def _next_job(client, queue, later):
    """The next rebuild to run: the longest due of those waiting for their interval, else the next queued for
    now (waiting for one until the next is due, or a heartbeat). None when there is none yet."""
    now = time.time()
    for job in client.zrangebyscore(later, "-inf", now, start=0, num=1):
        if client.zrem(later, job):  # taken by this rebuilder, not another app server's
            return job
    following = client.zrange(later, 0, 0, withscores=True)
    timeout = REBUILDER_HEARTBEAT_SECONDS
    if following:
        timeout = min(timeout, max(following[0][1] - now, 0.01))
    item = client.brpop([queue], timeout=timeout)
    return None if item is None else item[1]


def start_rebuild(job):
    """Run ``job`` in this process's pool of rebuild threads (or at once, with PAGE_CACHE_REBUILD_THREADS = 0)."""
    threads = settings.PAGE_CACHE_REBUILD_THREADS
    if not threads:
        job()
        return
    with _pool_guard:
        if _pool["pid"] != os.getpid():
            # A pool made before the server forked its workers has no threads in this process.
            _pool.update(
                pid=os.getpid(),
                executor=ThreadPoolExecutor(max_workers=threads, thread_name_prefix="page-rebuild"),
                pending=0,
            )
        _pool["pending"] += 1
        executor = _pool["executor"]

    def run():
        try:
            job()
        finally:
            with _pool_guard:
                _pool["pending"] -= 1

    executor.submit(run)


def _handler():
    """This process's Django handler for rebuilds (the middleware stack, loaded once)."""
    with _handler_guard:
        if os.getpid() not in _handlers:
            _handlers[os.getpid()] = WSGIHandler()
        return _handlers[os.getpid()]


def _run_rebuild(environ, key, token, background=None):
    """Replay a reader's request through Django; the middleware stores the page and releases the lock."""
    if background is None:
        background = threading.current_thread() is not threading.main_thread() and settings.PAGE_CACHE_REBUILD_THREADS
    try:
        if cache.get(_lock_key(key)) != token:
            return  # queued past its lock's timeout: another request may be rebuilding it now
        if background:
            close_old_connections()
        set_script_prefix(get_script_name(environ))
        response = _handler().get_response(WSGIRequest(environ))
        if background:
            response.close()  # request_finished: this thread's database connection is kept or closed as usual
    except Exception:
        logger.exception("Rebuilding a cached page failed; readers keep the previous one.")
        _release(key, token)


def _add_cdn_headers(request, response, reads):
    cache_control = response.get("Cache-Control", "")
    if response.status_code != 200 or any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return
    if response.streaming:
        # Its rows are read while it is sent, after this: say it may show any table.
        tables, objects = _all_tables(), set()
    else:
        tables, objects = reads - {_SHOWS_STAMP}, reads.objects
    cdn.add_public_headers(response, cdn.tags_for(tables, objects))


# Larger responses (the dataset download) are rare and would crowd pages out of the cache.
MAX_CACHED_BYTES = 2 * 1024 * 1024
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml", "application/rss+xml")
# Bodies above this size are stored gzipped: less to keep in Redis, less to send to browsers (which all accept gzip).
COMPRESS_MIN_BYTES = 1024


def _freeze(response, meta):
    """The response as stored: status, headers (without Content-Length), body, whether it is gzipped, and meta."""
    content = response.content
    gzipped = (
        response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES)
        and len(content) >= COMPRESS_MIN_BYTES
        and not response.has_header("Content-Encoding")
    )
    if gzipped:
        # Also on the reader's response at hand: from now on this address answers by Accept-Encoding.
        patch_vary_headers(response, ["Accept-Encoding"])
        content = gzip.compress(content, compresslevel=6, mtime=0)
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in {"x-page-cache", "content-length"}
    ]
    return (response.status_code, headers, content, gzipped, meta)


def _rebuild(request, stored, state):
    status, headers, content, gzipped, _ = stored
    response = HttpResponse(status=status)
    for name, value in headers:
        response[name] = value
    if gzipped:
        if _accepts_gzip(request.META):
            response["Content-Encoding"] = "gzip"
        else:
            content = gzip.decompress(content)
    response.content = content
    response["X-Page-Cache"] = state
    # Honour If-None-Match / If-Modified-Since against the stored ETag and Last-Modified.
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None,
        response=response,
    )


def _accepts_gzip(environ):
    return "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")


class CachedPageApplication:
    """The WSGI application: anonymous readers' cache hits are sent before Django builds a request.

    A hit costs one Redis round trip and the stored bytes: no request object, no middleware, no
    response object. Only plain GET and HEAD requests from readers without a session are answered
    here, fresh or stale (queueing its rebuild); a conditional request, a client that does not
    accept a gzipped entry and every miss go on to Django, where the middleware answers the same entries the same way.
    """

    def __init__(self, django_application):
        self.django_application = django_application

    def __call__(self, environ, start_response):
        stored = self._stored_page(environ)
        if stored is None:
            return self.django_application(environ, start_response)
        (status, headers, content, gzipped, _), state = stored
        headers = [*headers, ("Content-Length", str(len(content))), ("X-Page-Cache", state)]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [content]

    def _stored_page(self, environ):
        if not (
            settings.PAGE_CACHE_SECONDS > 0
            and environ.get("REQUEST_METHOD") in SAFE_METHODS
            # A substring test: a reader whose cookies merely mention the name goes the long way, which is safe.
            and settings.SESSION_COOKIE_NAME not in environ.get("HTTP_COOKIE", "")
            and "HTTP_IF_NONE_MATCH" not in environ
            and "HTTP_IF_MODIFIED_SINCE" not in environ
            and not _is_uncached_path(environ.get("PATH_INFO", ""))
        ):
            return None
        key, stored, fresh = _lookup(environ)
        if stored is None or (stored[3] and not _accepts_gzip(environ)):
            return None
        if not fresh:
            schedule_rebuild(key, environ, stored[4]["built_at"])
        return stored, "hit" if fresh else "stale"
