"""What a request reads on every interaction, kept in memory so that it reads no database: each workspace's Leonar
connection (decrypted key), settings and Slack installation, and each user's last project. The repositories that own
those reads (workspaces.py, installations.py) go through `Cache.read`, and say what their writes changed.

What another instance (or any other writer) changes is dropped when the database says so (the database's `Watch`):
- PostgreSQL (pg_watch.py): a trigger NOTIFYs each changed workspace key; a listener thread drops it. Cached entries
  are only served while the listener has proved, within the last `fresh_seconds` (1 s), that it has received
  everything committed before then, so a key replaced or deleted elsewhere is never used for longer.
- SQLite (sqlite.py): one process per file; `PRAGMA data_version`, read on the database's thread every
  `heartbeat_seconds`, still sees another connection's commit (a script) and drops everything, within the same bound.
A miss reads the database; "not connected" and "no installation" are cached and dropped the same way. Entries are
read again after `cache_entry_seconds` at the latest, and at most MAX_ENTRIES are kept (least recently used go).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from bot.store.database import Watch

T = TypeVar("T")
MAX_ENTRIES = 10_000  # four kinds per workspace: a few MB for 2,500 workspaces
EVERYTHING = "*"  # a change notice that drops every entry
CONNECTION, SETTINGS, BOT = "connection", "settings", "bot"  # keyed by workspace key
TEAM = "team"  # an installation found by its team id: dropped with any workspace of that team
# Each user's last project, keyed "<workspace key>|<user>". No trigger tells other instances of a change: there it
# may lag by up to cache_entry_seconds, which only changes which project a form opens on (the user may pick another).
LAST = "last"


class Cache:
    def __init__(self, watch: Watch, *, entry_seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self._watch = watch
        self._entry_seconds = entry_seconds
        self._max_entries = max_entries
        # (kind, key) -> (loaded at, value); touched by the event loop and by the database's watch thread.
        self._entries: OrderedDict[tuple[str, str], tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # moves at every change: a read that saw one in flight is not kept
        self.hits = 0
        self.misses = 0
        watch.start(self.changed)

    def trusted(self) -> bool:
        return self._watch.trusted()

    async def read(self, kind: str, key: str, load: Callable[[], Awaitable[T]]) -> T:
        trusted = self._watch.trusted()
        with self._lock:
            found = self._entries.get((kind, key))
            if trusted and found is not None and time.monotonic() - found[0] < self._entry_seconds:
                self._entries.move_to_end((kind, key))
                self.hits += 1
                return cast(T, found[1])
            generation = self._generation
        self.misses += 1
        loaded_at = time.monotonic()
        value = await load()
        with self._lock:
            if self._generation == generation:  # no change while the database was read
                self._entries[(kind, key)] = (loaded_at, value)
                self._entries.move_to_end((kind, key))
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
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
            for entry in [e for e in self._entries if e[0] == LAST and e[1].startswith(f"{key}|")]:
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
