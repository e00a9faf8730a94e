"""The in-memory cache of the store's hot reads (bot/store/cache.py), on both backends: reads served from memory,
what this process writes seen at once, what another writer changes seen within the bound."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from bot.limits import Limits
from bot.services import ChannelMemory
from bot.store import Connection, Workspace, WorkspaceSettings
from bot.store.cache import CONNECTION, Cache
from tests.support.blocking import Blocking, Synchronous, open_blocking

KEY, NEW_KEY = "leo_live_cached_value_1234", "leo_live_replaced_value_9876"
FRESH_SECONDS = Limits().fresh_seconds
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
    """The store an instance uses, and another on the same database: another instance, a script."""
    key = Fernet.generate_key().decode()
    url = database[1]
    mine, other = open_blocking(url, key), open_blocking(url, key)
    wait_trusted(mine)
    yield mine, other
    mine.close()
    other.close()


def wait_trusted(store: Blocking) -> None:
    """Until the PostgreSQL listener has proved itself once (at once on SQLite)."""
    deadline = time.monotonic() + 10
    while not store.store.cache.trusted() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.store.cache.trusted()


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
    assert mine.workspaces.get_connection(ACME) is None
    misses = mine.store.cache.misses
    assert mine.workspaces.get_connection(ACME) is None
    assert mine.store.cache.misses == misses  # "not connected" is cached too
    mine.workspaces.save_connection(ACME, KEY, "U1")
    assert api_key(mine.workspaces.get_connection(ACME)) == KEY  # the write dropped the negative entry
    time.sleep(0.3)  # on PostgreSQL this write's own notice comes back too, and drops the entry once more
    mine.workspaces.get_connection(ACME)
    hits, misses = mine.store.cache.hits, mine.store.cache.misses
    for _ in range(100):
        assert api_key(mine.workspaces.get_connection(ACME)) == KEY
        assert mine.workspaces.settings(ACME) == WorkspaceSettings()
        assert mine.installations.find_bot(ACME) is None
    assert mine.store.cache.misses - misses == 2  # settings and bot read once each
    assert mine.store.cache.hits - hits == 298
    mine.workspaces.save_settings(ACME, WorkspaceSettings(default_channel="C1"))
    mine.installations.save_bot(ACME, '{"bot_token": "xoxb-1"}')
    assert mine.workspaces.settings(ACME).default_channel == "C1"
    assert mine.installations.find_bot(ACME) == '{"bot_token": "xoxb-1"}'
    assert mine.installations.find_team_bot("T0001") == '{"bot_token": "xoxb-1"}'
    mine.workspaces.save_connection(ACME, NEW_KEY, "U2")
    assert api_key(mine.workspaces.get_connection(ACME)) == NEW_KEY
    mine.installations.delete_bot(ACME)
    assert mine.installations.find_bot(ACME) is None and mine.installations.find_team_bot("T0001") is None
    assert mine.workspaces.delete_connection(ACME) and mine.workspaces.get_connection(ACME) is None


def test_another_writer_changes_are_seen_within_the_bound(
    pair: tuple[Blocking, Blocking], database: tuple[str, str]
) -> None:
    mine, other = pair
    # Without invalidation, each of these reads would keep answering from memory for ENTRY_SECONDS (60 s).
    bound = FRESH_SECONDS  # PostgreSQL: NOTIFY and its heartbeat; SQLite: data_version read on the worker thread
    assert mine.workspaces.get_connection(ACME) is None
    other.workspaces.save_connection(ACME, KEY, "U1")  # connected on another instance
    times = [seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), KEY, bound)]
    other.workspaces.save_connection(ACME, NEW_KEY, "U1")  # replaced there
    times.append(seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), NEW_KEY, bound))
    other.workspaces.delete_connection(ACME)  # disconnected there
    times.append(seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), None, bound))
    assert mine.workspaces.settings(GRID) == WorkspaceSettings()
    other.workspaces.save_settings(GRID, WorkspaceSettings(allow_guests=True))
    times.append(seen_within(lambda: mine.workspaces.settings(GRID).allow_guests, True, bound))
    other.installations.save_bot(GRID, "{}")
    other.workspaces.save_connection(GRID, KEY, "U1")
    bots = mine.installations
    times.append(seen_within(lambda: (bots.find_bot(GRID), bots.find_team_bot("T0002")), ("{}", "{}"), bound))
    other.workspaces.forget(GRID)  # uninstalled, through another instance
    kept = mine.workspaces
    times.append(seen_within(lambda: (bots.find_bot(GRID), bots.find_team_bot("T0002"), kept.get_connection(GRID),
                                      kept.settings(GRID)), (None, None, None, WorkspaceSettings()), bound))
    other.workspaces.save_connection(GRID, KEY, "U1")
    seen_within(lambda: api_key(mine.workspaces.get_connection(GRID)), KEY, bound)
    other.workspaces.forget_enterprise("E0001")  # a whole org uninstalled
    times.append(seen_within(lambda: api_key(mine.workspaces.get_connection(GRID)), None, bound))
    print(f"\n{database[0]}: changes seen after {', '.join(f'{t * 1000:.0f}' for t in times)} ms")


def test_a_lost_postgresql_listener_never_stretches_the_bound(postgres_url: str) -> None:
    key = Fernet.generate_key().decode()
    mine, other = open_blocking(postgres_url, key), open_blocking(postgres_url, key)
    try:
        wait_trusted(mine)
        other.workspaces.save_connection(ACME, KEY, "U1")
        seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), KEY, FRESH_SECONDS)
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # a failover, a network cut
            killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                   "application_name = 'leonar-bot-listen' AND datname = current_database()"
                                   ).fetchall()
            assert len(killed) == 2 and all(done for (done,) in killed)  # both stores' listeners
        other.workspaces.save_connection(ACME, NEW_KEY, "U1")  # while nobody listens
        took = seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), NEW_KEY, FRESH_SECONDS)
        wait_trusted(mine)  # the listener is back
        other.workspaces.delete_connection(ACME)
        seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), None, FRESH_SECONDS)
        print(f"\nchange made while the listener was gone seen after {took * 1000:.0f} ms")
    finally:
        mine.close()
        other.close()


class Trusting:
    """A watch that never hears of a change made elsewhere: the cache's own rules alone."""

    def start(self, changed: Callable[[str], None]) -> None:
        pass

    def trusted(self) -> bool:
        return True

    def close(self) -> None:
        pass


