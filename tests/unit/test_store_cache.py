"""The in-memory cache in front of the store (bot/store/cached.py), on both backends: reads served from memory,
what this process writes seen at once, what another writer changes seen within the bound."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from bot.store import CachedStore, Workspace, WorkspaceSettings, cached, open_store
from bot.store.cached import LocalWatch
from bot.store.models import Connection
from bot.store.pg_watch import FRESH_SECONDS
from tests.support.blocking import Blocking, open_blocking

KEY, NEW_KEY = "leo_live_cached_value_1234", "leo_live_replaced_value_9876"
ACME = Workspace(None, "T0001")
GRID = Workspace("E0001", "T0002")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, DATABASE_URL) of an empty database of each kind."""
    if request.param == "sqlite":
        return "sqlite", f"sqlite:///{tmp_path / 'bot.db'}"
    return "postgres", str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def pair(database: tuple[str, str]) -> Iterator[tuple[Blocking, Blocking]]:
    """The cached store an instance uses, and a plain store on the same database: another instance, a script."""
    key = Fernet.generate_key().decode()
    url = database[1]
    mine, other = Blocking(cached(open_store(url, key), url)), open_blocking(url, key)
    wait_trusted(mine)
    yield mine, other
    mine.close()
    other.close()


def wait_trusted(store: Blocking) -> None:
    """Until the PostgreSQL listener has proved itself once (at once on SQLite)."""
    deadline = time.monotonic() + 10
    while not store._watch.trusted() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store._watch.trusted()


def seen_within(read: Callable[[], object], expected: object, bound: float) -> float:
    """Seconds until `read()` returns `expected`, polled every 5 ms; fails past `bound`."""
    started = time.monotonic()
    while read() != expected:
        assert time.monotonic() - started <= bound, f"still {read()!r} after {bound} s"
        time.sleep(0.005)
    return time.monotonic() - started


def api_key(conn: Connection | None) -> str | None:
    return conn.api_key if conn else None


def test_reads_come_from_memory_and_this_process_writes_are_seen_at_once(pair: tuple[Blocking, Blocking]) -> None:
    mine, _ = pair
    assert mine.get_connection(ACME) is None
    misses = mine.misses
    assert mine.get_connection(ACME) is None and mine.misses == misses  # "not connected" is cached too
    mine.save_connection(ACME, KEY, "U1")
    assert api_key(mine.get_connection(ACME)) == KEY  # the write dropped the negative entry
    time.sleep(0.3)  # on PostgreSQL this write's own notice comes back too, and drops the entry once more
    mine.get_connection(ACME)
    hits, misses = mine.hits, mine.misses
    for _ in range(100):
        assert api_key(mine.get_connection(ACME)) == KEY
        assert mine.settings(ACME) == WorkspaceSettings()
        assert mine.find_bot(ACME) is None
    assert mine.misses - misses == 2 and mine.hits - hits == 298  # settings and bot read once each
    mine.save_settings(ACME, WorkspaceSettings(default_channel="C1"))
    mine.save_bot(ACME, '{"bot_token": "xoxb-1"}')
    assert mine.settings(ACME).default_channel == "C1" and mine.find_bot(ACME) == '{"bot_token": "xoxb-1"}'
    assert mine.find_team_bot("T0001") == '{"bot_token": "xoxb-1"}'
    mine.save_connection(ACME, NEW_KEY, "U2")
    assert api_key(mine.get_connection(ACME)) == NEW_KEY
    mine.delete_bot(ACME)
    assert mine.find_bot(ACME) is None and mine.find_team_bot("T0001") is None
    assert mine.delete_connection(ACME) and mine.get_connection(ACME) is None


def test_another_writer_changes_are_seen_within_the_bound(
    pair: tuple[Blocking, Blocking], database: tuple[str, str]
) -> None:
    mine, other = pair
    # Without invalidation, each of these reads would keep answering from memory for ENTRY_SECONDS (60 s).
    bound = FRESH_SECONDS  # PostgreSQL: NOTIFY and its heartbeat; SQLite: data_version read on the worker thread
    assert mine.get_connection(ACME) is None
    other.save_connection(ACME, KEY, "U1")  # connected on another instance
    times = [seen_within(lambda: api_key(mine.get_connection(ACME)), KEY, bound)]
    other.save_connection(ACME, NEW_KEY, "U1")  # replaced there
    times.append(seen_within(lambda: api_key(mine.get_connection(ACME)), NEW_KEY, bound))
    other.delete_connection(ACME)  # disconnected there
    times.append(seen_within(lambda: api_key(mine.get_connection(ACME)), None, bound))
    assert mine.settings(GRID) == WorkspaceSettings()
    other.save_settings(GRID, WorkspaceSettings(allow_guests=True))
    times.append(seen_within(lambda: mine.settings(GRID).allow_guests, True, bound))
    other.save_bot(GRID, "{}")
    other.save_connection(GRID, KEY, "U1")
    times.append(seen_within(lambda: (mine.find_bot(GRID), mine.find_team_bot("T0002")), ("{}", "{}"), bound))
    other.forget(GRID)  # uninstalled, through another instance
    times.append(seen_within(lambda: (mine.find_bot(GRID), mine.find_team_bot("T0002"), mine.get_connection(GRID),
                                      mine.settings(GRID)), (None, None, None, WorkspaceSettings()), bound))
    other.save_connection(GRID, KEY, "U1")
    seen_within(lambda: api_key(mine.get_connection(GRID)), KEY, bound)
    other.forget_enterprise("E0001")  # a whole org uninstalled
    times.append(seen_within(lambda: api_key(mine.get_connection(GRID)), None, bound))
    print(f"\n{database[0]}: changes seen after {', '.join(f'{t * 1000:.0f}' for t in times)} ms")


