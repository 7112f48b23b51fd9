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

import dataclasses
import datetime as _dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db.models import Model
from django.utils.functional import Promise
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


# --- Values under keys that change with them ------------------------------------------


class ContentKeyedCache(BaseCache):
    """The cache of values whose key changes whenever the value would (settings.CACHES
    "template_fragments", which `{% cache %}` uses): the pages' fragments under a digest of
    what they show, the search's pieces under the data's generation
    (offers.search.selectors.generation_cached). Such a value is never out of date, so each
    process keeps what it read or wrote, in front of the shared cache (OPTIONS "SHARED", an
    alias of CACHES: Redis in production), and reads it again without a round trip to Redis
    and without unpickling it (0.3 ms a fragment on the bench; the meeting page has three).
    The process keeps at most MAX_SIZE characters of them (strings by their length, other
    values as FALLBACK_SIZE each); the least recently read go first. A value read here is
    shared by the requests of the process: it must not be changed."""

    FALLBACK_SIZE = 4096

    def __init__(self, server, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._shared_alias = options.get("SHARED", "default")
        self._max_size = int(options.get("MAX_SIZE", 16_000_000))

    @property
    def _shared(self):
        return caches[self._shared_alias]

    def _remember(self, key: str, value) -> None:
        (_missing_now() or set()).discard(key)
        size = len(value) if isinstance(value, str) else self.FALLBACK_SIZE
        with _process_lock:
            old = _process_copies.pop(key, None)
            if old is not None:
                _process_size[0] -= old[1]
            _process_copies[key] = (value, size)
            _process_size[0] += size
            while _process_size[0] > self._max_size and _process_copies:
                _key, (_value, dropped) = _process_copies.popitem(last=False)
                _process_size[0] -= dropped

    def get(self, key, default=None, version=None):
        local = self.make_and_validate_key(key, version=version)
        with _process_lock:
            found = _process_copies.get(local)
            if found is not None:
                _process_copies.move_to_end(local)
                return found[0]
        missing = _missing_now()
        if missing is not None and local in missing:
            return default
        value = self._shared.get(key, _MISSING, version=version)
        if value is _MISSING:
            if missing is not None:
                missing.add(local)
            return default
        self._remember(local, value)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._remember(self.make_and_validate_key(key, version=version), value)
        if not _defer(self, {key: value}, timeout, version):
            self._shared.set(key, value, timeout=timeout, version=version)

    def get_many(self, keys, version=None):
        """The values found, this process's copies first (get_many_here()), the rest in one
        read of the shared cache (Redis: one MGET); in a request, not the keys it found
        missing already (and those it finds missing now are not read again in it)."""
        found = self.get_many_here(keys, version=version)
        known_missing = _missing_now()
        # (Validated when written: a key read here was written, or is not found.)
        local = {key: self.make_key(key, version=version) for key in keys if key not in found}
        missing = [
            key for key, made in local.items() if known_missing is None or made not in known_missing
        ]
        if missing:
            shared = self._shared.get_many(missing, version=version)
            for key, value in shared.items():
                self._remember(local[key], value)
            found.update(shared)
            if known_missing is not None:
                known_missing.update(local[key] for key in missing if key not in shared)
        return found

    def get_many_here(self, keys, version=None) -> dict:
        """The values this process keeps under these keys (none read from the shared cache)."""
        found = {}
        with _process_lock:
            for key in keys:
                local = self.make_key(key, version=version)
                copy = _process_copies.get(local)
                if copy is not None:
                    _process_copies.move_to_end(local)
                    found[key] = copy[0]
        return found

    def set_many_here(self, data, version=None) -> None:
        """Kept in this process only (not written to the shared cache)."""
        for key, value in data.items():
            self._remember(self.make_and_validate_key(key, version=version), value)

    def filled(self) -> float:
        """The share of MAX_SIZE this process keeps now (0 to 1)."""
        with _process_lock:
            return _process_size[0] / self._max_size if self._max_size else 1.0

    def read_ahead(self, keys, version=None) -> None:
        """Read these keys, which the request will ask for one by one or in groups, in one
        round trip to the shared cache (Redis: one MGET) rather than one each: what is found
        is kept in this process, what is not is remembered as missing for the rest of the
        request (get() and get_many() answer both without asking Redis again)."""
        self.get_many(list(dict.fromkeys(keys)), version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Kept here and written in one go to the shared cache (Redis: one pipeline)."""
        for key, value in data.items():
            self._remember(self.make_and_validate_key(key, version=version), value)
        if _defer(self, data, timeout, version):
            return []
        return self._shared.set_many(data, timeout=timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        added = self._shared.add(key, value, timeout=timeout, version=version)
        if added:
            self._remember(self.make_and_validate_key(key, version=version), value)
        return added

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._shared.touch(key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        self._forget(self.make_and_validate_key(key, version=version))
        _undefer(self, key, version)
        return self._shared.delete(key, version=version)

    def has_key(self, key, version=None):
        return self.get(key, _MISSING, version=version) is not _MISSING

    def clear(self):
        forget_process_copies()
        _deferred.writes = None if _deferred_writes() is None else {}
        return self._shared.clear()

    def _forget(self, local: str) -> None:
        with _process_lock:
            old = _process_copies.pop(local, None)
            if old is not None:
                _process_size[0] -= old[1]


_MISSING = object()
_Item = TypeVar("_Item")
# The process's copies (ContentKeyedCache): key -> (value, size), least recently read first.
_process_copies: OrderedDict[str, tuple[object, int]] = OrderedDict()
_process_size = [0]
_process_lock = threading.Lock()


# --- Writes to the shared cache after the response ------------------------------------
# A request's writes of values under keys that change with them (a search's new cards,
# fields, results and body) are for later requests: the process keeps them at once, and
# the shared cache (Redis) is written once, in one pipeline, when the response has been
# sent (request_finished, which the server sends after the last byte). The person no longer
# waits for them: a new search wrote 4 times to Redis, 3.8 ms of its ~30 on the bench.
# Outside a request (a worker's task, a command) they are written at once.
_deferred = threading.local()
# {(cache alias, timeout, version): {key: value}} while a request is served, else None.
_DeferredWrites = dict[tuple[str, object, object], dict[str, object]]


def _deferred_writes() -> _DeferredWrites | None:
    return getattr(_deferred, "writes", None)


def _missing_now() -> set[str] | None:
    """The keys the shared cache did not have when read in this request: not read again in
    it (the search page looks its body up before the page's `{% cache %}` does)."""
    return getattr(_deferred, "missing", None)


def _defer(cache: ContentKeyedCache, data, timeout, version) -> bool:
    """Keep these writes for the end of the request; False outside a request."""
    writes = _deferred_writes()
    if writes is None:
        return False
    writes.setdefault((cache._shared_alias, timeout, version), {}).update(data)
    return True


def _undefer(cache: ContentKeyedCache, key, version) -> None:
    for (alias, _timeout, v), data in (_deferred_writes() or {}).items():
        if alias == cache._shared_alias and v == version:
            data.pop(key, None)


def start_deferring(**_kwargs) -> None:
    """request_started: the request's writes wait for its end (partnership/apps.py)."""
    _deferred.writes, _deferred.missing = {}, set()


def write_deferred(**_kwargs) -> None:
    """request_finished: the request's writes, one set_many per timeout (partnership/apps.py)."""
    writes, _deferred.writes, _deferred.missing = _deferred_writes(), None, None
    for (alias, timeout, version), data in (writes or {}).items():
        try:
            if data:
                caches[alias].set_many(data, timeout=timeout, version=version)
        except Exception:  # (a value not kept is drawn again; the response is sent)
            log.exception("Could not write %s values to the cache %s", len(data), alias)


def forget_process_copies() -> None:
    """Drop what ContentKeyedCache keeps in this process (the tests start each without)."""
    with _process_lock:
        _process_copies.clear()
        _process_size[0] = 0


def content_digest(*shown: object) -> str:
    """A digest of everything a piece of markup shows, for its key in the content-keyed
    cache: the values as text, lazy translations as what they say in the active language
    (their repr() is their address), mappings, sequences and dataclasses by their items.
    A value that cannot say what it holds is refused (TypeError)."""
    return hashlib.sha256(repr(_as_text(shown)).encode()).hexdigest()[:40]


# Values whose repr() is what they hold, exactly these types (a subclass may say otherwise):
# most of what a digest reads, so they are let through before any other test.
_PLAIN = frozenset({str, int, bool, float, type(None), Decimal, _dt.date, _dt.datetime, _dt.time})


def _as_text(value: object) -> object:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return tuple((_as_text(k), _as_text(v)) for k, v in value.items())
    if isinstance(value, list | tuple):  # (an ErrorList is a list)
        if all(type(v) in _PLAIN for v in value):
            return tuple(value)
        return tuple(_as_text(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # (Field by field: its repr() would hold a lazy translation's address.)
        fields = dataclasses.fields(value)
        return (type(value).__qualname__, *(_as_text(getattr(value, f.name)) for f in fields))
    if type(value).__repr__ is object.__repr__ or isinstance(value, Model):
        # Its repr() is where it is, or a model's name for it: not what it holds. Another
        # value could later be found under its key.
        raise TypeError(f"content_digest() cannot tell what {type(value).__name__} shows")
    return value


def drawn_once(
    items: Sequence[_Item],
    key: Callable[[_Item], str],
    draw: Callable[[_Item], str],
    timeout: float | None = DEFAULT_TIMEOUT,
) -> list[str]:
    """Each item's markup, drawn by draw(item) only when this process has none under
    key(item): a key that changes whenever the markup would (a digest of what it shows, or
    of the inputs it is drawn from, as a search's fields are), so a drawn item is never out
    of date. The items are kept in this process only (ContentKeyedCache.get_many_here()),
    not in the shared cache: a piece is small and quick to draw (a search's card or field, 0.07
    ms), and reading the pieces another process drew cost more than drawing them (a round
    trip to Redis for the cards and one for the fields, written again after each response:
    a new search took 1.0-1.6 ms longer on the bench, with 2 gunicorn workers). What a page
    keeps of its own (the search's body and results) is shared as before. Where the
    content-keyed cache is a plain one, the items are read from it in one go and the new
    ones written in one go."""
    keys = [key(item) for item in items]
    cache = content_keyed()
    here = isinstance(cache, ContentKeyedCache)
    found = cache.get_many_here(keys) if here else cache.get_many(keys)
    new = {k: draw(item) for k, item in zip(keys, items, strict=True) if k not in found}
    if new and here:
        cache.set_many_here(new)
    elif new:
        cache.set_many(new, timeout)
    return [found[k] if k in found else new[k] for k in keys]


def read_ahead(keys: Sequence[str]) -> None:
    """ContentKeyedCache.read_ahead() of content_keyed(), where it is one (else nothing: the
    keys are read when asked for)."""
    cache = content_keyed()
    if isinstance(cache, ContentKeyedCache):
        cache.read_ahead(keys)


def content_keyed() -> BaseCache:
    """The cache of values under keys that change with them (CACHES "template_fragments",
    a ContentKeyedCache), or the default cache where settings name no such alias (as
    `{% cache %}` falls back)."""
    try:
        return caches["template_fragments"]
    except InvalidCacheBackendError:
        return caches["default"]