class Counting:
    """A database answering from a dict, counting reads; `during_read` runs in the middle of one (a race)."""

    def __init__(self) -> None:
        self.reads = 0
        self.keys: dict[str, str] = {}
        self.during_read: Callable[[], None] = lambda: None

    def reader(self, key: str) -> Callable[[], Awaitable[str | None]]:
        async def read() -> str | None:
            self.reads += 1
            found = self.keys.get(key)
            self.during_read()
            return found

        return read


def test_a_change_notice_during_a_read_keeps_that_read_out_of_the_cache() -> None:
    database, cache = Counting(), Cache(Trusting(), entry_seconds=60)
    database.keys[ACME.key] = KEY

    def replaced_meanwhile() -> None:  # the old row was read; another instance commits and notifies now
        database.keys[ACME.key] = NEW_KEY
        cache.changed(ACME.key)

    database.during_read = replaced_meanwhile
    assert asyncio.run(cache.read(CONNECTION, ACME.key, database.reader(ACME.key))) == KEY  # already under way
    database.during_read = lambda: None
    assert asyncio.run(cache.read(CONNECTION, ACME.key, database.reader(ACME.key))) == NEW_KEY  # not the stale one
    assert database.reads == 2


def test_the_cache_is_bounded() -> None:
    database, cache = Counting(), Cache(Trusting(), entry_seconds=60, max_entries=50)

    async def read(team: str) -> None:
        await cache.read(CONNECTION, team, database.reader(team))

    async def reads() -> None:
        for n in range(1_000):
            await read(f"T{n}")
        assert len(cache._entries) == 50
        before = database.reads
        await read("T999")  # the most recent stay
        await read("T0")  # the oldest went
        assert database.reads == before + 1

    asyncio.run(reads())


