"""Per-workspace read cache for Leonar, with single-flight fetches and bounded memory.

Entries outlive their freshness: when a key's hourly budget is nearly spent (or blocked after a 429), a stale
answer beats none. cachetools' LRUCache bounds memory by weight (roughly the number of items held).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from cachetools import LRUCache

from bot.observability.metrics import CACHE

T = TypeVar("T")
# About 100k cached projects/contacts in all; an entry weighs one per item it holds.
MAX_WEIGHT = 100_000


@dataclass(frozen=True)
class Cached:
    value: Any
    fetched_at: float
    weight: int


class ReadCache:
    def __init__(self, *, max_weight: int = MAX_WEIGHT, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: LRUCache[Hashable, Cached] = LRUCache(maxsize=max_weight, getsizeof=lambda e: e.weight)
        self._inflight: dict[Hashable, asyncio.Task[Any]] = {}
        self._clock = clock

    async def get(
        self, key: Hashable, ttl: float, fetch: Callable[[], Awaitable[T]], *, stale_ok: Callable[[], bool]
    ) -> tuple[T, bool]:
        """The value for `key` and whether it is stale.

        Fresh within `ttl`; otherwise fetched once however many callers ask at the same time. When
        `stale_ok()` says Leonar should be spared (budget), an old value is returned instead of fetching.
        """
        entry = self._entries.get(key)
        if entry is not None:
            if self._clock() - entry.fetched_at < ttl:
                CACHE.add("hit")
                return entry.value, False
            if stale_ok():
                CACHE.add("stale")
                return entry.value, True
        task = self._inflight.get(key)
        CACHE.add("miss" if task is None else "joined")
        if task is None:
            task = asyncio.ensure_future(self._fill(key, fetch))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        # Shielded: a caller out of time (Slack's 3 s) gives up waiting, but the fetch goes on and fills the
        # cache for the next keystroke.
        return await asyncio.shield(task), False

    def would_fetch(self, key: Hashable, ttl: float, *, stale_ok: Callable[[], bool]) -> bool:
        """Whether `get` with these arguments, called now, would send a request of its own (so the caller can
        count it against whoever asks before it is sent)."""
        entry = self._entries.get(key)
        if entry is not None and (self._clock() - entry.fetched_at < ttl or stale_ok()):
            return False
        return key not in self._inflight

    def fresh(self, key: Hashable, ttl: float) -> Any | None:
        """What is cached for `key` if kept less than `ttl` ago, else None: never a request."""
        entry = self._entries.get(key)
        return entry.value if entry is not None and self._clock() - entry.fetched_at < ttl else None

    def stale(self, key: Hashable) -> Any | None:
        """Whatever is cached for `key`, however old (for when Leonar cannot be asked)."""
        entry = self._entries.get(key)
        return entry.value if entry else None

    def put(self, key: Hashable, value: Any, *, weight: int = 1) -> None:
        """Keep a value read as part of another answer (a contact found by a search), weighing `weight` items."""
        if weight <= self._entries.maxsize:
            self._entries[key] = Cached(value, self._clock(), weight)

    def update(self, key: Hashable, change: Callable[[Any], Any]) -> None:
        """Apply a change we know happened in Leonar to a cached value, keeping its age."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries[key] = Cached(change(entry.value), entry.fetched_at, entry.weight)

    async def _fill(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        value = await fetch()
        weight = 1 + (len(value) if isinstance(value, list) else 0)
        if weight <= self._entries.maxsize:
            self._entries[key] = Cached(value, self._clock(), weight)
        return value
