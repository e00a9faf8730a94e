"""Each workspace's Leonar connection (decrypted key), settings and Slack installation, and each user's last
project, kept in memory in front of the store, so that a request (the middleware's connection, Bolt's authorize,
the form a command opens) reads no database.

Writes go to the database, then drop what they change here. What another instance (or any other writer) changes
is dropped when the database says so (`Watch`):
- PostgreSQL (`pg_watch.py`): a trigger NOTIFYs each changed workspace key; a listener thread drops it. Cached
  entries are only served while the listener has proved, within the last FRESH_SECONDS (1 s), that it has
  received everything committed before then, so a key replaced or deleted elsewhere is never used for longer.
- SQLite: one process per file (README); `PRAGMA data_version`, read on the store's worker thread every
  HEARTBEAT_SECONDS, still sees another connection's commit (a script, a second process) and drops everything;
  cached entries are served only while such a check, started within FRESH_SECONDS, has answered: the same bound.
A miss reads the database as before; "not connected" and "no installation" are cached and dropped the same way.
Entries are re-read at least every ENTRY_SECONDS, and at most MAX_ENTRIES are kept (least recently used go).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from bot.store.limits import FRESH_SECONDS, HEARTBEAT_SECONDS
from bot.store.models import AddRecord, Connection, Workspace, WorkspaceSettings
from bot.store.threaded import ThreadedStore

if TYPE_CHECKING:
    from bot.store import Store

T = TypeVar("T")
MAX_ENTRIES = 10_000  # four kinds per workspace: a few MB for 2,500 workspaces
ENTRY_SECONDS = 60.0  # safety net: a write no trigger saw (triggers disabled, a restore) is read within a minute
EVERYTHING = "*"  # a change notice that drops every entry
WORKSPACE_KINDS = ("connection", "settings", "bot")
TEAM = "team"  # find_team_bot, keyed by team id: dropped with any workspace of that team
# Each user's last project, keyed "<workspace key>|<user>". No trigger tells other instances of a change: there it
# may lag by up to ENTRY_SECONDS, which only changes which project a form opens on (the user may pick another).
LAST = "last"


class Watch(Protocol):
    """How the cache learns what changed outside this process."""

    def start(self, changed: Callable[[str], None]) -> None: ...
    # May cached entries be served now? Called before each cached read; may report changes first.
    def trusted(self) -> bool: ...
    def close(self) -> None: ...


class LocalWatch:
    """Nothing changes the database but this process."""

    def start(self, changed: Callable[[str], None]) -> None:
        pass

    def trusted(self) -> bool:
        return True

    def close(self) -> None:
        pass


class SqliteWatch:
    """SQLite's `PRAGMA data_version` moves when another connection commits: then everything is read again. It is
    read on the store's worker thread (the connection's own) every HEARTBEAT_SECONDS, idle or not, so a request
    never waits for it and the cache is trusted from a burst's first request."""

    def __init__(self, store: ThreadedStore, *, fresh_seconds: float = FRESH_SECONDS,
                 heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self._store = store
        self._fresh = fresh_seconds
        self._heartbeat = heartbeat_seconds
        self._seen = store.submit(store.sync.data_version).result()
        self._heard_until = time.monotonic()  # monotonic time before which every commit has been seen
        self._checking = False
        self._stop = threading.Event()
        self._changed: Callable[[str], None] = lambda key: None

    def start(self, changed: Callable[[str], None]) -> None:
        self._changed = changed
        threading.Thread(target=self._beat, name="sqlite-watch", daemon=True).start()

    def trusted(self) -> bool:
        return time.monotonic() < self._heard_until + self._fresh

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat):
            if not self._checking:  # a check still queued behind a slow call is enough
                self._checking = True
                try:
                    self._store.submit(self._check, time.monotonic())
                except RuntimeError:  # the store closed its worker
                    return

    def _check(self, started: float) -> None:
        try:
            version = self._store.sync.data_version()
            if version != self._seen:
                self._seen = version
                self._changed(EVERYTHING)
            self._heard_until = started
        finally:
            self._checking = False

    def close(self) -> None:
        self._stop.set()