def test_an_entry_past_its_time_is_served_once_more_while_one_read_refreshes_it() -> None:
    database, cache = Counting(), Cache(Trusting(), entry_seconds=0.05)
    database.keys[ACME.key] = KEY

    async def reads() -> list[str | None]:
        seen = [await cache.read(CONNECTION, ACME.key, database.reader(ACME.key))]
        database.keys[ACME.key] = NEW_KEY  # written by something no trigger saw (a restore)
        await asyncio.sleep(0.06)
        # Past its time: the request is not held up; one read refreshes it meanwhile, however many ask.
        seen += [await cache.read(CONNECTION, ACME.key, database.reader(ACME.key)) for _ in range(5)]
        await asyncio.sleep(0.01)
        seen.append(await cache.read(CONNECTION, ACME.key, database.reader(ACME.key)))
        await asyncio.sleep(0.11)  # twice its time with no refresh possible: read by the request itself
        database.keys[ACME.key] = KEY
        seen.append(await cache.read(CONNECTION, ACME.key, database.reader(ACME.key)))
        return seen

    assert asyncio.run(reads()) == [KEY, *[KEY] * 5, NEW_KEY, KEY]
    assert database.reads == 3


def test_a_burst_of_misses_for_one_entry_reads_the_database_once() -> None:
    database, cache = Counting(), Cache(Trusting(), entry_seconds=60)
    database.keys[ACME.key] = KEY
    slow = database.reader(ACME.key)

    async def read_slowly() -> str | None:
        await asyncio.sleep(0.02)
        return await slow()

    async def burst() -> list[str | None]:
        return await asyncio.gather(*(cache.read(CONNECTION, ACME.key, read_slowly) for _ in range(50)))

    assert asyncio.run(burst()) == [KEY] * 50 and database.reads == 1


def test_a_request_giving_up_on_a_shared_read_leaves_it_to_the_others() -> None:
    database, cache = Counting(), Cache(Trusting(), entry_seconds=60)
    database.keys[ACME.key] = KEY
    release = asyncio.Event()

    async def read_when_released() -> str | None:
        await release.wait()
        return await database.reader(ACME.key)()

    async def two_requests() -> str | None:
        first = asyncio.create_task(cache.read(CONNECTION, ACME.key, read_when_released))
        await asyncio.sleep(0)  # the first one's miss starts the read
        second = asyncio.create_task(cache.read(CONNECTION, ACME.key, read_when_released))
        await asyncio.sleep(0)
        first.cancel()  # its deadline
        await asyncio.sleep(0)
        release.set()
        return await second

    assert asyncio.run(two_requests()) == KEY and database.reads == 1


def test_nothing_about_caching_logs_a_key(pair: tuple[Blocking, Blocking], caplog: pytest.LogCaptureFixture) -> None:
    mine, other = pair
    caplog.set_level(logging.DEBUG)
    mine.workspaces.save_connection(ACME, KEY, "U1")
    other.workspaces.save_connection(ACME, NEW_KEY, "U1")
    seen_within(lambda: api_key(mine.workspaces.get_connection(ACME)), NEW_KEY, FRESH_SECONDS)
    assert repr(mine.workspaces.get_connection(ACME)).endswith("key=…9876)")
    assert KEY not in caplog.text and NEW_KEY not in caplog.text and "leo_" not in caplog.text


def test_each_users_last_project_is_kept_and_dropped_with_its_workspace(pair: tuple[Blocking, Blocking]) -> None:
    mine, _ = pair
    wait_trusted(mine)
    assert mine.workspaces.last_project(ACME, "U1") is None
    mine.workspaces.remember_project(ACME, "U1", "p1", "Backend")
    assert mine.workspaces.last_project(ACME, "U1") == ("p1", "Backend")  # this process's write is seen at once
    misses = mine.store.cache.misses
    for _ in range(50):
        assert mine.workspaces.last_project(ACME, "U1") == ("p1", "Backend")
    assert mine.store.cache.misses == misses  # a command reads no database for it
    mine.workspaces.remember_project(ACME, "U1", "p2", "Design")
    assert mine.workspaces.last_project(ACME, "U1") == ("p2", "Design")
    assert mine.workspaces.forget(ACME)
    assert mine.workspaces.last_project(ACME, "U1") is None  # leaving drops it with the rest


