"""Follows and poll state in PostgreSQL, through the store's pool (`PostgresStore.run`), for several instances.

The lease of a followed project is a row lease (`holder`, `lease_until`) taken or renewed with one conditional
UPDATE against the database's clock (never the instances' own): an instance holds it while it keeps polling, and
another takes over once it has expired (two intervals after the holder's last renewal). Every write of a poll's
outcome checks, in the same transaction, that the writer still holds the lease (`FOR UPDATE` on the row), so an
instance that stalled past its lease cannot write over its successor's snapshot. Semantics: bot/store/follows.py,
bot/store/poll_state.py."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime
from typing import Any

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
from bot.store.postgres import AConn, PostgresStore

ACTIVE = ("EXISTS (SELECT 1 FROM follows f WHERE f.workspace = p.workspace AND f.project_id = p.project_id "
          "AND f.stopped IS NULL)")
COLUMNS = "id, channel_id, project_id, data, stopped"


class PostgresFollows:
    def __init__(self, store: PostgresStore) -> None:
        self._store = store

    async def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        async def fetch(c: AConn) -> list[tuple[Any, ...]]:
            return await (await c.execute(sql, params)).fetchall()

        return await self._store.run(fetch)

    async def _exec(self, sql: str, params: tuple[Any, ...]) -> int:
        async def run(c: AConn) -> int:
            return (await c.execute(sql, params)).rowcount

        return await self._store.run(run)

    async def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        stored = dataclasses.replace(follow, id=f"F{uuid.uuid4().hex[:15]}", stopped=None)

        async def add(c: AConn) -> None:
            async with c.transaction():
                old = await (await c.execute("SELECT id FROM follows WHERE workspace = %s AND channel_id = %s AND "
                                             "project_id = %s FOR UPDATE",
                                             (workspace.key, follow.channel_id, follow.project_id))).fetchone()
                # Nobody polling the project any more: its stored state is stale; the next poll seeds it silently.
                await c.execute("UPDATE followed_projects SET snapshot = NULL, since = NULL, polls = 0, failures = 0, "
                                "next_poll_at = 0 WHERE workspace = %s AND project_id = %s AND NOT EXISTS (SELECT 1 "
                                "FROM follows WHERE workspace = %s AND project_id = %s AND stopped IS NULL)",
                                (workspace.key, follow.project_id, workspace.key, follow.project_id))
                if old:
                    await _drop(c, old[0])
                await c.execute("INSERT INTO follows (id, workspace, channel_id, project_id, data) VALUES "
                                "(%s, %s, %s, %s, %s)", (stored.id, workspace.key, stored.channel_id,
                                                         stored.project_id, follow_data(stored)))
                await c.execute("INSERT INTO followed_projects (workspace, project_id) VALUES (%s, %s) "
                                "ON CONFLICT DO NOTHING", (workspace.key, stored.project_id))

        await self._store.run(add)
        return stored

    async def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        sql, params = f"SELECT {COLUMNS} FROM follows WHERE workspace = %s", [workspace.key]
        if channel_id is not None:
            sql, params = sql + " AND channel_id = %s", [*params, channel_id]
        return [follow_from(*row) for row in await self._rows(sql + " ORDER BY created_at, id", tuple(params))]

    async def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        async def remove(c: AConn) -> Follow | None:
            async with c.transaction():
                row = await (await c.execute(f"SELECT {COLUMNS} FROM follows WHERE id = %s AND workspace = %s",
                                             (follow_id, workspace.key))).fetchone()
                if row is None:
                    return None
                await _drop(c, follow_id)
                await c.execute("DELETE FROM followed_projects WHERE workspace = %s AND project_id = %s AND NOT "
                                "EXISTS (SELECT 1 FROM follows WHERE workspace = %s AND project_id = %s)",
                                (workspace.key, row[2], workspace.key, row[2]))
                return follow_from(*row)

        return await self._store.run(remove)

    async def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                           channel_id: str | None = None) -> int:
        sql = ("UPDATE follows SET stopped = %s WHERE workspace = %s AND stopped IS NULL "
               "AND (%s::text IS NULL OR project_id = %s) AND (%s::text IS NULL OR channel_id = %s)")
        return await self._exec(sql, (reason.value, workspace.key, project_id, project_id, channel_id, channel_id))

    async def poll_status(self, workspace: Workspace) -> PollStatus | None:
        rows = await self._rows("SELECT interval_seconds, stretched, projects FROM follow_poll_status WHERE "
                                "workspace = %s", (workspace.key,))
        return PollStatus(rows[0][0], bool(rows[0][1]), rows[0][2]) if rows else None

    async def due_projects(self, now: float, limit: int = 100) -> list[tuple[Workspace, str]]:
        rows = await self._rows(f"SELECT workspace, project_id FROM followed_projects p WHERE next_poll_at <= %s "
                                f"AND {ACTIVE} ORDER BY next_poll_at LIMIT %s", (now, limit))
        return [(workspace_of(r[0]), r[1]) for r in rows]

    async def lease(self, workspace: Workspace, project_id: str, holder: str, seconds: float) -> bool:
        return await self._exec(
            "UPDATE followed_projects SET holder = %s, lease_until = clock_timestamp() + make_interval(secs => %s) "
            "WHERE workspace = %s AND project_id = %s AND (holder = %s OR holder IS NULL OR lease_until IS NULL "
            "OR lease_until < clock_timestamp())", (holder, seconds, workspace.key, project_id, holder)) > 0

    async def release(self, workspace: Workspace, project_id: str, holder: str) -> None:
        await self._exec("UPDATE followed_projects SET lease_until = NULL WHERE workspace = %s AND project_id = %s "
                         "AND holder = %s", (workspace.key, project_id, holder))

    async def project_state(self, workspace: Workspace, project_id: str) -> ProjectState:
        rows = await self._rows("SELECT snapshot, since, polls, failures FROM followed_projects WHERE workspace = %s "
                                "AND project_id = %s", (workspace.key, project_id))
        if not rows:
            return ProjectState(None, None)
        return ProjectState(load_snapshot(rows[0][0]), rows[0][1], rows[0][2], rows[0][3])

    async def active_follows(self, workspace: Workspace, project_id: str) -> list[tuple[Follow, datetime | None]]:
        rows = await self._rows(f"SELECT {COLUMNS}, digest_last FROM follows WHERE workspace = %s AND project_id = "
                                "%s AND stopped IS NULL ORDER BY created_at", (workspace.key, project_id))
        return [(follow_from(*r[:5]), r[5]) for r in rows]

    async def save_poll(self, workspace: Workspace, project_id: str, holder: str, result: PollResult) -> bool:
        async def save(c: AConn) -> bool:
            async with c.transaction():
                if not await _held(c, workspace, project_id, holder):
                    return False
                await c.execute("UPDATE followed_projects SET snapshot = %s, since = %s, polls = polls + 1, "
                                "failures = 0, next_poll_at = %s WHERE workspace = %s AND project_id = %s",
                                (dump_snapshot(result.snapshot), result.since, result.next_poll_at, workspace.key,
                                 project_id))
                for post in result.posts:
                    await _enqueue(c, workspace, project_id, post)
                for follow_id, key, event in result.digest_events:
                    await c.execute("INSERT INTO follow_digest_events (follow_id, key, workspace, event) VALUES "
                                    "(%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                    (follow_id, key, workspace.key, json.dumps(event)))
                await c.execute("DELETE FROM follow_outbox WHERE state != 'pending' AND created_at < "
                                "clock_timestamp() - make_interval(secs => %s)", (POSTS_KEPT_SECONDS,))
                return True

        return await self._store.run(save)

    async def postpone(self, workspace: Workspace, project_id: str, holder: str, next_poll_at: float,
                       failures: int) -> None:
        await self._exec("UPDATE followed_projects SET next_poll_at = %s, failures = %s WHERE workspace = %s AND "
                         "project_id = %s AND holder = %s", (next_poll_at, failures, workspace.key, project_id,
                                                             holder))

    async def digest_events(self, follow_id: str) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in await self._rows("SELECT event FROM follow_digest_events WHERE "
                                                           "follow_id = %s", (follow_id,))]

    async def close_digest(self, workspace: Workspace, project_id: str, holder: str, follow_id: str, due: datetime,
                           post: Outgoing | None) -> bool:
        async def close(c: AConn) -> bool:
            async with c.transaction():
                if not await _held(c, workspace, project_id, holder):
                    return False
                if post is not None:
                    await _enqueue(c, workspace, project_id, post)
                await c.execute("DELETE FROM follow_digest_events WHERE follow_id = %s", (follow_id,))
                await c.execute("UPDATE follows SET digest_last = %s WHERE id = %s", (due, follow_id))
                return True

        return await self._store.run(close)

    async def pending_posts(self, workspace: Workspace, project_id: str) -> list[Outgoing]:
        rows = await self._rows("SELECT key, follow_id, channel_id, payload FROM follow_outbox WHERE workspace = %s "
                                "AND project_id = %s AND state = 'pending' ORDER BY created_at, key",
                                (workspace.key, project_id))
        return [Outgoing(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    async def posted(self, key: str, *, delivered: bool) -> None:
        await self._exec("UPDATE follow_outbox SET state = %s, payload = NULL WHERE key = %s",
                         ("done" if delivered else "dropped", key))

    async def save_poll_status(self, workspace: Workspace, status: PollStatus) -> None:
        await self._exec("INSERT INTO follow_poll_status (workspace, interval_seconds, stretched, projects) VALUES "
                         "(%s, %s, %s, %s) ON CONFLICT (workspace) DO UPDATE SET interval_seconds = "
                         "EXCLUDED.interval_seconds, stretched = EXCLUDED.stretched, projects = EXCLUDED.projects",
                         (workspace.key, status.interval_seconds, status.stretched, status.projects))

    async def count_projects(self, workspace: Workspace) -> int:
        rows = await self._rows(f"SELECT count(*) FROM followed_projects p WHERE workspace = %s AND {ACTIVE}",
                                (workspace.key,))
        return int(rows[0][0])


async def _drop(c: AConn, follow_id: str) -> None:
    await c.execute("DELETE FROM follows WHERE id = %s", (follow_id,))
    await c.execute("DELETE FROM follow_digest_events WHERE follow_id = %s", (follow_id,))
    await c.execute("DELETE FROM follow_outbox WHERE follow_id = %s AND state = 'pending'", (follow_id,))


async def _held(c: AConn, workspace: Workspace, project_id: str, holder: str) -> bool:
    # Locks the row to the end of the transaction: a takeover waits for this write, then sees the new holder.
    row = await (await c.execute("SELECT holder, lease_until > clock_timestamp() FROM followed_projects WHERE "
                                 "workspace = %s AND project_id = %s FOR UPDATE",
                                 (workspace.key, project_id))).fetchone()
    return row is not None and row[0] == holder and bool(row[1])


async def _enqueue(c: AConn, workspace: Workspace, project_id: str, post: Outgoing) -> None:
    await c.execute("INSERT INTO follow_outbox (key, workspace, project_id, follow_id, channel_id, payload, state) "
                    "VALUES (%s, %s, %s, %s, %s, %s, 'pending') ON CONFLICT (key) DO NOTHING",
                    (post.key, workspace.key, project_id, post.follow_id, post.channel_id, json.dumps(post.payload)))
