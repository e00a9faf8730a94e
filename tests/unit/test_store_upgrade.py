"""A database made by the release before the store was written once upgrades in place, on SQLite and on PostgreSQL;
the schema it ends with is the one a new database gets; and an upgrade that fails leaves the database as it was."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bot.activity.follow import Delivery
from bot.store import Workspace, WorkspaceSettings, schema
from bot.store.poll_state import PollResult
from tests.support.blocking import open_blocking
from tests.support.schema import load_dump

LEGACY_KEY = "Jq2Ckz3sYgqgQz6ZbVnHqN6oSeJ0fJpQnYV8Q3mWq9M="  # tests/support/legacy/README.md
MAIN = "main-2026-12-07"
ACME = Workspace(None, "T0001")


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    return str(request.getfixturevalue("postgres_url"))


def versions(url: str) -> list[int]:
    query = "SELECT version FROM leonar_schema ORDER BY version"
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            return [row[0] for row in lite.execute(query)]
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(query)]


def columns(url: str) -> dict[str, set[str]]:
    """Each table's columns (with their type on PostgreSQL, whose types the migrations converge) and indexes."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            tables = [row[0] for row in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            found = {t: {row[1] for row in lite.execute(f"PRAGMA table_info({t})")} for t in tables}
            for table, index in lite.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND "
                                             "name NOT LIKE 'sqlite_autoindex%'"):
                found[table].add(f"index {index}")
            return found
    with psycopg.connect(url) as conn:
        found = {}
        for table, column, kind in conn.execute("SELECT table_name, column_name, data_type FROM "
                                                "information_schema.columns WHERE table_schema = 'public'"):
            found.setdefault(table, set()).add(f"{column} {kind}")
        for table, index in conn.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' "
                                         "AND indexname NOT LIKE '%_pkey'"):
            found.setdefault(table, set()).add(f"index {index}")
        return found


def test_the_release_befores_database_upgrades_in_place_with_everything_it_held(url: str) -> None:
    load_dump(url, MAIN)
    store = open_blocking(url, LEGACY_KEY)
    assert versions(url) == list(range(1, schema.VERSION + 1))
    connection = store.workspaces.get_connection(ACME)
    assert connection is not None and connection.api_key == "leo_legacy_key_0001"
    assert connection.connected_by == "U0001" and connection.connected_at.tzinfo is not None
    assert store.workspaces.settings(ACME) == WorkspaceSettings("C0009", True, True, "acme-corp")
    assert store.workspaces.last_project(ACME, "U0001") == ("P1", "Backend Engineer")
    [added] = store.workspaces.recent_adds(ACME)
    assert (added.contact, added.stage) == ("Ada Lovelace", "Call")
    assert added.at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert "xoxb-legacy-token" in (store.installations.find_bot(ACME) or "")
    assert store.installations.find_team_bot("T0001") == store.installations.find_bot(ACME)
    assert not store.installations.use_state("legacy-state", time.time() + 600, 10)  # used then: still used
    [follow] = store.follows.list_follows(ACME)
    assert (follow.project_id, follow.delivery, follow.time_zone, follow.lang) == ("P1", Delivery.DIGEST,
                                                                                  "Europe/Paris", "fr")
    state = store.follows.project_state(ACME, "P1")
    assert state.snapshot is not None and state.snapshot["E1"].stage_id == "S1"
    assert state.since == datetime(2026, 11, 20, 10, tzinfo=UTC) and state.polls == 1
    [post] = store.follows.pending_posts(ACME, "P1")
    assert (post.key, post.payload) == ("post-1", {"text": "pending post"})
    assert store.follows.digest_events(follow.id) == [{"kind": "added"}]
    status = store.follows.poll_status(ACME)
    assert status is not None and (status.interval_seconds, status.stretched, status.projects) == (120.0, False, 1)
    # The lease the old release took (for 30 s, on its clock then) has long expired: another holder takes it, and
    # polls on, on the database's clock.
    assert store.follows.lease(ACME, "P1", "holder-2", 30)
    assert not store.follows.lease(ACME, "P1", "holder-3", 30)
    assert store.follows.save_poll(ACME, "P1", "holder-2", PollResult(state.snapshot, state.since, time.time()))
    store.close()
    again = open_blocking(url, LEGACY_KEY)  # a restart: nothing more to migrate
    assert versions(url) == list(range(1, schema.VERSION + 1))
    assert again.follows.project_state(ACME, "P1").polls == 2


def test_an_upgraded_database_has_the_schema_of_a_new_one(url: str, tmp_path: Path) -> None:
    load_dump(url, MAIN)
    open_blocking(url, LEGACY_KEY).close()
    upgraded = columns(url)
    if url.startswith("sqlite:///"):
        fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        fresh_url = url.rsplit("/", 1)[0] + f"/{url.rsplit('/', 1)[1]}_fresh"
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {fresh_url.rsplit('/', 1)[1]}")
    try:
        open_blocking(fresh_url, LEGACY_KEY).close()
        assert columns(fresh_url) == upgraded
    finally:
        if not url.startswith("sqlite:///"):
            with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {fresh_url.rsplit('/', 1)[1]} WITH (FORCE)")


def test_an_upgrade_that_fails_leaves_the_database_as_it_was(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    load_dump(url, MAIN)
    before = columns(url)
    failing = ("CREATE TABLE upgrade_probe (id TEXT PRIMARY KEY)", "ALTER TABLE no_such_table ADD COLUMN x TEXT")
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, failing])
    with pytest.raises(Exception, match="no_such_table"):
        open_blocking(url, LEGACY_KEY)
    # Not even the migrations before the failing one (10 converts PostgreSQL's moments) were kept.
    assert columns(url) == before and "upgrade_probe" not in before
    monkeypatch.undo()
    store = open_blocking(url, LEGACY_KEY)  # the release that works still starts on it
    assert store.follows.pending_posts(ACME, "P1")[0].key == "post-1"
