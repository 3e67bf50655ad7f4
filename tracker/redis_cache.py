"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache operation, and building one
fills a table of some 170 response callbacks: on this project's 2-core machine that took longer
than the round trip to Redis itself, on every page-cache lookup. A client is safe to share between
operations and threads, since it takes a connection from its pool for each command.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
