"""Follows of Leonar projects by Slack channels (pipeline activity, bot/activity) and the poller's own state: per
followed project its snapshot, `since`, schedule and lease; the outbox of posts; a digest's events; the App Home's
poll status; the "waiting too long" alerts made. Exactly once, and what is stored: poll_state.py."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from datetime import datetime
from typing import Any

from bot.activity.follow import Follow, StopReason
from bot.store.database import Database, Tx
from bot.store.dialect import as_datetime
from bot.store.models import Workspace
from bot.store.poll_state import (
    POSTS_KEPT_SECONDS,
    Followed,
    Outgoing,
    PollResult,
    PollStatus,
    ProjectState,
    dump_snapshot,
    follow_data,
    follow_from,
    load_snapshot,
)

FOLLOW = "id, channel_id, project_id, data, stopped"  # what `follow_from` reads
ACTIVE = ("EXISTS (SELECT 1 FROM follows f WHERE f.workspace = p.workspace AND f.project_id = p.project_id AND "
          "f.stopped IS NULL)")


class Follows:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---------------------------------------------------------------- the Slack side
    async def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        """A new follow (its `id` assigned here). The same project followed again in the same channel replaces the
        earlier follow (a changed filter or delivery), keeping what the poller knows of the project."""
        stored = dataclasses.replace(follow, id=f"F{uuid.uuid4().hex[:15]}", stopped=None)

        async def add(tx: Tx) -> None:
            old = await tx.one("SELECT id FROM follows WHERE workspace = ? AND channel_id = ? AND project_id = ?",
                               (workspace.key, follow.channel_id, follow.project_id))
            # Nobody polling the project any more: what was stored of it is stale, and the next poll seeds it again
            # silently (a follow never opens with a flood of what happened while nobody followed).
            await tx.execute("UPDATE followed_projects SET snapshot = NULL, since = NULL, polls = 0, failures = 0, "
                             "next_poll_at = 0 WHERE workspace = ? AND project_id = ? AND NOT EXISTS (SELECT 1 FROM "
                             "follows WHERE workspace = ? AND project_id = ? AND stopped IS NULL)",
                             (workspace.key, follow.project_id, workspace.key, follow.project_id))
            if old:
                await _drop(tx, old[0])
            await tx.execute("INSERT INTO follows (id, workspace, channel_id, project_id, data, created_at) VALUES "
                             "(?, ?, ?, ?, ?, ?)", (stored.id, workspace.key, stored.channel_id,
                                                    stored.project_id, follow_data(stored), _created()))
            await tx.execute("INSERT INTO followed_projects (workspace, project_id) VALUES (?, ?) "
                             "ON CONFLICT DO NOTHING", (workspace.key, stored.project_id))

        await self._db.transaction("add_follow", add)
        return stored

    async def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        """The workspace's follows, oldest first, stopped ones included; of one channel when `channel_id` is given."""
        sql, params = f"SELECT {FOLLOW} FROM follows WHERE workspace = ?", [workspace.key]
        if channel_id is not None:
            sql, params = sql + " AND channel_id = ?", [*params, channel_id]
        return [follow_from(*row) for row in await self._db.all("list_follows", sql + " ORDER BY created_at, id",
                                                                 params)]

    async def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        """The follow removed, or None when it is not (or no longer) this workspace's."""
        async def remove(tx: Tx) -> Follow | None:
            row = await tx.one(f"SELECT {FOLLOW} FROM follows WHERE id = ? AND workspace = ?",
                               (follow_id, workspace.key))
            if row is None:
                return None
            await _drop(tx, follow_id)
            await tx.execute("DELETE FROM followed_projects WHERE workspace = ? AND project_id = ? AND NOT EXISTS "
                             "(SELECT 1 FROM follows WHERE workspace = ? AND project_id = ?)",
                             (workspace.key, row[2], workspace.key, row[2]))
            return follow_from(*row)

        return await self._db.transaction("remove_follow", remove)

    async def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                           channel_id: str | None = None) -> int:
        """Stop follows for good (the App Home says why): all of the workspace's, or a project's, or a channel's."""
        sql, params = "UPDATE follows SET stopped = ? WHERE workspace = ? AND stopped IS NULL", [reason.value,
                                                                                                workspace.key]
        for column, value in (("project_id", project_id), ("channel_id", channel_id)):
            if value is not None:
                sql, params = sql + f" AND {column} = ?", [*params, value]
        return await self._db.execute("stop_follows", sql, params)

    async def poll_status(self, workspace: Workspace) -> PollStatus | None:
        """None before the first poll of the workspace's projects."""
        row = await self._db.one("poll_status", "SELECT interval_seconds, stretched, projects FROM follow_poll_status "
                                 "WHERE workspace = ?", (workspace.key,))
        return PollStatus(row[0], bool(row[1]), row[2]) if row else None

    # ---------------------------------------------------------------- the poller
    async def due_projects(self, now: float, limit: int = 100) -> list[tuple[Workspace, str]]:
        rows = await self._db.all("due_projects", f"SELECT workspace, project_id FROM followed_projects p WHERE "
                                  f"next_poll_at <= ? AND {ACTIVE} ORDER BY next_poll_at LIMIT ?", (now, limit))
        return [(Workspace.from_key(r[0]), r[1]) for r in rows]

    async def lease(self, workspace: Workspace, project_id: str, holder: str, seconds: float) -> bool:
        """Take or renew the project's lease for `seconds` (the database's clock): False when another holds it."""
        return await self._db.execute(
            "lease", "UPDATE followed_projects SET holder = ?, lease_until = {now} + ? WHERE workspace = ? AND "
            "project_id = ? AND (holder = ? OR holder IS NULL OR lease_until < {now})",
            (holder, seconds, workspace.key, project_id, holder)) > 0

    async def release(self, workspace: Workspace, project_id: str, holder: str) -> None:
        await self._db.execute("release", "UPDATE followed_projects SET lease_until = 0 WHERE workspace = ? AND "
                               "project_id = ? AND holder = ?", (workspace.key, project_id, holder))

    async def project_state(self, workspace: Workspace, project_id: str) -> ProjectState:
        row = await self._db.one("project_state", "SELECT snapshot, since, polls, failures FROM followed_projects "
                                 "WHERE workspace = ? AND project_id = ?", (workspace.key, project_id))
        if row is None:
            return ProjectState(None, None)
        return ProjectState(load_snapshot(row[0]), as_datetime(row[1]), row[2], row[3])

    async def active_follows(self, workspace: Workspace, project_id: str) -> list[Followed]:
        """The project's follows that still poll, each with its last digest and weekly report."""
        rows = await self._db.all("active_follows", f"SELECT {FOLLOW}, digest_last, weekly_last FROM follows WHERE "
                                  "workspace = ? AND project_id = ? AND stopped IS NULL ORDER BY created_at",
                                  (workspace.key, project_id))
        return [Followed(follow_from(*r[:5]), as_datetime(r[5]), None if r[6] is None else float(r[6])) for r in rows]

    async def save_poll(self, workspace: Workspace, project_id: str, holder: str, result: PollResult) -> bool:
        """The new snapshot with the posts and digest events it leads to, in one transaction; False (and nothing
        written) when the lease was lost meanwhile."""
        async def save(tx: Tx) -> bool:
            if not await _held(tx, workspace, project_id, holder):
                return False
            await tx.execute("UPDATE followed_projects SET snapshot = ?, since = ?, polls = polls + 1, failures = 0, "
                             "next_poll_at = ? WHERE workspace = ? AND project_id = ?",
                             (dump_snapshot(result.snapshot), result.since, result.next_poll_at, workspace.key,
                              project_id))
            for post in result.posts:
                await _enqueue(tx, workspace, project_id, post)
            for follow_id, key, event in result.digest_events:
                await tx.execute("INSERT INTO follow_digest_events (follow_id, key, workspace, event) VALUES "
                                 "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                 (follow_id, key, workspace.key, json.dumps(event)))
            for follow_id, entry_id, mark in result.waiting:  # alerted with its post: once per stage
                if mark is None:
                    await tx.execute("DELETE FROM follow_waiting WHERE follow_id = ? AND entry_id = ?",
                                     (follow_id, entry_id))
                    continue
                await tx.execute("INSERT INTO follow_waiting (follow_id, entry_id, workspace, mark) VALUES "
                                 "(?, ?, ?, ?) ON CONFLICT (follow_id, entry_id) DO UPDATE SET mark = excluded.mark",
                                 (follow_id, entry_id, workspace.key, mark))
            for follow_id, due in result.weekly:  # with its report in the outbox: once per Monday
                await tx.execute("UPDATE follows SET weekly_last = ? WHERE id = ?", (due, follow_id))
            await tx.execute("DELETE FROM follow_outbox WHERE state != 'pending' AND created_at < {now} - ?",
                             (POSTS_KEPT_SECONDS,))
            return True

        return await self._db.transaction("save_poll", save)

    async def postpone(self, workspace: Workspace, project_id: str, holder: str, next_poll_at: float,
                       failures: int) -> None:
        await self._db.execute("postpone", "UPDATE followed_projects SET next_poll_at = ?, failures = ? WHERE "
                               "workspace = ? AND project_id = ? AND holder = ?",
                               (next_poll_at, failures, workspace.key, project_id, holder))

    async def waiting_marks(self, follow_id: str) -> dict[str, str]:
        """Per entry id, the stage mark it was last alerted "waiting too long" for (bot/activity/waiting.py)."""
        rows = await self._db.all("waiting_marks", "SELECT entry_id, mark FROM follow_waiting WHERE follow_id = ?",
                                  (follow_id,))
        return {r[0]: r[1] for r in rows}

    async def digest_events(self, follow_id: str) -> list[dict[str, Any]]:
        rows = await self._db.all("digest_events", "SELECT event FROM follow_digest_events WHERE follow_id = ?",
                                  (follow_id,))
        return [json.loads(r[0]) for r in rows]

    async def close_digest(self, workspace: Workspace, project_id: str, holder: str, follow_id: str, due: datetime,
                           post: Outgoing | None) -> bool:
        """The digest due at `due`: its events leave, `post` (None on a quiet day) enters the outbox, `due`
        recorded. False (and nothing written) when the lease was lost meanwhile."""
        async def close(tx: Tx) -> bool:
            if not await _held(tx, workspace, project_id, holder):
                return False
            if post is not None:
                await _enqueue(tx, workspace, project_id, post)
            await tx.execute("DELETE FROM follow_digest_events WHERE follow_id = ?", (follow_id,))
            await tx.execute("UPDATE follows SET digest_last = ? WHERE id = ?", (due, follow_id))
            return True

        return await self._db.transaction("close_digest", close)

    async def pending_posts(self, workspace: Workspace, project_id: str) -> list[Outgoing]:
        rows = await self._db.all("pending_posts", "SELECT key, follow_id, channel_id, payload FROM follow_outbox "
                                  "WHERE workspace = ? AND project_id = ? AND state = 'pending' "
                                  "ORDER BY created_at, key", (workspace.key, project_id))
        return [Outgoing(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    async def posted(self, key: str, *, delivered: bool) -> None:
        await self._db.execute("posted", "UPDATE follow_outbox SET state = ?, payload = NULL WHERE key = ?",
                               ("done" if delivered else "dropped", key))

    async def save_poll_status(self, workspace: Workspace, status: PollStatus) -> None:
        await self._db.execute(
            "save_poll_status", "INSERT INTO follow_poll_status (workspace, interval_seconds, stretched, projects) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (workspace) DO UPDATE SET interval_seconds = excluded.interval_seconds, "
            "stretched = excluded.stretched, projects = excluded.projects",
            (workspace.key, status.interval_seconds, status.stretched, status.projects))

    async def count_projects(self, workspace: Workspace) -> int:
        row = await self._db.one("count_projects", f"SELECT count(*) FROM followed_projects p WHERE workspace = ? "
                                 f"AND {ACTIVE}", (workspace.key,))
        return int(row[0]) if row else 0


async def _drop(tx: Tx, follow_id: str) -> None:
    await tx.execute("DELETE FROM follows WHERE id = ?", (follow_id,))
    await tx.execute("DELETE FROM follow_digest_events WHERE follow_id = ?", (follow_id,))
    await tx.execute("DELETE FROM follow_waiting WHERE follow_id = ?", (follow_id,))
    await tx.execute("DELETE FROM follow_outbox WHERE follow_id = ? AND state = 'pending'", (follow_id,))


async def _held(tx: Tx, workspace: Workspace, project_id: str, holder: str) -> bool:
    # A write to the row: it stays locked to the end of the transaction (PostgreSQL; SQLite's transaction holds the
    # file's write lock), so a takeover waits for this transaction, then sees the new holder.
    return await tx.execute("UPDATE followed_projects SET holder = holder WHERE workspace = ? AND project_id = ? AND "
                            "holder = ? AND lease_until > {now}", (workspace.key, project_id, holder)) > 0


async def _enqueue(tx: Tx, workspace: Workspace, project_id: str, post: Outgoing) -> None:
    # A key already in the outbox is not queued again: a repeated poll posts nothing twice.
    await tx.execute("INSERT INTO follow_outbox (key, workspace, project_id, follow_id, channel_id, payload, state, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING",
                     (post.key, workspace.key, project_id, post.follow_id, post.channel_id, json.dumps(post.payload),
                      _created()))


_last_created = 0.0


def _created() -> float:
    """Now on this process's clock (epoch seconds; not the database's), strictly after whatever this process made
    before: rows made within one tick of the clock (a poll queues its posts within one) are listed in the order they
    were made, not by their random keys. Only that order and an age in days are read from it, which another
    instance's clock being a little off does not change."""
    global _last_created
    _last_created = max(time.time(), _last_created + 1e-6)
    return _last_created
