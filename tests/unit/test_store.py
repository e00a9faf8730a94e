"""The store, one suite for both backends: per-workspace connections, encrypted at rest, kept across restarts."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from bot.store import EncryptionKeyError, StoreUnavailable, Workspace
from bot.store.schema import MIGRATIONS
from tests.support.blocking import Blocking, open_blocking
from tests.support.schema import older_release

KEY = "leo_live_secret_value_1234"
ACME = Workspace(None, "T0001")
GRID = Workspace("E0001", "T0001")
Opener = Callable[[str | None], Blocking]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, DATABASE_URL) of an empty database of each kind."""
    if request.param == "sqlite":
        return "sqlite", f"sqlite:///{tmp_path / 'bot.db'}"
    return "postgres", request.getfixturevalue("postgres_url")


@pytest.fixture
def opener(backend: tuple[str, str]) -> Opener:
    """Opens the store at that database (again, for a restart) with an ENCRYPTION_KEY."""
    return lambda key: open_blocking(backend[1], key)


def raw_contents(backend: tuple[str, str]) -> bytes:
    kind, url = backend
    if kind == "sqlite":
        db = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name) and
                        not p.name.endswith(".key"))
    with psycopg.connect(url) as conn:
        rows = [conn.execute(f"SELECT * FROM {table}").fetchall() for table in ("leonar_connections", "slack_bots")]
        return repr(rows).encode()


def test_connections_are_per_workspace_and_survive_a_restart(opener: Opener) -> None:
    secret = Fernet.generate_key().decode()
    store = opener(secret)
    assert store.workspaces.get_connection(ACME) is None
    saved = store.workspaces.save_connection(ACME, KEY, "U1")
    assert store.workspaces.get_connection(GRID) is None  # same team id inside an org is another row
    store.close()

    again = opener(secret)  # a restart
    conn = again.workspaces.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY and conn.connected_by == "U1"
    assert conn.connected_at == saved.connected_at and conn.connected_at.tzinfo is not None
    assert conn.key_hint == "…1234" and KEY not in repr(conn)
    again.workspaces.save_connection(ACME, "leo_rotated_key_9999", "U2")
    rotated = again.workspaces.get_connection(ACME)
    assert rotated is not None and rotated.api_key == "leo_rotated_key_9999" and rotated.connected_by == "U2"
    assert again.workspaces.delete_connection(ACME) and again.workspaces.get_connection(ACME) is None
    assert not again.workspaces.delete_connection(ACME)
    again.db.ping()
    again.close()


def test_database_never_holds_the_key_in_clear(opener: Opener, backend: tuple[str, str]) -> None:
    store = opener(Fernet.generate_key().decode())
    store.workspaces.save_connection(ACME, KEY, "U1")
    store.close()
    raw = raw_contents(backend)
    assert b"T0001" in raw  # the rows were read
    assert KEY.encode() not in raw and b"leo_" not in raw


