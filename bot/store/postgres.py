"""PostgreSQL store (psycopg 3, async), for platforms whose disk is wiped at restart and for several instances.

Same behaviour as the SQLite store. The schema is created or migrated at start (a plain connection, before
serving), under an advisory lock so that instances starting together do not race. Requests then go through a
pool of async connections (`psycopg_pool`), so that a database a few milliseconds away, slow or locked never
holds up the event loop: each call is bounded (`limits.py`) and a database that does not answer in time is a
`StoreUnavailable` for that request.
"""

from __future__ import annotations

import logging
import time
import weakref
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from bot.store import limits
from bot.store.deadline import within
from bot.store.models import (
    AddRecord,
    Connection,
    StoreUnavailable,
    Workspace,
    WorkspaceSettings,
    check_settings,
)
from bot.store.pg_schema import migrate
from bot.store.secrets import Cipher

T = TypeVar("T")
log = logging.getLogger(__name__)
AConn = psycopg.AsyncConnection[Any]
NAMED_LOCKS = 7_231_002  # first key of try_lock's advisory locks (the second is the name's CRC-32)
EXPIRED_BATCH = 100  # expired states deleted per use: enough to keep up, never a long delete
# Every table keyed by workspace: what leaving a workspace deletes.
WORKSPACE_TABLES = ("leonar_connections", "slack_bots", "last_projects", "recent_adds", "workspace_settings",
                    "follows", "followed_projects", "follow_outbox", "follow_digest_events", "follow_poll_status")