def test_a_lost_postgresql_listener_never_stretches_the_bound(postgres_url: str) -> None:
    key = Fernet.generate_key().decode()
    mine, other = Blocking(cached(open_store(postgres_url, key), postgres_url)), open_blocking(postgres_url, key)
    try:
        wait_trusted(mine)
        other.save_connection(ACME, KEY, "U1")
        seen_within(lambda: api_key(mine.get_connection(ACME)), KEY, FRESH_SECONDS)
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # a failover, a network cut
            [(killed,)] = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                        "application_name = 'leonar-bot-listen' AND datname = current_database()"
                                        ).fetchall()
            assert killed
        other.save_connection(ACME, NEW_KEY, "U1")  # while nobody listens
        took = seen_within(lambda: api_key(mine.get_connection(ACME)), NEW_KEY, FRESH_SECONDS)
        wait_trusted(mine)  # the listener is back
        other.delete_connection(ACME)
        seen_within(lambda: api_key(mine.get_connection(ACME)), None, FRESH_SECONDS)
        print(f"\nchange made while the listener was gone seen after {took * 1000:.0f} ms")
    finally:
        mine.close()
        other.close()


class CountingStore:
    """A store answering from a dict, counting reads; `during_read` runs in the middle of one (a race)."""

    def __init__(self) -> None:
        self.reads = 0
        self.keys: dict[str, str] = {}
        self.during_read: Callable[[], None] = lambda: None

    async def get_connection(self, workspace: Workspace) -> Connection | None:
        self.reads += 1
        found = self.keys.get(workspace.key)
        self.during_read()
        return Connection(workspace, found, "U1", None) if found else None  # type: ignore[arg-type]

    async def close(self) -> None:
        pass


def test_a_change_notice_during_a_read_keeps_that_read_out_of_the_cache() -> None:
    inner = CountingStore()
    store = Blocking(CachedStore(inner, LocalWatch()))  # type: ignore[arg-type]
    inner.keys[ACME.key] = KEY

    def replaced_meanwhile() -> None:  # the old row was read; another instance commits and notifies now
        inner.keys[ACME.key] = NEW_KEY
        store.changed(ACME.key)

    inner.during_read = replaced_meanwhile
    assert api_key(store.get_connection(ACME)) == KEY  # this read was already under way
    inner.during_read = lambda: None
    assert api_key(store.get_connection(ACME)) == NEW_KEY  # not the stale value kept from the racing read
    assert inner.reads == 2


def test_the_cache_is_bounded() -> None:
    inner = CountingStore()
    store = Blocking(CachedStore(inner, LocalWatch(), max_entries=50))  # type: ignore[arg-type]
    for n in range(1_000):
        store.get_connection(Workspace(None, f"T{n}"))
    assert len(store._entries) == 50
    reads = inner.reads
    store.get_connection(Workspace(None, "T999"))  # the most recent stay
    store.get_connection(Workspace(None, "T0"))  # the oldest went
    assert inner.reads == reads + 1


def test_entries_are_read_again_after_entry_seconds() -> None:
    inner = CountingStore()
    store = Blocking(CachedStore(inner, LocalWatch(), entry_seconds=0.05))  # type: ignore[arg-type]
    store.get_connection(ACME)
    store.get_connection(ACME)
    time.sleep(0.06)
    store.get_connection(ACME)
    assert inner.reads == 2


def test_nothing_about_caching_logs_a_key(pair: tuple[Blocking, Blocking], caplog: pytest.LogCaptureFixture) -> None:
    mine, other = pair
    caplog.set_level(logging.DEBUG)
    mine.save_connection(ACME, KEY, "U1")
    other.save_connection(ACME, NEW_KEY, "U1")
    seen_within(lambda: api_key(mine.get_connection(ACME)), NEW_KEY, FRESH_SECONDS)
    assert repr(mine.get_connection(ACME)).endswith("key=…9876)")
    assert KEY not in caplog.text and NEW_KEY not in caplog.text and "leo_" not in caplog.text


def test_each_users_last_project_is_kept_and_dropped_with_its_workspace(pair: tuple[Blocking, Blocking]) -> None:
    mine, _ = pair
    wait_trusted(mine)
    assert mine.last_project(ACME, "U1") is None
    mine.remember_project(ACME, "U1", "p1", "Backend")
    assert mine.last_project(ACME, "U1") == ("p1", "Backend")  # this process's write is seen at once
    misses = mine.misses
    for _ in range(50):
        assert mine.last_project(ACME, "U1") == ("p1", "Backend")
    assert mine.misses == misses  # a command reads no database for it
    mine.remember_project(ACME, "U1", "p2", "Design")
    assert mine.last_project(ACME, "U1") == ("p2", "Design")
    assert mine.forget(ACME) and mine.last_project(ACME, "U1") is None  # leaving drops it with the rest