def test_wrong_or_malformed_encryption_key_is_refused_at_start(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    store.workspaces.save_connection(ACME, KEY, "U1")
    store.close()
    with pytest.raises(EncryptionKeyError, match="not the key it was stored with"):
        opener(Fernet.generate_key().decode())
    with pytest.raises(EncryptionKeyError, match="Fernet key"):
        opener("not-a-key")


def test_encryption_key_rotation_reads_old_rows(opener: Opener) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = opener(old)
    store.workspaces.save_connection(ACME, KEY, "U1")
    store.close()
    conn = opener(f"{new},{old}").workspaces.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY


def test_sqlite_without_encryption_key_generates_a_private_key_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_blocking(f"sqlite:///{tmp_path / 'bot.db'}", None)
    store.workspaces.save_connection(ACME, KEY, "U1")
    store.close()
    key_file = tmp_path / "bot.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "ENCRYPTION_KEY is not set" in caplog.text
    again = open_blocking(f"sqlite:///{tmp_path / 'bot.db'}", None)  # same file, same key
    conn = again.workspaces.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY


def test_postgres_requires_an_encryption_key(postgres_url: str) -> None:
    with pytest.raises(EncryptionKeyError, match="ENCRYPTION_KEY is required"):
        open_blocking(postgres_url, None)


def test_postgres_schema_is_created_once_and_survives_a_dropped_connection(postgres_url: str) -> None:
    secret = Fernet.generate_key().decode()
    first, second = open_blocking(postgres_url, secret), open_blocking(postgres_url, secret)  # two instances
    first.workspaces.save_connection(ACME, KEY, "U1")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        # each migration applied once, though two instances started
        assert admin.execute("SELECT count(*) FROM leonar_schema").fetchone() == (len(MIGRATIONS),)
        # The server cuts every other session (a restart or failover would): the stores reconnect by themselves.
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    # A pool still opening its connections when they were cut waits about a second before connecting again
    # (psycopg_pool's backoff): a request meanwhile is told the database is unavailable, and then it works.
    deadline, conn = time.monotonic() + 5, None
    while conn is None:
        try:
            conn = second.workspaces.get_connection(ACME)
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the store did not reconnect within 5 s"
            time.sleep(0.1)
    assert conn.api_key == KEY
    deadline = time.monotonic() + 5
    while True:
        try:
            first.db.ping()
            break
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the store did not reconnect within 5 s"
            time.sleep(0.1)


async def test_a_write_whose_connection_dropped_is_not_run_twice(postgres_url: str) -> None:
    """A write may have been applied before its connection dropped (its answer lost): run again on another
    connection, it would be applied twice (a budget spent twice, a job accepted "before"). Reads are run again."""
    from bot.store import open_store
    from bot.store.database import Tx

    store = open_store(postgres_url, Fernet.generate_key().decode())
    try:
        await store.db.execute("table", "CREATE TABLE IF NOT EXISTS applied (n INTEGER)")

        async def applied_then_dropped(tx: Tx) -> None:
            await tx.execute("INSERT INTO applied (n) VALUES (1)")  # committed (autocommit)…
            await tx.one("SELECT pg_terminate_backend(pg_backend_pid())")  # …then the connection is cut

        with pytest.raises(psycopg.OperationalError):
            await store.db._run(applied_then_dropped, transaction=False)
        assert await store.db.one("count", "SELECT count(*) FROM applied") == (1,)
    finally:
        await store.close()


def test_unreachable_postgres_is_said_at_start() -> None:
    with pytest.raises(StoreUnavailable, match="PostgreSQL cannot be reached"):
        open_blocking("postgresql://postgres@127.0.0.1:9/none", Fernet.generate_key().decode())


def test_slack_installations_and_oauth_states(opener: Opener, backend: tuple[str, str]) -> None:
    store = opener(Fernet.generate_key().decode())
    store.installations.save_bot(ACME, '{"bot_token": "xoxb-acme-secret"}')
    assert store.installations.find_bot(ACME) == '{"bot_token": "xoxb-acme-secret"}'
    assert store.installations.find_bot(GRID) is None
    store.installations.save_bot(ACME, '{"bot_token": "xoxb-acme-rotated"}')
    assert store.installations.find_bot(ACME) == '{"bot_token": "xoxb-acme-rotated"}'
    assert b"xoxb-acme" not in raw_contents(backend)  # bot tokens are encrypted like the Leonar keys
    assert store.installations.delete_bot(ACME) and store.installations.find_bot(ACME) is None
    assert store.installations.use_state("s1", time.time() + 60, 10)
    assert not store.installations.use_state("s1", time.time() + 60, 10)  # once


def test_last_project_per_user_and_workspace(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    assert store.workspaces.last_project(ACME, "U1") is None
    store.workspaces.remember_project(ACME, "U1", "p1", "Backend")
    store.workspaces.remember_project(ACME, "U1", "p2", "Design")
    store.workspaces.remember_project(GRID, "U1", "p3", "Other org")
    assert store.workspaces.last_project(ACME, "U1") == ("p2", "Design")
    assert store.workspaces.last_project(ACME, "U2") is None
    assert store.workspaces.last_project(GRID, "U1") == ("p3", "Other org")


def test_recent_adds_and_settings(opener: Opener) -> None:
    from datetime import UTC, datetime

    from bot.store import AddRecord, WorkspaceSettings

    store = opener(Fernet.generate_key().decode())
    assert store.workspaces.recent_adds(ACME) == [] and store.workspaces.settings(ACME) == WorkspaceSettings()
    for n in range(12):
        store.workspaces.record_add(ACME, AddRecord("U1", f"Person {n}", "Backend", None if n % 2 else "Call",
                                         datetime(2026, 1, 1, n, tzinfo=UTC)))
    recent = store.workspaces.recent_adds(ACME)
    assert [r.contact for r in recent] == [f"Person {n}" for n in range(11, 1, -1)]  # newest first, ten
    assert recent[0].at == datetime(2026, 1, 1, 11, tzinfo=UTC) and recent[1].stage == "Call"
    assert store.workspaces.recent_adds(GRID) == []
    store.workspaces.save_settings(ACME, WorkspaceSettings("C9", True))
    assert store.workspaces.settings(ACME) == WorkspaceSettings("C9", True)
    assert store.workspaces.settings(GRID) == WorkspaceSettings()
    store.workspaces.save_settings(ACME, WorkspaceSettings("C9", True, allow_guests=True))
    assert store.workspaces.settings(ACME).allow_guests and not store.workspaces.settings(GRID).allow_guests


def test_forgetting_a_workspace_or_an_org_deletes_everything_kept_for_them(opener: Opener) -> None:
    from datetime import UTC, datetime

    from bot.store import AddRecord, WorkspaceSettings

    store = opener(Fernet.generate_key().decode())
    org, t1, t2, solo = Workspace("E1", None), Workspace("E1", "T1"), Workspace("E1", "T2"), Workspace(None, "T3")
    e12 = Workspace("E12", "T4")  # an org whose id starts with the other's
    for w in (org, t1, t2, solo, e12):
        store.workspaces.save_connection(w, f"leo_key_{w.key}", "U1")
        store.workspaces.remember_project(w, "U1", "p1", "Backend")
        store.workspaces.record_add(w, AddRecord("U1", "Ada", "Backend", None, datetime(2026, 1, 1, tzinfo=UTC)))
        store.workspaces.save_settings(w, WorkspaceSettings("C1", True, True))
        store.installations.save_bot(w, "{}")

    def kept(w: Workspace) -> list[object]:
        kept = store.workspaces
        return [kept.get_connection(w), kept.last_project(w, "U1"), kept.recent_adds(w),
                store.workspaces.settings(w) != WorkspaceSettings(), store.installations.find_bot(w)]

    assert store.workspaces.forget(t2) and not any(kept(t2)) and all(kept(t1))
    assert not store.workspaces.forget(t2)  # nothing left to delete
    assert sorted(w.key for w in store.workspaces.forget_enterprise("E1")) == ["E1:-", "E1:T1"]
    assert not any(kept(org)) and not any(kept(t1)) and all(kept(solo)) and all(kept(e12))


def test_forgetting_is_all_or_nothing(opener: Opener, backend: tuple[str, str]) -> None:
    """Another reader (an instance, the App Home) never sees a workspace half forgotten: a failure partway through
    leaves everything as it was (one transaction, bot/store/database.py)."""
    from datetime import UTC, datetime

    from bot.store import AddRecord

    store = opener(Fernet.generate_key().decode())
    store.workspaces.save_connection(ACME, KEY, "U1")
    store.workspaces.record_add(ACME, AddRecord("U1", "Ada", "Backend", None, datetime(2026, 1, 1, tzinfo=UTC)))
    kind, url = backend
    if kind == "sqlite":  # recent_adds come after the connection in the deletion order: make that step fail
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            lite.execute("CREATE TRIGGER no_delete BEFORE DELETE ON recent_adds BEGIN SELECT RAISE(ABORT, 'no'); END")
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE FUNCTION no_delete() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN RAISE EXCEPTION 'no'; END $$")
            conn.execute("CREATE TRIGGER no_delete BEFORE DELETE ON recent_adds FOR EACH ROW "
                         "EXECUTE FUNCTION no_delete()")
    with pytest.raises(Exception):  # noqa: B017 - whichever error the backend raises
        store.workspaces.forget(ACME)
    conn = store.workspaces.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY and store.workspaces.recent_adds(ACME)


def state_rows(backend: tuple[str, str]) -> int:
    kind, url = backend
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            row = lite.execute("SELECT count(*) FROM slack_oauth_states").fetchone()
    else:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM slack_oauth_states").fetchone()
    assert row is not None
    return int(row[0])


def test_issuing_oauth_states_writes_nothing_and_each_works_once(opener: Opener, backend: tuple[str, str]) -> None:
    from bot.slack.installations import OAuthStates

    store = opener(Fernet.generate_key().decode())
    states = OAuthStates(store.store.installations, "client-secret")
    issued = [store.run(states.async_issue()) for _ in range(1_000)]  # 1,000 visits to /slack/install
    assert state_rows(backend) == 0 and len(set(issued)) == 1_000
    assert store.run(states.async_consume(issued[0])) and not store.run(states.async_consume(issued[0]))
    assert state_rows(backend) == 1
    expiry, nonce, signature = issued[1].split(".")
    forged = [f"{int(expiry) + 60}.{nonce}.{signature}", f"{expiry}.{nonce}x.{signature}", f"{expiry}.{nonce}.",
              "made-up", "", "1.2.3", f"{expiry}.{nonce}.{signature}" + "A" * 200,
              store.run(OAuthStates(store.store.installations, "another-app-secret").async_issue())]
    assert not any(store.run(states.async_consume(state)) for state in forged)
    stale = OAuthStates(store.store.installations, "client-secret", expiration_seconds=-1)
    assert not store.run(stale.async_consume(store.run(stale.async_issue())))  # expired
    assert store.run(states.async_consume(issued[1]))


def test_used_oauth_states_are_bounded_and_expired_ones_cleaned_in_batches(
    opener: Opener, backend: tuple[str, str]
) -> None:
    store = opener(Fernet.generate_key().decode())
    left_over = [(f"expired-{n}", time.time() - 1) for n in range(250)]  # say, after the bot was stopped a while
    kind, url = backend
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            lite.executemany("INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?)", left_over)
    else:
        with psycopg.connect(url) as conn:
            conn.cursor().executemany("INSERT INTO slack_oauth_states (state, expires_at) VALUES (%s, %s)", left_over)
    store.installations.use_state("fresh-0", time.time() + 600, 10_000)
    assert state_rows(backend) == 250 - 100 + 1
    store.installations.use_state("fresh-1", time.time() + 600, 10_000)
    store.installations.use_state("fresh-2", time.time() + 600, 10_000)
    assert state_rows(backend) == 3

    keep, timings = 500, []
    for n in range(3 * keep):  # an attacker completing redirects with states they fetched themselves
        started = time.perf_counter()
        assert store.installations.use_state(f"used-{n:05d}", time.time() + 600 + n, keep)
        timings.append(time.perf_counter() - started)
    assert state_rows(backend) == keep
    newest = f"used-{3 * keep - 1:05d}"
    assert not store.installations.use_state(newest, time.time() + 600, keep)  # the newest still work once
    first, last = sorted(timings[:100])[50], sorted(timings[-100:])[50]
    assert last < first * 3 + 0.002, (first, last)


def test_named_locks_exclude_other_instances_on_postgresql(opener: Opener, backend: tuple[str, str]) -> None:
    key = Fernet.generate_key().decode()
    one, two = opener(key), opener(key)
    if backend[0] == "sqlite":  # one process serves a SQLite file: its own asyncio locks are the lock
        assert one.db.try_lock("refresh:T1") and two.db.try_lock("refresh:T1")
        return
    assert one.db.try_lock("refresh:T1")
    assert not two.db.try_lock("refresh:T1") and two.db.try_lock("refresh:T2")
    one.db.unlock("refresh:T1")
    assert two.db.try_lock("refresh:T1")
    two.close()  # a dead instance's locks go with its connection, as soon as the server sees it gone
    deadline = time.monotonic() + 5
    while not one.db.try_lock("refresh:T1") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert one.db.try_lock("refresh:T2") and time.monotonic() < deadline


def test_states_left_by_the_previous_release_are_dropped_once_at_upgrade(backend: tuple[str, str]) -> None:
    """Before states were signed (migration 5), each /slack/install visit left a row (160,000 after a flood)."""
    kind, url = backend
    older_release(url, 4)
    left = [(f"issued-{n}", time.time() + 600) for n in range(3_000)]
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            lite.executemany("INSERT INTO slack_oauth_states VALUES (?, ?)", left)
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.cursor().executemany("INSERT INTO slack_oauth_states VALUES (%s, %s)", left)
    key = Fernet.generate_key().decode()
    store = open_blocking(url, key)
    assert state_rows(backend) == 0
    assert store.installations.use_state("used-once", time.time() + 600, 10)
    store.close()
    again = open_blocking(url, key)  # later starts keep the used states
    assert state_rows(backend) == 1 and not again.installations.use_state("used-once", time.time() + 600, 10)


def test_an_installation_is_found_by_its_team_whatever_org_a_payload_names(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    store.installations.save_bot(Workspace("E1", "T1"), '{"grid": true}')
    store.installations.save_bot(Workspace(None, "T2"), '{"solo": true}')
    assert store.installations.find_team_bot("T1") == '{"grid": true}'
    assert store.installations.find_team_bot("T2") == '{"solo": true}'
    assert store.installations.find_team_bot("T3") is None and store.installations.find_team_bot("1") is None


def test_the_leonar_slug_is_kept_and_a_previous_releases_settings_keep_theirs(backend: tuple[str, str]) -> None:
    """leonar_slug came with link unfurls (migration 8): a database of the release before gets the column, its rows
    intact."""
    from bot.store import WorkspaceSettings

    kind, url = backend
    older_release(url, 7)
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            lite.execute("INSERT INTO workspace_settings VALUES (?, 'C7', 1, 1)", [ACME.key])
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO workspace_settings VALUES (%s, 'C7', true, true)", (ACME.key,))
    key = Fernet.generate_key().decode()
    store = open_blocking(url, key)
    assert store.workspaces.settings(ACME) == WorkspaceSettings("C7", True, True, None)
    store.workspaces.save_settings(ACME, WorkspaceSettings("C7", True, True, leonar_slug="acme-corp"))
    store.close()
    again = open_blocking(url, key)
    assert again.workspaces.settings(ACME).leonar_slug == "acme-corp"
    assert again.workspaces.settings(GRID).leonar_slug is None


def test_settings_change_one_at_a_time_without_losing_each_other(opener: Opener) -> None:
    """Two admins changing two settings at once (two requests in flight): each change keeps the other's."""
    import asyncio

    from bot.store import WorkspaceSettings

    store = opener(Fernet.generate_key().decode())

    async def both() -> None:
        await asyncio.gather(store.store.workspaces.update_settings(ACME, default_channel="C1"),
                             store.store.workspaces.update_settings(ACME, show_contact_details=True),
                             store.store.workspaces.update_settings(ACME, leonar_slug="acme"))

    store.run(both())
    assert store.workspaces.settings(ACME) == WorkspaceSettings("C1", True, False, "acme")
    assert store.workspaces.update_settings(ACME, allow_guests=True) == WorkspaceSettings("C1", True, True, "acme")
    with pytest.raises(ValueError, match="no such settings"):
        store.workspaces.update_settings(GRID, api_key_encrypted="x; DROP TABLE leonar_connections")


def test_a_forgotten_workspace_leaves_no_byte_in_the_sqlite_files(tmp_path: Path) -> None:
    """Issue 18 F: after an uninstall the tables were empty, but the file still held the team id, candidate and entry
    ids, and the key's Fernet token (decryptable with the key file beside it). Debian's SQLite zeroes deleted rows by
    default (SECURE_DELETE at compile time), others do not: the store asks for it (with it off, this test fails)."""
    from datetime import UTC, datetime

    from bot.activity.events import Seen
    from bot.activity.follow import Follow
    from bot.store import AddRecord, WorkspaceSettings
    from bot.store.poll_state import Outgoing, PollResult, PollStatus

    gone, stays = Workspace(None, "TGONE1234"), Workspace(None, "TSTAY5678")
    db = tmp_path / "bot.db"
    store = open_blocking(f"sqlite:///{db}", Fernet.generate_key().decode())
    tokens = {}
    for w in (gone, stays):
        who = w.team_id
        store.workspaces.save_connection(w, f"leo_key_of_{who}", "U1")
        store.workspaces.update_settings(w, default_channel=f"C{who}", leonar_slug=f"slug-{who}".lower())
        store.workspaces.remember_project(w, "U1", f"project-{who}", f"Project {who}")
        for n in range(300):  # whole pages of them: freed pages keep their bytes unless overwritten
            store.workspaces.record_add(w, AddRecord("U1", f"Candidate {who} {n}", "Backend", "Call",
                                                     datetime.now(UTC)))
        store.installations.save_bot(w, f'{{"bot_token": "xoxb-{who}"}}')
        follow = store.follows.add_follow(w, Follow("", f"C{who}", f"project-{who}", "Backend", "U1"))
        assert store.follows.lease(w, f"project-{who}", "h", 30)
        store.follows.save_poll(w, f"project-{who}", "h", PollResult(
            {f"entry-{who}": Seen("S1", "2026-12-01T00:00:00Z", f"contact-{who}")}, None, 0.0,
            [Outgoing(f"post-{who}", follow.id, f"C{who}", {"text": f"Candidate {who} moved"})]))
        store.follows.save_poll_status(w, PollStatus(120.0, False, 1))
        store.run(store.store.jobs.accept(f"add:{who}", w, "add", {"note": f"Note on {who}"}, holder="h",
                                          lease_seconds=30))
        tokens[who] = store.db.one("t", "SELECT api_key_encrypted FROM leonar_connections WHERE workspace = ?",
                                   (w.key,))[0]
    store.db.scrub()  # as after SQLite's automatic checkpoints: the rows are in the file itself
    assert store.workspaces.forget(gone)
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db") and
                     not p.name.endswith(".key"))
    assert tokens["TGONE1234"].encode() not in files
    for trace in (b"TGONE1234", b"tgone1234", b"entry-TGONE", b"contact-TGONE", b"Candidate TGONE"):
        assert trace not in files, trace
    assert b"TSTAY5678" in files or tokens["TSTAY5678"].encode() in files  # the files were read: the rest stays
    assert store.workspaces.get_connection(stays) is not None
    assert store.workspaces.settings(gone) == WorkspaceSettings()
    store.close()


def test_recent_adds_older_than_the_retention_go(opener: Opener) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.store import AddRecord

    store = opener(Fernet.generate_key().decode())
    now = datetime.now(UTC)
    for days, who in ((200, "Old"), (91, "Just past"), (89, "Recent"), (0, "Today")):
        store.workspaces.record_add(ACME, AddRecord("U1", who, "Backend", None, now - timedelta(days=days)))
    store.workspaces.record_add(GRID, AddRecord("U1", "Elsewhere, old", "Backend", None, now - timedelta(days=95)))
    assert store.workspaces.prune_adds(90) == 3
    assert [r.contact for r in store.workspaces.recent_adds(ACME)] == ["Today", "Recent"]
    assert store.workspaces.recent_adds(GRID) == []


def test_what_instances_tell_each_other_about_leonar(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    store.run(store.store.shared.report("i1", {("k1", "U1"): 3.0, ("k1", "U2"): 1.0}, 100.0))
    store.run(store.store.shared.report("i1", {("k1", "U1"): 2.0}, 101.0))
    store.run(store.store.shared.report("i2", {("k1", "U1"): 4.0}, 102.0))
    assert store.run(store.store.shared.elsewhere("i2")) == {("k1", "U1"): (5.0, 101.0), ("k1", "U2"): (1.0, 100.0)}
    assert store.run(store.store.shared.elsewhere("i3")) == {("k1", "U1"): (9.0, 102.0), ("k1", "U2"): (1.0, 100.0)}
    assert store.run(store.store.shared.load_index("k1", "P1")) is None
    store.run(store.store.shared.save_index("k1", "P1", '{"ids": []}', time.time()))
    store.run(store.store.shared.save_index("k1", "P1", '{"ids": ["E1"]}', time.time()))
    data, read_at = store.run(store.store.shared.load_index("k1", "P1")) or ("", 0.0)
    assert data == '{"ids": ["E1"]}' and time.time() - read_at < 5
    store.run(store.store.shared.prune())
    assert store.run(store.store.shared.load_index("k1", "P1")) is not None  # still fresh


def test_a_workspace_is_read_back_from_its_key() -> None:
    for workspace in (ACME, GRID, Workspace("E1", None), Workspace(None, None)):
        assert Workspace.from_key(workspace.key) == workspace


async def test_forgetting_a_workspace_is_done_even_when_its_files_cannot_be_scrubbed_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}", Fernet.generate_key().decode())
    try:
        await store.workspaces.save_connection(ACME, KEY, "U1")

        async def busy() -> None:
            raise StoreUnavailable("SQLite did not answer within 2 s")

        monkeypatch.setattr(store.db, "scrub", busy)
        assert await store.workspaces.forget(ACME)  # done, not "failed" (and done again by a retry)
        assert await store.workspaces.get_connection(ACME) is None
    finally:
        await store.close()


def test_cards_are_known_by_their_message_per_workspace_and_go_with_age_or_the_workspace(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    cards = store.store.cards
    store.run(cards.record(ACME, "C1", "1700000000.000100", "ct_1"))
    store.run(cards.record(ACME, "C1", "1700000000.000200", "ct_2"))
    store.run(cards.record(GRID, "C1", "1700000000.000100", "ct_9"))  # same channel and ts, another workspace
    assert store.run(cards.contact_of(ACME, "C1", "1700000000.000100")) == "ct_1"
    assert store.run(cards.contact_of(GRID, "C1", "1700000000.000100")) == "ct_9"
    assert store.run(cards.contact_of(ACME, "C2", "1700000000.000100")) is None
    assert store.run(cards.contact_of(ACME, "C1", "1700000000.000300")) is None
    store.db.execute("age", "UPDATE card_messages SET posted_at = posted_at - 200 * 86400 WHERE ts = ?",
                     ("1700000000.000200",))
    assert store.run(cards.prune()) == 1
    assert store.run(cards.contact_of(ACME, "C1", "1700000000.000200")) is None
    assert store.run(cards.contact_of(ACME, "C1", "1700000000.000100")) == "ct_1"  # recent: kept
    store.workspaces.forget(ACME)
    assert store.run(cards.contact_of(ACME, "C1", "1700000000.000100")) is None
    assert store.run(cards.contact_of(GRID, "C1", "1700000000.000100")) == "ct_9"


def test_card_threads_opted_in_per_channel_and_saved_replies_by_their_ids(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    notes = store.store.thread_notes
    assert not store.run(notes.on_in(ACME, "C1"))
    assert store.run(notes.turn(ACME, "C1", on=True, by="U1"))
    assert not store.run(notes.turn(ACME, "C1", on=True, by="U2"))  # on already
    store.run(notes.turn(ACME, "C2", on=True, by="U1"))
    assert store.run(notes.on_in(ACME, "C1")) and not store.run(notes.on_in(GRID, "C1"))
    assert store.run(notes.channels(ACME)) == ["C1", "C2"]
    assert store.run(notes.turn(ACME, "C1", on=False, by="U1")) and store.run(notes.channels(ACME)) == ["C2"]

    store.run(notes.saved(ACME, "C2", "1.000100", "ct_1", "note_1"))
    store.run(notes.saved(ACME, "C2", "1.000200", "ct_1", None))  # Leonar named no note
    saved = store.run(notes.saved_reply(ACME, "C2", "1.000100"))
    assert saved is not None and (saved.contact_id, saved.note_id) == ("ct_1", "note_1")
    none_named = store.run(notes.saved_reply(ACME, "C2", "1.000200"))
    assert none_named is not None and none_named.note_id is None
    assert store.run(notes.saved_reply(GRID, "C2", "1.000100")) is None
    store.db.execute("age", "UPDATE thread_notes SET saved_at = saved_at - 200 * 86400 WHERE ts = ?", ("1.000200",))
    assert store.run(notes.prune()) == 1 and store.run(notes.saved_reply(ACME, "C2", "1.000200")) is None
    store.workspaces.forget(ACME)
    assert store.run(notes.channels(ACME)) == [] and store.run(notes.saved_reply(ACME, "C2", "1.000100")) is None
