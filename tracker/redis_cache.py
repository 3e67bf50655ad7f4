"""The site's Redis cache backend: one redis-py client per pool, and a Redis outage costs speed, not pages.

Django's backend builds a new ``redis.Redis`` object for every cache operation, and building one
fills a table of some 170 response callbacks: on this project's 2-core machine that took longer
than the round trip to Redis itself, on every page-cache lookup. A client is safe to share between
operations and threads, since it takes a connection from its pool for each command.

Django's backend also lets every ``redis.RedisError`` through, so with Redis down every page (each
looks the cache up) and every editor's save (each bumps the page generation) failed. This one:

- gives up on a command after ``socket_timeout`` (connecting: ``socket_connect_timeout``), and
  retries a command once, at once, only when its pooled connection turns out dead (Redis restarted);
- answers a failed command as a cache that holds nothing would: ``get`` gives the default, ``add``
  and ``touch`` give False, ``set`` and ``delete`` do nothing, ``incr`` raises ValueError (no such
  key);
- after a failure, leaves Redis alone for ``RETRY_AFTER`` seconds (default 1): every operation meanwhile
  answers at once, so a down or hung Redis costs one timeout per process and second, not one per
  command; then the next operation tries again, and the site is back on the cache by itself;
- does not lose the invalidations Redis missed. Each process remembers the keys it failed to write
  (set, incr, delete...) and, once Redis answers again, deletes them before anything else (a
  background timer retries every ``RETRY_AFTER`` seconds meanwhile, so an idle process does too). It also
  deletes the keys named by ``FORGET_AFTER_OUTAGE`` (the page cache's generation, see settings), even
  when it only failed to read: another process may have saved a change during the outage and died
  before Redis came back, and without its generation every page stored before the outage is left
  behind. (Forgetting a key a cache holds is always safe; at worst the next readers rebuild pages.)
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# A local Redis answers in well under a millisecond, one on the network in a few.
DEFAULT_SOCKET_TIMEOUT = 0.25
DEFAULT_RETRY_AFTER = 1.0
# A process remembers at most this many keys it failed to write; the generation (forgotten after any
# outage) already makes every stored page stale, so the cap only bounds memory.
MAX_REMEMBERED_KEYS = 10_000


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class _Outage:
    """What one process knows about its Redis server: shared by the threads' backend objects."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failed_at = None  # monotonic time of the last failure while down, None while up
        self.missed = set()  # keys (as stored) whose writes Redis did not get
        self.timer = None  # tries again by itself while writes are missed, however idle the process

    def is_resting(self, retry_after):
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < retry_after

    def remember(self, keys):
        with self.lock:
            room = MAX_REMEMBERED_KEYS - len(self.missed)
            self.missed.update(list(keys)[: max(room, 0)])


_outages = {}
_outages_lock = threading.Lock()


def _outage_for(location):
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER))
        self._forget_after_outage = options.pop("FORGET_AFTER_OUTAGE", ())
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        # A pooled connection is found dead only when used: after a Redis restart, retry once on a new one.
        options.setdefault("retry", Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._outage = _outage_for(f"{server}|{self.key_prefix}")

    # --- outage handling ---

    def _keys_to_forget(self):
        names = self._forget_after_outage
        return [self.make_key(name) for name in ([names] if isinstance(names, str) else names)]

    def _run(self, operation, default, writes=()):
        """Run ``operation`` against Redis, or answer ``default`` while Redis is failing."""
        outage = self._outage
        if outage.is_resting(self.retry_after):
            if writes:
                self._missed(writes)
            return default
        try:
            if outage.failed_at is not None:
                self._recover()
            return operation()
        except RedisError as error:
            if outage.failed_at is None:
                logger.warning("The cache at %s is failing (%s): serving from the database.", self._servers, error)
            outage.failed_at = time.monotonic()
            if writes:
                self._missed(writes)
            return default

    def _missed(self, keys):
        """Remember keys Redis did not get, and make sure they reach it once it answers, even if nothing else asks."""
        outage = self._outage
        outage.remember(keys)
        with outage.lock:
            if outage.timer is None:
                outage.timer = threading.Timer(self.retry_after, self._recover_in_background)
                outage.timer.daemon = True
                outage.timer.start()

    def _recover_in_background(self):
        outage = self._outage
        with outage.lock:
            outage.timer = None
        if outage.failed_at is None and not outage.missed:
            return
        try:
            self._recover()
        except RedisError:
            outage.failed_at = time.monotonic()
            self._missed(())

    def _recover(self):
        """Redis may answer again: forget what it missed, then use it as before."""
        outage = self._outage
        with outage.lock:
            missed = list(outage.missed)
        keys = set(missed) | set(self._keys_to_forget())
        if keys:
            self._cache.get_client(write=True).delete(*keys)
        else:
            self._cache.get_client(write=True).ping()
        with outage.lock:
            outage.missed.difference_update(missed)
            outage.failed_at = None
        logger.warning("The cache at %s answers again; forgot %d keys it missed.", self._servers, len(keys))

    def check(self):
        """Ask Redis itself (not the outage state) whether it answers; raise RedisError if not."""
        self._cache.get_client().ping()

    # --- the cache API ---

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run(lambda: self._cache.add(key, value, self.get_backend_timeout(timeout)), False, [key])

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run(lambda: self._cache.get(key, default), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._run(lambda: self._cache.set(key, value, self.get_backend_timeout(timeout)), None, [key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run(lambda: self._cache.touch(key, self.get_backend_timeout(timeout)), False)

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run(lambda: self._cache.delete(key), False, [key])

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = self._run(lambda: self._cache.get_many(key_map.keys()), {})
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._run(lambda: self._cache.has_key(key), False)

    def incr(self, key, delta=1, version=None):
        made = self.make_and_validate_key(key, version=version)
        unreachable = object()
        value = self._run(lambda: self._cache.incr(made, delta), unreachable, [made])
        if value is unreachable:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe_data = {self.make_and_validate_key(key, version=version): value for key, value in data.items()}
        stored = self._run(
            lambda: self._cache.set_many(safe_data, self.get_backend_timeout(timeout)) or True, False, list(safe_data)
        )
        return [] if stored else list(data)

    def delete_many(self, keys, version=None):
        if not keys:
            return
        safe_keys = [self.make_and_validate_key(key, version=version) for key in keys]
        self._run(lambda: self._cache.delete_many(safe_keys), None, safe_keys)

    def clear(self):
        return self._run(lambda: self._cache.clear(), False)