def test_a_change_of_a_channels_sharing_heard_by_one_instance_is_dropped_by_every_one(postgres_url: str) -> None:
    """Slack sends channel_shared to one instance; the others must not go on posting cards there as if internal."""
    key = Fernet.generate_key().decode()
    mine, other = open_blocking(postgres_url, key), open_blocking(postgres_url, key)
    try:
        wait_trusted(mine)
        memory = ChannelMemory(mine.store.cache)
        memory.put(ACME.key, "C1", shared=False, mark=memory.mark())
        memory.put(GRID.key, "C1", shared=False, mark=memory.mark())
        assert memory.get(ACME.key, "C1") is False
        other.workspaces.channels_changed(ACME)  # the instance Slack told
        seen_within(lambda: memory.get(ACME.key, "C1"), None, FRESH_SECONDS)
        assert memory.get(GRID.key, "C1") is False  # another workspace's channels are kept
    finally:
        mine.close()
        other.close()


def test_what_slack_said_while_a_change_was_heard_is_not_kept() -> None:
    cache = Cache(Trusting(), entry_seconds=60)
    memory = ChannelMemory(cache)
    mark = memory.mark()  # conversations.info asked…
    cache.changed(ACME.key)  # …channel_shared heard meanwhile
    memory.put(ACME.key, "C1", shared=False, mark=mark)
    assert memory.get(ACME.key, "C1") is None
    memory.put(ACME.key, "C1", shared=True, mark=memory.mark())
    assert memory.get(ACME.key, "C1") is True


def test_what_slack_said_is_not_served_while_changes_elsewhere_may_go_unheard() -> None:
    watch = Trusting()
    cache = Cache(watch, entry_seconds=60)
    memory = ChannelMemory(cache)
    memory.put(ACME.key, "C1", shared=False, mark=memory.mark())
    watch.trusted = lambda: False  # type: ignore[method-assign]  # the listener is cut off
    assert memory.get(ACME.key, "C1") is None


async def test_a_token_refresh_reads_again_its_own_installation_only(tmp_path: Path) -> None:
    from bot.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}", Fernet.generate_key().decode())
    try:
        for workspace in (ACME, GRID):
            await store.installations.save_bot(workspace, f"bot of {workspace.key}")
            await store.installations.find_bot(workspace)
        misses = store.cache.misses
        async with store.installations.refreshing("slack-token-refresh:-:T0001", 1.0, ACME):
            assert await store.installations.find_bot(ACME) == "bot of -:T0001"  # read again from the database
        assert await store.installations.find_bot(GRID) == "bot of E0001:T0002"  # still cached
        assert store.cache.misses == misses + 1
    finally:
        await store.close()


def test_a_members_key_unlinked_or_removed_elsewhere_is_used_nowhere_after_the_bound(
    pair: tuple[Blocking, Blocking]
) -> None:
    """Members' own keys (issue 21 A) are read on every request: cached, and dropped on every instance when another
    unlinks one (its owner, an admin, a deactivation) — never used on for ENTRY_SECONDS."""
    mine, other = pair
    keys, theirs = Synchronous(mine.store.member_keys, mine), Synchronous(other.store.member_keys, other)
    assert keys.get(ACME, "U2") is None
    misses = mine.store.cache.misses
    assert keys.get(ACME, "U2") is None and mine.store.cache.misses == misses  # "not linked" is cached too
    theirs.link(ACME, "U2", KEY)
    seen_within(lambda: api_key(keys.get(ACME, "U2")), KEY, FRESH_SECONDS)
    theirs.link(ACME, "U2", NEW_KEY)  # replaced there
    seen_within(lambda: api_key(keys.get(ACME, "U2")), NEW_KEY, FRESH_SECONDS)
    assert theirs.unlink(ACME, "U2")
    seen_within(lambda: keys.get(ACME, "U2"), None, FRESH_SECONDS)
    theirs.link(GRID, "U2", KEY)
    seen_within(lambda: api_key(keys.get(GRID, "U2")), KEY, FRESH_SECONDS)
    assert theirs.deactivated(Workspace("E0001", "T0009"), "U2") == [GRID]  # org-wide: every workspace of the org
    seen_within(lambda: keys.get(GRID, "U2"), None, FRESH_SECONDS)
    theirs.link(GRID, "U2", KEY)
    seen_within(lambda: api_key(keys.get(GRID, "U2")), KEY, FRESH_SECONDS)
    other.workspaces.forget(GRID)  # uninstalled there
    seen_within(lambda: keys.get(GRID, "U2"), None, FRESH_SECONDS)
    assert theirs.linked(GRID) == []
