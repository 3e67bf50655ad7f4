"""Whole-response cache for anonymous readers, invalidated by a generation number.

Every cached page and API response is stored under a key that contains the current
generation. Any change to the tracker's data bumps the generation, so the very next
request builds a fresh response and the old entries simply expire. Nothing is ever
deleted by pattern and the cache is never cleared: other users of the same cache
(throttle counters, sessions) keep their keys.

The generation is bumped
- on post_save, post_delete and m2m_changed of every model of the tracker app, and
  again once the transaction commits (a reader racing the editor's transaction could
  otherwise store the old page under the new generation);
- after every successful write request by a logged-in user (the admin's bulk publish
  action updates rows without sending signals);
- by commands that write in bulk (``bump_generation()``);
- after every migrate, which each deploy runs: new code may render the same data differently.
"""

import gzip
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

GENERATION_KEY = "pages:generation"
# Part of every page key: change it when the stored tuple changes shape, so old entries are never read.
ENTRY_FORMAT = 2
SAFE_METHODS = {"GET", "HEAD"}
# The back office, and the trivial view load balancers and the benchmark probe.
UNCACHED_PREFIXES = ("/admin/", "/healthz")


def current_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start above any number a lost key may have reached, so no old entry can come back.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def bump_generation():
    """Make every cached page stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # The key was evicted or never set: start afresh above any earlier value.
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _bump_now_and_on_commit(sender, **kwargs):
    if sender._meta.app_label != "tracker":
        return
    bump_generation()
    transaction.on_commit(bump_generation)


def _bump_after_migrate(sender, **kwargs):
    bump_generation()


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_bump_now_and_on_commit, dispatch_uid=f"tracker-page-cache-{id(signal)}")
    post_migrate.connect(_bump_after_migrate, dispatch_uid="tracker-page-cache-migrate")


def _page_key(request, generation):
    # Scheme and host reach absolute links (API hyperlinks, canonical URLs); Accept picks the API's format.
    identity = "\n".join([request.build_absolute_uri(), request.headers.get("Accept", "")])
    return f"pages:{ENTRY_FORMAT}:{generation}:{hashlib.sha256(identity.encode()).hexdigest()}"


def _is_cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in SAFE_METHODS
        # Any session (a logged-in editor, a reader mid-login) gets pages built for it alone.
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
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
    user = getattr(request, "user", None)
    return (
        request.method not in SAFE_METHODS | {"OPTIONS"}
        and response.status_code < 400
        and user is not None
        and user.is_authenticated
    )


# The generation this process saw last: lets one round trip fetch both the current generation and the
# page stored under the generation it most likely still is.
_last_seen = {"generation": None}


def _lookup(request):
    """The page's key under the current generation, and what is stored there (or None)."""
    guess = _last_seen["generation"]
    if guess is not None:
        guessed_key = _page_key(request, guess)
        found = cache.get_many([GENERATION_KEY, guessed_key])
        if found.get(GENERATION_KEY) == guess:
            return guessed_key, found.get(guessed_key)
    generation = current_generation()
    _last_seen["generation"] = generation
    key = _page_key(request, generation)
    return key, cache.get(key)


class AnonymousPageCacheMiddleware:
    """Serve anonymous readers' GET and HEAD requests from the cache; bump the generation after writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_cacheable_request(request):
            response = self.get_response(request)
            if _is_write_by_an_editor(request, response):
                bump_generation()
            return response

        key, stored = _lookup(request)
        if stored is not None:
            return _rebuild(request, stored)

        response = self.get_response(request)
        if _is_cacheable_response(request, response):
            cache.set(key, _freeze(response), settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response


# Larger responses (the dataset download) are rare and would crowd pages out of the cache.
MAX_CACHED_BYTES = 2 * 1024 * 1024
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml", "application/rss+xml")
# Bodies above this size are stored gzipped: less to keep in Redis, less to send to browsers (which all accept gzip).
COMPRESS_MIN_BYTES = 1024


def _freeze(response):
    headers = [
        (name, value) for name, value in response.items() if name.lower() not in {"x-page-cache", "content-length"}
    ]
    content = response.content
    compressible = response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES)
    if compressible and len(content) >= COMPRESS_MIN_BYTES and not response.has_header("Content-Encoding"):
        return (response.status_code, headers, gzip.compress(content, compresslevel=6, mtime=0), True)
    return (response.status_code, headers, content, False)


def _rebuild(request, stored):
    status, headers, content, gzipped = stored
    response = HttpResponse(status=status)
    for name, value in headers:
        response[name] = value
    if gzipped:
        patch_vary_headers(response, ["Accept-Encoding"])
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response["Content-Encoding"] = "gzip"
        else:
            content = gzip.decompress(content)
    response.content = content
    response["X-Page-Cache"] = "hit"
    # Honour If-None-Match / If-Modified-Since against the stored ETag and Last-Modified.
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None,
        response=response,
    )
