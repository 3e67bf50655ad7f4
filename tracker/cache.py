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

Entries are stored exactly as readers get them: the middleware sits outermost, so the security
headers and the ETag are part of what is stored. That lets ``CachedPageApplication`` (the WSGI
application gunicorn serves) answer an anonymous reader's hit before Django builds a request at
all: one Redis round trip, then the stored bytes. Everything it cannot answer alone (conditional
requests, clients that do not accept gzip, misses) goes on to Django and this middleware.
"""

import gzip
import hashlib
import time
from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

GENERATION_KEY = "pages:generation"
# Part of every page key: change it when the stored tuple changes shape, so old entries are never read.
ENTRY_FORMAT = 3
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


def _page_key(environ, generation):
    identity = "\n".join(str(environ.get(name, "")) for name in _KEY_ENVIRON)
    if "HTTP_HOST" not in environ:
        identity += f"\n{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    digest = hashlib.sha256(identity.encode("utf-8", "backslashreplace")).hexdigest()
    return f"pages:{ENTRY_FORMAT}:{generation}:{digest}"


def _is_uncached_path(path):
    return path.startswith(UNCACHED_PREFIXES) or path.startswith(settings.STATIC_URL)


def _is_cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in SAFE_METHODS
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


def _lookup(environ):
    """The page's key under the current generation, and what is stored there (or None)."""
    guess = _last_seen["generation"]
    if guess is not None:
        guessed_key = _page_key(environ, guess)
        found = cache.get_many([GENERATION_KEY, guessed_key])
        if found.get(GENERATION_KEY) == guess:
            return guessed_key, found.get(guessed_key)
    generation = current_generation()
    _last_seen["generation"] = generation
    key = _page_key(environ, generation)
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

        key, stored = _lookup(request.META)
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
    """The response as stored: status, headers (without Content-Length), body, and whether it is gzipped."""
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
    return (response.status_code, headers, content, gzipped)


def _rebuild(request, stored):
    status, headers, content, gzipped = stored
    response = HttpResponse(status=status)
    for name, value in headers:
        response[name] = value
    if gzipped:
        if _accepts_gzip(request.META):
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


def _accepts_gzip(environ):
    return "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")


class CachedPageApplication:
    """The WSGI application: anonymous readers' cache hits are sent before Django builds a request.

    A hit costs one Redis round trip and the stored bytes: no request object, no middleware, no
    response object. Only plain GET and HEAD requests from readers without a session are answered
    here; a conditional request, a client that does not accept a gzipped entry, and every miss go
    on to Django, where the middleware answers the same entries the same way.
    """

    def __init__(self, django_application):
        self.django_application = django_application

    def __call__(self, environ, start_response):
        stored = self._stored_page(environ)
        if stored is None:
            return self.django_application(environ, start_response)
        status, headers, content, gzipped = stored
        headers = [*headers, ("Content-Length", str(len(content))), ("X-Page-Cache", "hit")]
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
        stored = _lookup(environ)[1]
        if stored is None or (stored[3] and not _accepts_gzip(environ)):
            return None
        return stored
