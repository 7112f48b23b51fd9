"""A Redis cache that a Redis outage cannot turn into error pages.

Production keeps the cache in Redis (CACHE_URL=redis://...) so that rate limits and used
two-factor codes hold across all web processes. When Redis cannot be reached, Django's own
Redis backend raises on every cache call, and since logins and rate limits use the cache,
pages fail with 500. This backend catches the connection errors instead: it logs a warning
and carries on with this process's own memory (like the default locmem cache), so rate
limits and used codes still hold within the process. Redis is tried again RETRY_AFTER
seconds later; in between no time is spent on it. Short socket timeouts (half a second,
overridable in OPTIONS) bound the cost of a Redis that hangs instead of refusing.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0
DEFAULT_SOCKET_TIMEOUT = 0.5
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Per location: until when (time.monotonic()) Redis is not tried. Module level, so all the
# threads of a process share it (Django gives each thread its own cache object).
_down_until: dict[str, float] = {}


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": DEFAULT_SOCKET_TIMEOUT,
            "socket_timeout": DEFAULT_SOCKET_TIMEOUT,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._location = server if isinstance(server, str) else ",".join(server)
        fallback_params = {k: v for k, v in params.items() if k != "OPTIONS"}
        self._fallback = LocMemCache(f"tolerant-redis:{self._location}", fallback_params)

    def _call(self, method: str, *args, **kwargs):
        if _down_until.get(self._location, 0.0) <= time.monotonic():
            try:
                result = getattr(RedisCache, method)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                _down_until[self._location] = time.monotonic() + RETRY_AFTER
                log.warning(
                    "Redis cache unreachable (%s); using process memory for %s s",
                    exc,
                    RETRY_AFTER,
                )
            else:
                if _down_until.pop(self._location, None) is not None:
                    log.warning("Redis cache reachable again")
                return result
        return getattr(self._fallback, method)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        return self._call("clear")
