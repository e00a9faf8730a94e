"""Follows and poll state in the SQLite file (one process): `SqliteFollows` runs each call on the SQLite store's
worker thread (`ThreadedStore.run`), on its connection. Semantics: bot/store/follows.py, bot/store/poll_state.py."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from bot.activity.follow import Follow, StopReason
from bot.store.follows import PollStatus
from bot.store.models import Workspace
from bot.store.poll_state import (
    POSTS_KEPT_SECONDS,
    Outgoing,
    PollResult,
    ProjectState,
    dump_snapshot,
    follow_data,
    follow_from,
    load_snapshot,
    workspace_of,
)

if TYPE_CHECKING:
    from bot.store.threaded import ThreadedStore

FOLLOWS, PROJECTS, OUTBOX, DIGESTS, STATUS = ("follows", "followed_projects", "follow_outbox", "follow_digest_events",
                                             "follow_poll_status")
WORKSPACE_TABLES = (FOLLOWS, PROJECTS, OUTBOX, DIGESTS, STATUS)  # what forgetting a workspace deletes
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {FOLLOWS} (id TEXT PRIMARY KEY, workspace TEXT NOT NULL, channel_id TEXT NOT NULL,
    project_id TEXT NOT NULL, data TEXT NOT NULL, stopped TEXT, digest_last TEXT, created_at REAL NOT NULL,
    UNIQUE (workspace, channel_id, project_id));
CREATE TABLE IF NOT EXISTS {PROJECTS} (workspace TEXT NOT NULL, project_id TEXT NOT NULL, snapshot TEXT,
    since TEXT, polls INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    next_poll_at REAL NOT NULL DEFAULT 0, holder TEXT, lease_until REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, project_id));
CREATE TABLE IF NOT EXISTS {OUTBOX} (key TEXT PRIMARY KEY, workspace TEXT NOT NULL, project_id TEXT NOT NULL,
    follow_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT, state TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS {OUTBOX}_pending ON {OUTBOX} (workspace, project_id, state);
CREATE TABLE IF NOT EXISTS {DIGESTS} (follow_id TEXT NOT NULL, key TEXT NOT NULL, workspace TEXT NOT NULL,
    event TEXT NOT NULL, PRIMARY KEY (follow_id, key));
CREATE TABLE IF NOT EXISTS {STATUS} (workspace TEXT PRIMARY KEY, interval_seconds REAL NOT NULL,
    stretched INTEGER NOT NULL, projects INTEGER NOT NULL);
"""
RESEED = "snapshot = NULL, since = NULL, polls = 0, failures = 0, next_poll_at = 0"
ACTIVE = f"EXISTS (SELECT 1 FROM {FOLLOWS} f WHERE f.workspace = p.workspace AND f.project_id = p.project_id " \
         "AND f.stopped IS NULL)"


def create(db: sqlite_utils.Database) -> None:
    db.conn.executescript(SCHEMA)


