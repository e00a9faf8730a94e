"""What a request reads on every interaction, kept in memory so that it reads no database: each workspace's Leonar
connection (decrypted key), settings and Slack installation, and each user's last project. The repositories that own
those reads (workspaces.py, installations.py) go through `Cache.read`, and say what their writes changed.

What another instance (or any other writer) changes is dropped when the database says so (the database's `Watch`):
- PostgreSQL (pg_watch.py): a trigger NOTIFYs each changed workspace key; a listener thread drops it. Cached entries
  are only served while the listener has proved, within the last `fresh_seconds` (1 s), that it has received
  everything committed before then, so a key replaced or deleted elsewhere is never used for longer.
- SQLite (sqlite.py): one process per file; `PRAGMA data_version`, read on the database's thread every
  `heartbeat_seconds`, still sees another connection's commit (a script) and drops everything, within the same bound.
A miss reads the database, once however many requests miss the same entry at once; "not connected" and "no
installation" are cached and dropped the same way. An entry nothing said had changed is read again after
`cache_entry_seconds` (a safety net for writes no trigger saw), in the background while it is served once more, so
that no request waits for it; at most MAX_ENTRIES are kept (least recently used go).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from bot.store.database import EVERYTHING, Watch

T = TypeVar("T")
log = logging.getLogger(__name__)
MAX_ENTRIES = 10_000  # four kinds per workspace, and a few per member: a few MB
CONNECTION, SETTINGS, BOT = "connection", "settings", "bot"  # keyed by workspace key
TEAM = "team"  # an installation found by its team id: dropped with any workspace of that team
# Each user's last project, keyed "<workspace key>|<user>". No trigger tells other instances of a change: there it
# may lag by up to cache_entry_seconds, which only changes which project a form opens on (the user may pick another).
LAST = "last"
# What Slack said of a conversation (shared with another organisation or not: bot/slack/channels.py), keyed
# "<workspace key>|<channel>". Slack tells one instance when it changes; that one announces it (Database.announce),
# and every instance drops what it kept of that workspace. Kept by `remember`, not read through `read`: the answer
# comes from Slack, not from the database.
CHANNEL = "channel"
# Each member's own Leonar key (member_keys.py), keyed "<workspace key>|<user>": the table's trigger NOTIFYs its
# workspace, so a key unlinked on one instance is dropped on all of them within the bound above.
MEMBER = "member"


class Cache:
    def __init__(self, watch: Watch, *, entry_seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self._watch = watch
        self._entry_seconds = entry_seconds
        self._max_entries = max_entries
        # (kind, key) -> (loaded at, value); touched by the event loop and by the database's watch thread.
        self._entries: OrderedDict[tuple[str, str], tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # moves at every change: a read that saw one in flight is not kept
        self._loading: dict[tuple[str, str], asyncio.Future[object]] = {}  # reads under way, shared by their waiters
        self._refreshing: set[tuple[str, str]] = set()
        self._background: set[asyncio.Future[None]] = set()
        self.hits = 0
        self.misses = 0
        watch.start(self.changed)

    def trusted(self) -> bool:
        return self._watch.trusted()

    async def read(self, kind: str, key: str, load: Callable[[], Awaitable[T]]) -> T:
        entry = (kind, key)
        trusted = self._watch.trusted()
        with self._lock:
            found = self._entries.get(entry)
            age = time.monotonic() - found[0] if found is not None else float("inf")
            if trusted and found is not None and age < 2 * self._entry_seconds:
                self._entries.move_to_end(entry)
                self.hits += 1
                if age >= self._entry_seconds and entry not in self._refreshing:
                    # Past its time, and nothing said it changed: served once more while one read refreshes it, so
                    # that no request waits for the database for it.
                    self._refreshing.add(entry)
                    self._background.add(task := asyncio.ensure_future(self._refresh(entry, load, self._generation)))
                    task.add_done_callback(self._background.discard)
                return cast(T, found[1])
            generation = self._generation
            loading = self._loading.get(entry)
        if loading is not None and loading.get_loop() is asyncio.get_running_loop():
            return cast(T, await asyncio.shield(loading))  # a burst of misses for one entry: one read
        self.misses += 1
        # The read is a task of its own: a request that gives up on it (its deadline) leaves it to the others that
        # wait for it, instead of cancelling them all.
        reading: asyncio.Future[object] = asyncio.ensure_future(self._load(entry, load, generation))
        with self._lock:
            self._loading[entry] = reading
        reading.add_done_callback(lambda _: self._loaded(entry, reading))
        return cast(T, await asyncio.shield(reading))

    def _loaded(self, entry: tuple[str, str], task: asyncio.Future[object]) -> None:
        with self._lock:
            if self._loading.get(entry) is task:
                del self._loading[entry]
        if not task.cancelled():
            task.exception()  # retrieved: told to whoever waited, if anyone still did

    @property
    def generation(self) -> int:
        """Moves at every change heard: taken before asking Slack, given to `remember`."""
        return self._generation

    def recall(self, kind: str, key: str, seconds: float) -> object | None:
        """What `remember` kept, if kept less than `seconds` ago and nothing said it changed since; None while changes
        made elsewhere may have gone unheard (the cache is not trusted)."""
        if not self._watch.trusted():
            return None
        with self._lock:
            found = self._entries.get((kind, key))
            if found is None or time.monotonic() - found[0] >= seconds:
                return None
            self._entries.move_to_end((kind, key))
            return found[1]

    def remember(self, kind: str, key: str, value: object, generation: int) -> None:
        """Keep `value`, learnt since `generation`, unless a change was heard meanwhile (it may be out of date)."""
        with self._lock:
            if self._generation == generation:
                self._keep((kind, key), time.monotonic(), value)

    def _keep(self, entry: tuple[str, str], at: float, value: object) -> None:
        self._entries[entry] = (at, value)
        self._entries.move_to_end(entry)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def _refresh(self, entry: tuple[str, str], load: Callable[[], Awaitable[T]], generation: int) -> None:
        try:
            await self._load(entry, load, generation)
        except Exception as exc:  # the old value is served until twice its time, then read by a request again
            log.info("cache: a refresh failed: %s", type(exc).__name__)
        finally:
            with self._lock:
                self._refreshing.discard(entry)

    async def _load(self, entry: tuple[str, str], load: Callable[[], Awaitable[T]], generation: int) -> T:
        loaded_at = time.monotonic()
        value = await load()
        with self._lock:
            if self._generation == generation:  # no change while the database was read
                self._keep(entry, loaded_at, value)
        return value

    def changed(self, key: str) -> None:
        """Rows of a workspace ("E:T", "-:T", "E:-") changed, or EVERYTHING did."""
        with self._lock:
            self._generation += 1
            if key == EVERYTHING:
                self._entries.clear()
                return
            for kind in (CONNECTION, SETTINGS, BOT):
                self._entries.pop((kind, key), None)
            self._entries.pop((TEAM, key.rpartition(":")[2]), None)
            for entry in [e for e in self._entries if e[0] in (LAST, CHANNEL, MEMBER) and e[1].startswith(f"{key}|")]:
                del self._entries[entry]

    def drop(self, *kinds: str, key: str | None = None) -> None:
        """Entries of those kinds: every one, or the one under `key`."""
        with self._lock:
            self._generation += 1
            if key is not None:
                for kind in kinds:
                    self._entries.pop((kind, key), None)
                return
            for entry in [e for e in self._entries if e[0] in kinds]:
                del self._entries[entry]

    def close(self) -> None:
        self._watch.close()
