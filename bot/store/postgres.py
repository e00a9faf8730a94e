"""PostgreSQL (psycopg 3), for platforms whose disk is wiped at restart and for several instances.

Requests go through a fixed-size pool of async connections (`psycopg_pool`), opened at start (the app's lifespan),
so that a database a few milliseconds away, slow or locked never holds up the event loop. Start-up work (the
schema's migrations, the cipher check) runs before serving, on a plain connection of its own.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
import zlib
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from bot.limits import Limits
from bot.store.database import Database, Observer, Params, Row, Watch, Work, drive
from bot.store.dialect import POSTGRES
from bot.store.models import StoreUnavailable
from bot.store.pg_watch import CHANNEL as WATCH_CHANNEL
from bot.store.pg_watch import PostgresWatch

T = TypeVar("T")
log = logging.getLogger(__name__)
AConn = psycopg.AsyncConnection[Any]
NAMED_LOCKS = 7_231_002  # first key of try_lock's advisory locks (the second is the name's CRC-32)
# A dead link (failover, cable) must fail within seconds, not after TCP's default minutes.
CONNECT: dict[str, Any] = {"connect_timeout": 2, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 1,
                           "keepalives_count": 3, "tcp_user_timeout": 3000, "application_name": "leonar-bot"}


class PgTx:
    def __init__(self, conn: AConn) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return (await self._conn.execute(POSTGRES.sql(sql), params)).rowcount

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        return await (await self._conn.execute(POSTGRES.sql(sql), params)).fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        return await (await self._conn.execute(POSTGRES.sql(sql), params)).fetchall()


class StartTx:
    """`Tx` over a plain synchronous connection, for the work done at start (see `drive`)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(POSTGRES.sql(sql), params).rowcount

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        return self._conn.execute(POSTGRES.sql(sql), params).fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self._conn.execute(POSTGRES.sql(sql), params).fetchall()


class PostgresDatabase(Database):
    dialect = POSTGRES
    kind = "PostgreSQL"

    def __init__(self, dsn: str, limits: Limits, observe: Observer | None = None, *, pool_size: int = 10) -> None:
        super().__init__(limits, observe)
        self.dsn = dsn
        # When each connection last answered, for the idle check.
        self._used: weakref.WeakKeyDictionary[AConn, float] = weakref.WeakKeyDictionary()
        self._held: dict[str, AConn] = {}  # named locks and the connection holding each
        # Server-side bounds within a store call: a statement or a lock wait is cut before the call gives up.
        call_ms = int(limits.store_call_seconds * 1000)
        options = (f"-c statement_timeout={call_ms * 3 // 4} -c lock_timeout={call_ms // 2} "
                   "-c idle_in_transaction_session_timeout=5000")
        # Opened at start (app lifespan), in the serving event loop (an async pool belongs to one loop), at a fixed
        # size: a burst on a cold cache finds its connections ready.
        self._pool = AsyncConnectionPool(
            dsn, open=False, min_size=pool_size, max_size=pool_size, timeout=limits.pool_wait_seconds,
            kwargs={"autocommit": True, **CONNECT, "options": options},
            check=self._check, max_idle=300, reconnect_timeout=60, name="leonar-store")

    def run_now(self, work: Work[T]) -> T:
        try:
            with psycopg.connect(self.dsn, autocommit=True, **CONNECT) as conn, conn.transaction():
                return drive(work(StartTx(conn)))
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"PostgreSQL cannot be reached: {exc}".strip()) from exc

    async def _run(self, work: Work[T], *, transaction: bool, again: bool = False) -> T:
        await self._pool.open()  # a no-op once open
        for attempt in (1, 2):
            async with self._pool.connection() as conn:
                try:
                    if transaction:
                        async with conn.transaction():
                            result = await work(PgTx(conn))
                    else:
                        result = await work(PgTx(conn))
                    self._used[conn] = time.monotonic()
                    return result
                except psycopg.OperationalError as exc:
                    if not conn.broken:
                        raise
                    dropped = exc
            # One connection dropped: the server most likely dropped them all (a restart, a failover). The pool
            # checks its idle ones and replaces the dead, for what comes next and for a read's second try.
            await self._pool.check()
            if attempt == 2 or not again:
                raise dropped
        raise AssertionError("unreachable")

    def _failure(self, error: Exception) -> str | None:
        if isinstance(error, psycopg.OperationalError):  # pool timeout, statement/lock timeout, connection lost
            log.warning("PostgreSQL: %s", type(error).__name__)  # the message may name the host
            return type(error).__name__
        return None

    async def _check(self, conn: AConn) -> None:
        # A connection idle for a while may have been cut (failover, a proxy's idle timeout): checked before use,
        # so the request gets a live one; a busy connection is not, to spare a round trip per query.
        if time.monotonic() - self._used.get(conn, 0.0) > self.limits.check_idle_seconds:
            await AsyncConnectionPool.check_connection(conn)

    async def try_lock(self, name: str) -> bool:
        # A session lock: it lives on one connection, taken out of the pool until unlock (or until the server sees
        # that connection, or the instance, die). Never a waiting pg_advisory_lock.
        if name in self._held:
            return False

        async def take() -> bool:
            await self._pool.open()
            conn = await self._pool.getconn()
            try:
                row = await (await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", _lock_key(name))).fetchone()
            except BaseException:
                await _discard(self._pool, conn)  # cut short, the lock may have been taken on it all the same
                raise
            if row and row[0]:
                self._held[name] = conn
                return True
            await self._pool.putconn(conn)
            return False

        return await self._bounded("try_lock", take())

    async def unlock(self, name: str) -> None:
        conn = self._held.pop(name, None)
        if conn is None:
            return
        try:
            await self._bounded("unlock", conn.execute("SELECT pg_advisory_unlock(%s, %s)", _lock_key(name)))
        except BaseException:
            await _discard(self._pool, conn)  # the lock goes with the connection, not back into the pool with it
            raise
        await self._pool.putconn(conn)

    def watch(self) -> Watch:
        return PostgresWatch(self.dsn, self.limits, CONNECT)

    async def announce(self, key: str) -> None:
        await self.one("announce", f"SELECT pg_notify('{WATCH_CHANNEL}', ?)", (key,))

    async def scrub(self) -> None:
        # Deleted rows stay in the table's pages until autovacuum and later writes reuse them; only VACUUM FULL
        # would rewrite the files, locking the tables meanwhile: the server's operator's call (README).
        pass

    def abandon(self) -> None:
        pass  # the pool opens in the serving loop: before it, no connection is left open

    async def close(self) -> None:
        for conn in self._held.values():
            await conn.close()  # its locks go with it
        self._held.clear()
        await self._pool.close()


async def _discard(pool: AsyncConnectionPool, conn: AsyncConnection[Any]) -> None:
    """A connection that may still hold a session lock: closed (the server lets its locks go), then given back for
    the pool to replace."""
    with contextlib.suppress(Exception):
        await conn.close()
    await pool.putconn(conn)


def _lock_key(name: str) -> tuple[int, int]:
    return NAMED_LOCKS, _int4(zlib.crc32(name.encode()))


def _int4(value: int) -> int:
    """An unsigned 32-bit value as the signed int4 PostgreSQL's advisory lock functions take."""
    return value - (1 << 32) if value >= 1 << 31 else value