class SyncFollows:
    """Called on the store's worker thread only."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        stored = dataclasses.replace(follow, id=f"F{uuid.uuid4().hex[:15]}", stopped=None)
        with self._db.atomic():
            old = self._db.execute(f"SELECT id FROM {FOLLOWS} WHERE workspace = ? AND channel_id = ? AND "
                                   "project_id = ?", [workspace.key, follow.channel_id, follow.project_id]).fetchone()
            # Nobody polling the project any more: what was stored of it is stale, and the next poll seeds it again
            # silently (a follow never opens with a flood of what happened while nobody followed).
            self._db.execute(f"UPDATE {PROJECTS} SET {RESEED} WHERE workspace = ? AND project_id = ? AND NOT EXISTS "
                             f"(SELECT 1 FROM {FOLLOWS} WHERE workspace = ? AND project_id = ? AND stopped IS NULL)",
                             [workspace.key, follow.project_id, workspace.key, follow.project_id])
            if old:
                self._drop(old[0])
            self._db.execute(f"INSERT INTO {FOLLOWS} (id, workspace, channel_id, project_id, data, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", [stored.id, workspace.key, stored.channel_id,
                                                           stored.project_id, follow_data(stored), time.time()])
            self._db.execute(f"INSERT OR IGNORE INTO {PROJECTS} (workspace, project_id) VALUES (?, ?)",
                             [workspace.key, stored.project_id])
        return stored

    def _drop(self, follow_id: str) -> None:
        self._db.execute(f"DELETE FROM {FOLLOWS} WHERE id = ?", [follow_id])
        self._db.execute(f"DELETE FROM {DIGESTS} WHERE follow_id = ?", [follow_id])
        self._db.execute(f"DELETE FROM {OUTBOX} WHERE follow_id = ? AND state = 'pending'", [follow_id])

    def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        sql, args = f"SELECT id, channel_id, project_id, data, stopped FROM {FOLLOWS} WHERE workspace = ?", \
            [workspace.key]
        if channel_id is not None:
            sql, args = sql + " AND channel_id = ?", [*args, channel_id]
        return [follow_from(*row) for row in self._db.execute(sql + " ORDER BY created_at, id", args).fetchall()]

    def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        with self._db.atomic():
            row = self._db.execute(f"SELECT id, channel_id, project_id, data, stopped FROM {FOLLOWS} WHERE id = ? "
                                   "AND workspace = ?", [follow_id, workspace.key]).fetchone()
            if row is None:
                return None
            self._drop(follow_id)
            self._db.execute(f"DELETE FROM {PROJECTS} WHERE workspace = ? AND project_id = ? AND NOT EXISTS "
                             f"(SELECT 1 FROM {FOLLOWS} WHERE workspace = ? AND project_id = ?)",
                             [workspace.key, row[2], workspace.key, row[2]])
        return follow_from(*row)

    def stop_follows(self, workspace: Workspace, reason: StopReason, project_id: str | None = None,
                     channel_id: str | None = None) -> int:
        sql, args = f"UPDATE {FOLLOWS} SET stopped = ? WHERE workspace = ? AND stopped IS NULL", \
            [reason.value, workspace.key]
        for column, value in (("project_id", project_id), ("channel_id", channel_id)):
            if value is not None:
                sql, args = sql + f" AND {column} = ?", [*args, value]
        with self._db.atomic():
            return self._db.execute(sql, args).rowcount

    def poll_status(self, workspace: Workspace) -> PollStatus | None:
        row = self._db.execute(f"SELECT interval_seconds, stretched, projects FROM {STATUS} WHERE workspace = ?",
                               [workspace.key]).fetchone()
        return PollStatus(row[0], bool(row[1]), row[2]) if row else None

    def due_projects(self, now: float, limit: int) -> list[tuple[Workspace, str]]:
        rows = self._db.execute(f"SELECT workspace, project_id FROM {PROJECTS} p WHERE next_poll_at <= ? AND "
                                f"{ACTIVE} ORDER BY next_poll_at LIMIT ?", [now, limit]).fetchall()
        return [(workspace_of(r[0]), r[1]) for r in rows]

    def lease(self, workspace: Workspace, project_id: str, holder: str, seconds: float) -> bool:
        now = time.time()
        with self._db.atomic():
            return self._db.execute(f"UPDATE {PROJECTS} SET holder = ?, lease_until = ? WHERE workspace = ? AND "
                                    "project_id = ? AND (holder = ? OR holder IS NULL OR lease_until < ?)",
                                    [holder, now + seconds, workspace.key, project_id, holder, now]).rowcount > 0

    def release(self, workspace: Workspace, project_id: str, holder: str) -> None:
        with self._db.atomic():
            self._db.execute(f"UPDATE {PROJECTS} SET lease_until = 0 WHERE workspace = ? AND project_id = ? AND "
                             "holder = ?", [workspace.key, project_id, holder])

    def project_state(self, workspace: Workspace, project_id: str) -> ProjectState:
        row = self._db.execute(f"SELECT snapshot, since, polls, failures FROM {PROJECTS} WHERE workspace = ? AND "
                               "project_id = ?", [workspace.key, project_id]).fetchone()
        if row is None:
            return ProjectState(None, None)
        return ProjectState(load_snapshot(row[0]), datetime.fromisoformat(row[1]) if row[1] else None, row[2], row[3])

    def active_follows(self, workspace: Workspace, project_id: str) -> list[tuple[Follow, datetime | None]]:
        rows = self._db.execute(f"SELECT id, channel_id, project_id, data, stopped, digest_last FROM {FOLLOWS} "
                                "WHERE workspace = ? AND project_id = ? AND stopped IS NULL ORDER BY created_at",
                                [workspace.key, project_id]).fetchall()
        return [(follow_from(*r[:5]), datetime.fromisoformat(r[5]) if r[5] else None) for r in rows]

    def _held(self, workspace: Workspace, project_id: str, holder: str) -> bool:
        row = self._db.execute(f"SELECT holder, lease_until FROM {PROJECTS} WHERE workspace = ? AND project_id = ?",
                               [workspace.key, project_id]).fetchone()
        return row is not None and row[0] == holder and row[1] > time.time()

    def _enqueue(self, workspace: Workspace, project_id: str, post: Outgoing) -> None:
        self._db.execute(f"INSERT OR IGNORE INTO {OUTBOX} (key, workspace, project_id, follow_id, channel_id, "
                         "payload, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                         [post.key, workspace.key, project_id, post.follow_id, post.channel_id,
                          json.dumps(post.payload), time.time()])

    def save_poll(self, workspace: Workspace, project_id: str, holder: str, result: PollResult) -> bool:
        with self._db.atomic():
            if not self._held(workspace, project_id, holder):
                return False
            self._db.execute(f"UPDATE {PROJECTS} SET snapshot = ?, since = ?, polls = polls + 1, failures = 0, "
                             "next_poll_at = ? WHERE workspace = ? AND project_id = ?",
                             [dump_snapshot(result.snapshot), result.since.isoformat() if result.since else None,
                              result.next_poll_at, workspace.key, project_id])
            for post in result.posts:
                self._enqueue(workspace, project_id, post)
            for follow_id, key, event in result.digest_events:
                self._db.execute(f"INSERT OR IGNORE INTO {DIGESTS} (follow_id, key, workspace, event) VALUES "
                                 "(?, ?, ?, ?)", [follow_id, key, workspace.key, json.dumps(event)])
            self._db.execute(f"DELETE FROM {OUTBOX} WHERE state != 'pending' AND created_at < ?",
                             [time.time() - POSTS_KEPT_SECONDS])
        return True

    def postpone(self, workspace: Workspace, project_id: str, holder: str, next_poll_at: float, failures: int) -> None:
        with self._db.atomic():
            self._db.execute(f"UPDATE {PROJECTS} SET next_poll_at = ?, failures = ? WHERE workspace = ? AND "
                             "project_id = ? AND holder = ?", [next_poll_at, failures, workspace.key, project_id,
                                                              holder])

    def digest_events(self, follow_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(f"SELECT event FROM {DIGESTS} WHERE follow_id = ?", [follow_id]).fetchall()
        return [json.loads(r[0]) for r in rows]

    def close_digest(self, workspace: Workspace, project_id: str, holder: str, follow_id: str, due: datetime,
                     post: Outgoing | None) -> bool:
        with self._db.atomic():
            if not self._held(workspace, project_id, holder):
                return False
            if post is not None:
                self._enqueue(workspace, project_id, post)
            self._db.execute(f"DELETE FROM {DIGESTS} WHERE follow_id = ?", [follow_id])
            self._db.execute(f"UPDATE {FOLLOWS} SET digest_last = ? WHERE id = ?", [due.isoformat(), follow_id])
        return True

    def pending_posts(self, workspace: Workspace, project_id: str) -> list[Outgoing]:
        rows = self._db.execute(f"SELECT key, follow_id, channel_id, payload FROM {OUTBOX} WHERE workspace = ? AND "
                                "project_id = ? AND state = 'pending' ORDER BY created_at, key",
                                [workspace.key, project_id]).fetchall()
        return [Outgoing(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def posted(self, key: str, delivered: bool) -> None:
        with self._db.atomic():
            self._db.execute(f"UPDATE {OUTBOX} SET state = ?, payload = NULL WHERE key = ?",
                             ["done" if delivered else "dropped", key])

    def save_poll_status(self, workspace: Workspace, status: PollStatus) -> None:
        with self._db.atomic():
            self._db.execute(f"INSERT OR REPLACE INTO {STATUS} (workspace, interval_seconds, stretched, projects) "
                             "VALUES (?, ?, ?, ?)", [workspace.key, status.interval_seconds, int(status.stretched),
                                                     status.projects])

    def count_projects(self, workspace: Workspace) -> int:
        row = self._db.execute(f"SELECT count(*) FROM {PROJECTS} p WHERE workspace = ? AND {ACTIVE}",
                               [workspace.key]).fetchone()
        return int(row[0])


class SqliteFollows:
    """`PollStore` over the SQLite store's worker thread: the same connection, so `forget` covers these tables."""

    def __init__(self, store: ThreadedStore) -> None:
        self._store = store
        self._sync = store.sync.follows

    async def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        return await self._store.run(self._sync.add_follow, workspace, follow)

    async def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        return await self._store.run(self._sync.list_follows, workspace, channel_id=channel_id)

    async def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        return await self._store.run(self._sync.remove_follow, workspace, follow_id)

    async def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                           channel_id: str | None = None) -> int:
        return await self._store.run(self._sync.stop_follows, workspace, reason, project_id, channel_id)

    async def poll_status(self, workspace: Workspace) -> PollStatus | None:
        return await self._store.run(self._sync.poll_status, workspace)

    async def due_projects(self, now: float, limit: int = 100) -> list[tuple[Workspace, str]]:
        return await self._store.run(self._sync.due_projects, now, limit)

    async def lease(self, workspace: Workspace, project_id: str, holder: str, seconds: float) -> bool:
        return await self._store.run(self._sync.lease, workspace, project_id, holder, seconds)

    async def release(self, workspace: Workspace, project_id: str, holder: str) -> None:
        await self._store.run(self._sync.release, workspace, project_id, holder)

    async def project_state(self, workspace: Workspace, project_id: str) -> ProjectState:
        return await self._store.run(self._sync.project_state, workspace, project_id)

    async def active_follows(self, workspace: Workspace, project_id: str) -> list[tuple[Follow, datetime | None]]:
        return await self._store.run(self._sync.active_follows, workspace, project_id)

    async def save_poll(self, workspace: Workspace, project_id: str, holder: str, result: PollResult) -> bool:
        return await self._store.run(self._sync.save_poll, workspace, project_id, holder, result)

    async def postpone(self, workspace: Workspace, project_id: str, holder: str, next_poll_at: float,
                       failures: int) -> None:
        await self._store.run(self._sync.postpone, workspace, project_id, holder, next_poll_at, failures)

    async def digest_events(self, follow_id: str) -> list[dict[str, Any]]:
        return await self._store.run(self._sync.digest_events, follow_id)

    async def close_digest(self, workspace: Workspace, project_id: str, holder: str, follow_id: str, due: datetime,
                           post: Outgoing | None) -> bool:
        return await self._store.run(self._sync.close_digest, workspace, project_id, holder, follow_id, due, post)

    async def pending_posts(self, workspace: Workspace, project_id: str) -> list[Outgoing]:
        return await self._store.run(self._sync.pending_posts, workspace, project_id)

    async def posted(self, key: str, *, delivered: bool) -> None:
        await self._store.run(self._sync.posted, key, delivered)

    async def save_poll_status(self, workspace: Workspace, status: PollStatus) -> None:
        await self._store.run(self._sync.save_poll_status, workspace, status)

    async def count_projects(self, workspace: Workspace) -> int:
        return await self._store.run(self._sync.count_projects, workspace)
