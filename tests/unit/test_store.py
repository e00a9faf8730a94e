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

from bot.store import EncryptionKeyError, Store, StoreUnavailable, Workspace, open_store
from bot.store.postgres import MIGRATIONS

KEY = "leo_live_secret_value_1234"
ACME = Workspace(None, "T0001")
GRID = Workspace("E0001", "T0001")
Opener = Callable[[str | None], Store]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, DATABASE_URL) of an empty database of each kind."""
    if request.param == "sqlite":
        return "sqlite", f"sqlite:///{tmp_path / 'bot.db'}"
    return "postgres", request.getfixturevalue("postgres_url")


@pytest.fixture
def opener(backend: tuple[str, str]) -> Opener:
    """Opens the store at that database (again, for a restart) with an ENCRYPTION_KEY."""
    return lambda key: open_store(backend[1], key)


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
    assert store.get_connection(ACME) is None
    saved = store.save_connection(ACME, KEY, "U1")
    assert store.get_connection(GRID) is None  # same team id inside an org is another row
    store.close()

    again = opener(secret)  # a restart
    conn = again.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY and conn.connected_by == "U1"
    assert conn.connected_at == saved.connected_at and conn.connected_at.tzinfo is not None
    assert conn.key_hint == "…1234" and KEY not in repr(conn)
    again.save_connection(ACME, "leo_rotated_key_9999", "U2")
    rotated = again.get_connection(ACME)
    assert rotated is not None and rotated.api_key == "leo_rotated_key_9999" and rotated.connected_by == "U2"
    assert again.delete_connection(ACME) and again.get_connection(ACME) is None
    assert not again.delete_connection(ACME)
    again.ping()
    again.close()


def test_database_never_holds_the_key_in_clear(opener: Opener, backend: tuple[str, str]) -> None:
    store = opener(Fernet.generate_key().decode())
    store.save_connection(ACME, KEY, "U1")
    store.close()
    raw = raw_contents(backend)
    assert b"T0001" in raw  # the rows were read
    assert KEY.encode() not in raw and b"leo_" not in raw


def test_wrong_or_malformed_encryption_key_is_refused_at_start(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    store.save_connection(ACME, KEY, "U1")
    store.close()
    with pytest.raises(EncryptionKeyError, match="not the key it was stored with"):
        opener(Fernet.generate_key().decode())
    with pytest.raises(EncryptionKeyError, match="Fernet key"):
        opener("not-a-key")


def test_encryption_key_rotation_reads_old_rows(opener: Opener) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = opener(old)
    store.save_connection(ACME, KEY, "U1")
    store.close()
    conn = opener(f"{new},{old}").get_connection(ACME)
    assert conn is not None and conn.api_key == KEY


def test_sqlite_without_encryption_key_generates_a_private_key_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'bot.db'}", None)
    store.save_connection(ACME, KEY, "U1")
    store.close()
    key_file = tmp_path / "bot.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "ENCRYPTION_KEY is not set" in caplog.text
    conn = open_store(f"sqlite:///{tmp_path / 'bot.db'}", None).get_connection(ACME)  # same file, same key
    assert conn is not None and conn.api_key == KEY


def test_postgres_requires_an_encryption_key(postgres_url: str) -> None:
    with pytest.raises(EncryptionKeyError, match="ENCRYPTION_KEY is required"):
        open_store(postgres_url, None)


def test_postgres_schema_is_created_once_and_survives_a_dropped_connection(postgres_url: str) -> None:
    secret = Fernet.generate_key().decode()
    first, second = open_store(postgres_url, secret), open_store(postgres_url, secret)  # two instances
    first.save_connection(ACME, KEY, "U1")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        # each migration applied once, though two instances started
        assert admin.execute("SELECT count(*) FROM leonar_schema").fetchone() == (len(MIGRATIONS),)
        # The server cuts every other session (a restart or failover would): the stores reconnect.
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    conn = second.get_connection(ACME)
    assert conn is not None and conn.api_key == KEY
    first.ping()


def test_unreachable_postgres_is_said_at_start() -> None:
    with pytest.raises(StoreUnavailable, match="PostgreSQL cannot be reached"):
        open_store("postgresql://postgres@127.0.0.1:9/none", Fernet.generate_key().decode())


def test_slack_installations_and_oauth_states(opener: Opener, backend: tuple[str, str]) -> None:
    store = opener(Fernet.generate_key().decode())
    store.save_bot(ACME, '{"bot_token": "xoxb-acme-secret"}')
    assert store.find_bot(ACME) == '{"bot_token": "xoxb-acme-secret"}' and store.find_bot(GRID) is None
    store.save_bot(ACME, '{"bot_token": "xoxb-acme-rotated"}')
    assert store.find_bot(ACME) == '{"bot_token": "xoxb-acme-rotated"}'
    assert b"xoxb-acme" not in raw_contents(backend)  # bot tokens are encrypted like the Leonar keys
    assert store.delete_bot(ACME) and store.find_bot(ACME) is None
    store.issue_state("s1", time.time() + 60)
    store.issue_state("old", time.time() - 1)
    assert store.consume_state("s1") and not store.consume_state("s1")  # once
    assert not store.consume_state("old") and not store.consume_state("never-issued")


def test_last_project_per_user_and_workspace(opener: Opener) -> None:
    store = opener(Fernet.generate_key().decode())
    assert store.last_project(ACME, "U1") is None
    store.remember_project(ACME, "U1", "p1", "Backend")
    store.remember_project(ACME, "U1", "p2", "Design")
    store.remember_project(GRID, "U1", "p3", "Other org")
    assert store.last_project(ACME, "U1") == ("p2", "Design")
    assert store.last_project(ACME, "U2") is None and store.last_project(GRID, "U1") == ("p3", "Other org")


def test_recent_adds_and_settings(opener: Opener) -> None:
    from datetime import UTC, datetime

    from bot.store import AddRecord, WorkspaceSettings

    store = opener(Fernet.generate_key().decode())
    assert store.recent_adds(ACME) == [] and store.settings(ACME) == WorkspaceSettings()
    for n in range(12):
        store.record_add(ACME, AddRecord("U1", f"Person {n}", "Backend", None if n % 2 else "Call",
                                         datetime(2026, 1, 1, n, tzinfo=UTC)))
    recent = store.recent_adds(ACME)
    assert [r.contact for r in recent] == [f"Person {n}" for n in range(11, 1, -1)]  # newest first, ten
    assert recent[0].at == datetime(2026, 1, 1, 11, tzinfo=UTC) and recent[1].stage == "Call"
    assert store.recent_adds(GRID) == []
    store.save_settings(ACME, WorkspaceSettings("C9", True))
    assert store.settings(ACME) == WorkspaceSettings("C9", True) and store.settings(GRID) == WorkspaceSettings()