class PostgresStore:
    def __init__(self, dsn: str, cipher: Cipher, *, pool_size: int = limits.POOL_SIZE) -> None:
        self._dsn = dsn
        self._cipher = cipher
        # When each connection last answered, for the idle check.
        self._used: weakref.WeakKeyDictionary[AConn, float] = weakref.WeakKeyDictionary()
        self._held: dict[str, AConn] = {}  # named locks and the connection holding each
        try:
            with psycopg.connect(dsn, autocommit=True, **limits.PG_CONNECT) as conn:
                migrate(conn)
                _check_cipher(conn, cipher)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"PostgreSQL cannot be reached: {exc}".strip()) from exc
        # Opened at the first call, in the serving event loop (an async pool belongs to one loop).
        self._pool = AsyncConnectionPool(
            # A fixed size, opened at start (app lifespan): a burst on a cold cache finds its connections ready.
            dsn, open=False, min_size=pool_size, max_size=pool_size, timeout=limits.POOL_WAIT_SECONDS,
            kwargs={"autocommit": True, **limits.PG_CONNECT, "options": limits.PG_OPTIONS},
            check=self._check, max_idle=300, reconnect_timeout=60, name="leonar-store")

    async def get_connection(self, workspace: Workspace) -> Connection | None:
        row = await self._one(
            "SELECT api_key_encrypted, connected_by, connected_at FROM leonar_connections WHERE workspace = %s",
            (workspace.key,))
        if row is None:
            return None
        return Connection(workspace, self._cipher.decrypt(row[0]), row[1], row[2])

    async def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection:
        connected_at = datetime.now(UTC).replace(microsecond=0)
        await self._exec(
            """
            INSERT INTO leonar_connections
                (workspace, enterprise_id, team_id, api_key_encrypted, connected_by, connected_at)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (workspace) DO UPDATE SET api_key_encrypted = EXCLUDED.api_key_encrypted,
                connected_by = EXCLUDED.connected_by, connected_at = EXCLUDED.connected_at
            """,
            (workspace.key, workspace.enterprise_id, workspace.team_id, self._cipher.encrypt(api_key),
             connected_by, connected_at))
        return Connection(workspace, api_key, connected_by, connected_at)

    async def delete_connection(self, workspace: Workspace) -> bool:
        return await self._exec("DELETE FROM leonar_connections WHERE workspace = %s", (workspace.key,)) > 0

    async def remember_project(self, workspace: Workspace, user_id: str, project_id: str, project_name: str) -> None:
        await self._exec(
            """INSERT INTO last_projects (workspace, user_id, project_id, project_name) VALUES (%s, %s, %s, %s)
               ON CONFLICT (workspace, user_id) DO UPDATE SET project_id = EXCLUDED.project_id,
               project_name = EXCLUDED.project_name""", (workspace.key, user_id, project_id, project_name))

    async def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None:
        row = await self._one("SELECT project_id, project_name FROM last_projects WHERE workspace = %s AND "
                              "user_id = %s", (workspace.key, user_id))
        return (row[0], row[1]) if row else None

    async def record_add(self, workspace: Workspace, record: AddRecord) -> None:
        await self._exec(
            "INSERT INTO recent_adds (workspace, user_id, contact, project, stage, at) VALUES (%s, %s, %s, %s, %s, %s)",
            (workspace.key, record.user_id, record.contact, record.project, record.stage, record.at))

    async def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]:
        rows = await self._all("SELECT user_id, contact, project, stage, at FROM recent_adds WHERE workspace = %s "
                               "ORDER BY id DESC LIMIT %s", (workspace.key, limit))
        return [AddRecord(*row) for row in rows]

    async def settings(self, workspace: Workspace) -> WorkspaceSettings:
        row = await self._one("SELECT default_channel, show_contact_details, allow_guests, leonar_slug "
                              "FROM workspace_settings WHERE workspace = %s", (workspace.key,))
        return WorkspaceSettings(row[0], bool(row[1]), bool(row[2]), row[3]) if row else WorkspaceSettings()

    async def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None:
        await self._exec(
            """INSERT INTO workspace_settings (workspace, default_channel, show_contact_details, allow_guests,
               leonar_slug) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (workspace) DO UPDATE SET default_channel = EXCLUDED.default_channel,
               show_contact_details = EXCLUDED.show_contact_details, allow_guests = EXCLUDED.allow_guests,
               leonar_slug = EXCLUDED.leonar_slug""",
            (workspace.key, settings.default_channel, settings.show_contact_details, settings.allow_guests,
             settings.leonar_slug))

    async def update_settings(self, workspace: Workspace, **changes: str | bool | None) -> WorkspaceSettings:
        check_settings(changes)
        names = list(changes)  # WorkspaceSettings' field names only: safe to put in the statement
        row = await self._one(
            f"""INSERT INTO workspace_settings (workspace, {', '.join(names)}) VALUES (%s{', %s' * len(names)})
               ON CONFLICT (workspace) DO UPDATE SET {', '.join(f'{n} = EXCLUDED.{n}' for n in names)}
               RETURNING default_channel, show_contact_details, allow_guests, leonar_slug""",
            (workspace.key, *changes.values()))
        assert row is not None
        return WorkspaceSettings(row[0], bool(row[1]), bool(row[2]), row[3])

    async def forget(self, workspace: Workspace) -> bool:
        async def delete(c: AConn) -> int:
            async with c.transaction():
                return sum([(await c.execute(f"DELETE FROM {table} WHERE workspace = %s", (workspace.key,))).rowcount
                            for table in WORKSPACE_TABLES])

        return await self.run(delete) > 0

    async def forget_enterprise(self, enterprise_id: str) -> list[Workspace]:
        # Keys are "<enterprise>:<team>": the org-wide installation and every workspace of the org.
        keys = {row[0] for table in WORKSPACE_TABLES for row in await self._all(
            f"SELECT DISTINCT workspace FROM {table} WHERE workspace LIKE %s", (f"{enterprise_id}:%",))}
        found = {Workspace(enterprise_id, None if team == "-" else team)
                 for key in keys for team in [key.split(":", 1)[1]]}
        return [w for w in found if await self.forget(w)]

    async def save_bot(self, workspace: Workspace, data: str) -> None:
        await self._exec(
            """INSERT INTO slack_bots (workspace, data_encrypted) VALUES (%s, %s)
               ON CONFLICT (workspace) DO UPDATE SET data_encrypted = EXCLUDED.data_encrypted, updated_at = now()""",
            (workspace.key, self._cipher.encrypt(data)))

    async def find_bot(self, workspace: Workspace) -> str | None:
        row = await self._one("SELECT data_encrypted FROM slack_bots WHERE workspace = %s", (workspace.key,))
        return self._cipher.decrypt(row[0]) if row else None

    async def find_team_bot(self, team_id: str) -> str | None:
        row = await self._one("SELECT data_encrypted FROM slack_bots WHERE workspace LIKE %s", (f"%:{team_id}",))
        return self._cipher.decrypt(row[0]) if row else None

    async def delete_bot(self, workspace: Workspace) -> bool:
        return await self._exec("DELETE FROM slack_bots WHERE workspace = %s", (workspace.key,)) > 0

    async def use_state(self, state: str, expires_at: float, keep: int) -> bool:
        async def use(c: AConn) -> bool:
            await c.execute("DELETE FROM slack_oauth_states WHERE state IN (SELECT state FROM slack_oauth_states "
                            "WHERE expires_at < %s LIMIT %s)", (time.time(), EXPIRED_BATCH))
            cursor = await c.execute("INSERT INTO slack_oauth_states (state, expires_at) VALUES (%s, %s) "
                                     "ON CONFLICT (state) DO NOTHING", (state, expires_at))
            inserted = cursor.rowcount > 0
            await c.execute("DELETE FROM slack_oauth_states WHERE state IN (SELECT state FROM slack_oauth_states "
                            "ORDER BY expires_at DESC OFFSET %s)", (keep,))
            return inserted

        return await self.run(use)

    async def try_lock(self, name: str) -> bool:
        # A session lock: it lives on one connection, taken out of the pool until unlock (or until the server
        # sees that connection, or the instance, die). Never a waiting pg_advisory_lock.
        if name in self._held:
            return False
        pool = await self._open()
        conn = await self._bounded(pool.getconn())
        try:
            row = await self._bounded(self._fetch(conn, "SELECT pg_try_advisory_lock(%s, %s)", _lock_key(name)))
        except BaseException:
            await pool.putconn(conn)
            raise
        if row and row[0]:
            self._held[name] = conn
            return True
        await pool.putconn(conn)
        return False

    async def unlock(self, name: str) -> None:
        conn = self._held.pop(name, None)
        if conn is None:
            return
        try:
            await self._bounded(conn.execute("SELECT pg_advisory_unlock(%s, %s)", _lock_key(name)))
        finally:
            await self._pool.putconn(conn)  # a broken one is discarded by the pool, and the lock with it

    async def ping(self) -> None:
        await self._one("SELECT 1", ())

    async def close(self) -> None:
        for conn in self._held.values():
            await conn.close()  # its locks go with it
        self._held.clear()
        await self._pool.close()

    async def _open(self) -> AsyncConnectionPool[AConn]:
        await self._pool.open()  # a no-op once open
        return self._pool

    async def _check(self, conn: AConn) -> None:
        # A connection idle for a while may have been cut (failover, a proxy's idle timeout): checked before use,
        # so the request gets a live one; a busy connection is not, to spare a round trip per query.
        if time.monotonic() - self._used.get(conn, 0.0) > limits.CHECK_IDLE_SECONDS:
            await AsyncConnectionPool.check_connection(conn)

    async def run(self, query: Callable[[AConn], Awaitable[T]]) -> T:
        """`query` on a pooled connection, bounded like every store call (bot/store/follows_postgres.py keeps its
        tables in this database too); once more, after the pool replaced its dead connections, if the server had
        dropped that one (restart, failover, idle cut)."""
        async def attempts() -> T:
            pool = await self._open()
            for attempt in (1, 2):
                async with pool.connection() as conn:
                    try:
                        result = await query(conn)
                        self._used[conn] = time.monotonic()
                        return result
                    except psycopg.OperationalError:
                        if attempt == 2 or not conn.broken:
                            raise
                # One connection dropped: the server most likely dropped them all (a restart, a failover). The
                # pool checks its idle ones and replaces the dead, then the query runs once more.
                await pool.check()
            raise AssertionError("unreachable")

        return await self._bounded(attempts())

    @staticmethod
    async def _bounded(call: Awaitable[T]) -> T:
        try:
            return await within(limits.CALL_SECONDS, call)
        except TimeoutError as exc:
            raise StoreUnavailable(f"PostgreSQL did not answer within {limits.CALL_SECONDS:g} s") from exc
        except psycopg.OperationalError as exc:  # pool timeout, statement/lock timeout, connection lost
            log.warning("PostgreSQL: %s", type(exc).__name__)  # the message may name the host
            raise StoreUnavailable(f"PostgreSQL failed: {type(exc).__name__}") from exc

    @staticmethod
    async def _fetch(conn: AConn, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return await (await conn.execute(sql, params)).fetchone()

    async def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return await self.run(lambda c: self._fetch(c, sql, params))

    async def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        async def fetch(c: AConn) -> list[tuple[Any, ...]]:
            return await (await c.execute(sql, params)).fetchall()

        return await self.run(fetch)

    async def _exec(self, sql: str, params: tuple[Any, ...]) -> int:
        async def run(c: AConn) -> int:
            return (await c.execute(sql, params)).rowcount

        return await self.run(run)


def _check_cipher(conn: psycopg.Connection[Any], cipher: Cipher) -> None:
    """Fail at start, not at the first request, when ENCRYPTION_KEY cannot read the stored keys."""
    row = conn.execute("SELECT api_key_encrypted FROM leonar_connections LIMIT 1").fetchone()
    if row is not None:
        cipher.decrypt(row[0])


def _lock_key(name: str) -> tuple[int, int]:
    return NAMED_LOCKS, _int4(zlib.crc32(name.encode()))


def _int4(value: int) -> int:
    """An unsigned 32-bit value as the signed int4 PostgreSQL's advisory lock functions take."""
    return value - (1 << 32) if value >= 1 << 31 else value