class CachedStore:
    """The `Store` protocol over another store, with connection, settings and installations cached."""

    def __init__(self, inner: Store, watch: Watch, *, max_entries: int = MAX_ENTRIES,
                 entry_seconds: float = ENTRY_SECONDS) -> None:
        self._inner = inner
        self._watch = watch
        self._max_entries = max_entries
        self._entry_seconds = entry_seconds
        # (kind, key) -> (loaded at, value); touched by the event loop and by the PostgreSQL listener thread.
        self._entries: OrderedDict[tuple[str, str], tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # moves at every change notice: a read that saw one in flight is not kept
        self.hits = 0
        self.misses = 0
        watch.start(self.changed)

    def changed(self, key: str) -> None:
        """A workspace key ("E:T", "-:T", "E:-") whose rows changed, or EVERYTHING."""
        with self._lock:
            self._generation += 1
            if key == EVERYTHING:
                self._entries.clear()
                return
            for kind in WORKSPACE_KINDS:
                self._entries.pop((kind, key), None)
            self._entries.pop((TEAM, key.rpartition(":")[2]), None)
            for entry in [e for e in self._entries if e[0] == LAST and e[1].startswith(f"{key}|")]:
                del self._entries[entry]

    async def _cached(self, kind: str, key: str, load: Callable[[], Awaitable[T]]) -> T:
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
            if self._generation == generation:  # no change notice while the database was read
                self._entries[(kind, key)] = (loaded_at, value)
                self._entries.move_to_end((kind, key))
                while len(self._entries) > self._max_entries:
                    self._entries.popitem(last=False)
        return value

    def _drop_installations(self) -> None:
        with self._lock:
            self._generation += 1
            for entry in [e for e in self._entries if e[0] in ("bot", TEAM)]:
                del self._entries[entry]

    async def get_connection(self, workspace: Workspace) -> Connection | None:
        return await self._cached("connection", workspace.key, lambda: self._inner.get_connection(workspace))

    async def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection:
        try:
            return await self._inner.save_connection(workspace, api_key, connected_by)
        finally:
            self.changed(workspace.key)

    async def delete_connection(self, workspace: Workspace) -> bool:
        try:
            return await self._inner.delete_connection(workspace)
        finally:
            self.changed(workspace.key)

    async def remember_project(self, workspace: Workspace, user_id: str, project_id: str, project_name: str) -> None:
        try:
            await self._inner.remember_project(workspace, user_id, project_id, project_name)
        finally:
            with self._lock:
                self._generation += 1
                self._entries.pop((LAST, f"{workspace.key}|{user_id}"), None)

    async def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None:
        """Read by every /leonar-add (the form opens on it): kept, so a command reads no database either."""
        return await self._cached(LAST, f"{workspace.key}|{user_id}",
                                  lambda: self._inner.last_project(workspace, user_id))

    async def record_add(self, workspace: Workspace, record: AddRecord) -> None:
        await self._inner.record_add(workspace, record)

    async def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]:
        return await self._inner.recent_adds(workspace, limit)

    async def settings(self, workspace: Workspace) -> WorkspaceSettings:
        return await self._cached("settings", workspace.key, lambda: self._inner.settings(workspace))

    async def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None:
        try:
            await self._inner.save_settings(workspace, settings)
        finally:
            self.changed(workspace.key)

    async def update_settings(self, workspace: Workspace, **changes: str | bool | None) -> WorkspaceSettings:
        try:
            return await self._inner.update_settings(workspace, **changes)
        finally:
            self.changed(workspace.key)

    async def save_bot(self, workspace: Workspace, data: str) -> None:
        try:
            await self._inner.save_bot(workspace, data)
        finally:
            self.changed(workspace.key)

    async def find_bot(self, workspace: Workspace) -> str | None:
        return await self._cached("bot", workspace.key, lambda: self._inner.find_bot(workspace))

    async def find_team_bot(self, team_id: str) -> str | None:
        return await self._cached(TEAM, team_id, lambda: self._inner.find_team_bot(team_id))

    async def delete_bot(self, workspace: Workspace) -> bool:
        try:
            return await self._inner.delete_bot(workspace)
        finally:
            self.changed(workspace.key)

    async def use_state(self, state: str, expires_at: float, keep: int) -> bool:
        return await self._inner.use_state(state, expires_at, keep)

    async def try_lock(self, name: str) -> bool:
        held = await self._inner.try_lock(name)
        if held:
            # A named lock guards a read-modify-write of an installation (a token refresh): what its holder reads
            # next must be what the previous holder, maybe on another instance, has just saved.
            self._drop_installations()
        return held

    async def unlock(self, name: str) -> None:
        await self._inner.unlock(name)

    async def forget(self, workspace: Workspace) -> bool:
        try:
            return await self._inner.forget(workspace)
        finally:
            self.changed(workspace.key)

    async def forget_enterprise(self, enterprise_id: str) -> list[Workspace]:
        try:
            return await self._inner.forget_enterprise(enterprise_id)
        finally:
            self.changed(EVERYTHING)  # a whole org leaving is rare: everything is read again

    async def ping(self) -> None:
        await self._inner.ping()

    async def close(self) -> None:
        await asyncio.to_thread(self._watch.close)  # joins the listener thread: not on the loop
        await self._inner.close()


def cached(inner: Store, database_url: str, *, measured: Callable[[Store], Store] | None = None) -> CachedStore:
    """`inner` behind the cache, watched the way its database allows. `measured` wraps what reaches the database
    (the store-latency metric), so that it times the database, not cache hits."""
    watch: Watch
    if isinstance(inner, ThreadedStore):
        watch = SqliteWatch(inner)
    elif database_url.startswith(("postgresql://", "postgres://")):
        from bot.store.pg_watch import PostgresWatch  # psycopg is only needed with PostgreSQL

        watch = PostgresWatch(database_url)
    else:
        watch = LocalWatch()
    return CachedStore(measured(inner) if measured else inner, watch)
