"""SQLite (the standard library's sqlite3), for one bot process: every call runs on one worker thread that owns the
connection, so a write waiting for another process's lock or a slow disk never stops the event loop, and SQLite's
one-writer rule and the connection's thread affinity hold by construction.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.limits import Limits
from bot.store.database import EVERYTHING, Database, Observer, Params, Row, Tx, Watch, Work, drive
from bot.store.dialect import SQLITE

T = TypeVar("T")
log = logging.getLogger(__name__)


class SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(SQLITE.sql(sql), _adapted(params)).rowcount

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self._conn.execute(SQLITE.sql(sql), _adapted(params)).fetchone()
        return row

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self._conn.execute(SQLITE.sql(sql), _adapted(params)).fetchall()


def _adapted(params: Params) -> list[Any]:
    # A `{timestamp}` is ISO 8601 text here (sqlite3's own datetime adapter is deprecated and drops the "T").
    return [p.isoformat() if isinstance(p, datetime) else p for p in params]


class SqliteDatabase(Database):
    dialect = SQLITE
    kind = "SQLite"

    def __init__(self, path: Path, limits: Limits, observe: Observer | None = None) -> None:
        super().__init__(limits, observe)
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._conn: sqlite3.Connection = self._worker.submit(_connect, path, limits.sqlite_busy_seconds).result()

    def submit(self, call: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """`call` queued on the worker, for what must not wait for its answer (the cache's change check)."""
        return self._worker.submit(call, *args)

    def run_now(self, work: Work[T]) -> T:
        return self._worker.submit(self._transact, work, True).result()

    async def _run(self, work: Work[T], *, transaction: bool, again: bool = False) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._worker, self._transact, work, transaction)

    def _transact(self, work: Work[T], transaction: bool) -> T:
        tx = SqliteTx(self._conn)
        if not transaction:
            return drive(work(tx))
        # IMMEDIATE: the write lock from the start, so that two processes never both read then fail to upgrade.
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = drive(work(tx))
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:  # some errors (a full disk) have rolled it back already
                self._conn.execute("ROLLBACK")
            raise
        return result

    def _failure(self, error: Exception) -> str | None:
        if isinstance(error, sqlite3.OperationalError):  # locked by another process, disk full, file gone
            log.warning("SQLite: %s", error)
            return str(error)
        return None

    async def try_lock(self, name: str) -> bool:
        return True  # a SQLite file is served by one process, whose own asyncio locks are enough

    async def unlock(self, name: str) -> None:
        pass

    async def scrub(self) -> None:
        """After a workspace is forgotten: the WAL, which still holds the pages as they were before, is written
        into the file (zeroed where rows were deleted) and truncated."""
        await self._bounded("scrub", self._run(_checkpoint, transaction=False))

    def data_version(self) -> int:
        """Moves when another connection commits to the file: a read of shared memory (on the worker only)."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def watch(self) -> Watch:
        return SqliteWatch(self)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._worker, self._conn.close)
        self._worker.shutdown(wait=False)

    def abandon(self) -> None:
        self._worker.submit(self._conn.close).result()
        self._worker.shutdown(wait=False)


async def _checkpoint(tx: Tx) -> None:
    await tx.one("PRAGMA wal_checkpoint(TRUNCATE)")


def _connect(path: Path, busy_seconds: float) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    _owner_only(path)
    # Autocommit, with explicit BEGIN IMMEDIATE … COMMIT around transactions (sqlite3's implicit transactions
    # would commit DDL behind a migration's back). A write finding the file locked waits `busy_seconds`, then fails.
    conn = sqlite3.connect(path, timeout=busy_seconds, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    # Deleted rows are overwritten with zeros, not left in free space: a departed workspace's key, ids and names
    # leave the file (with `scrub`, the WAL too).
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def _owner_only(path: Path) -> None:
    """The database (every workspace's encrypted key, who added whom) readable and writable by its owner only.

    SQLite gives its -wal and -shm files the database file's mode, so the database is created 0600 before SQLite
    opens it (or brought back to 0600, as are WAL files an older version left readable to all).
    """
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if file.exists():
            file.chmod(0o600)


class SqliteWatch:
    """`PRAGMA data_version` moves when another connection commits (a script, a second process): then everything is
    read again. Read on the worker thread every `heartbeat_seconds`, idle or not, so a request never waits for it and
    the cache is trusted from a burst's first request; entries are served only while a check started within
    `fresh_seconds` has answered."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._fresh = db.limits.fresh_seconds
        self._heartbeat = db.limits.heartbeat_seconds
        self._seen = db.submit(db.data_version).result()
        self._heard_until = time.monotonic()  # monotonic time before which every commit has been seen
        self._checking = False
        self._stop = threading.Event()
        self._changed: Callable[[str], None] = lambda key: None

    def start(self, changed: Callable[[str], None]) -> None:
        self._changed = changed
        threading.Thread(target=self._beat, name="sqlite-watch", daemon=True).start()

    def trusted(self) -> bool:
        return time.monotonic() < self._heard_until + self._fresh

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat):
            if not self._checking:  # a check still queued behind a slow call is enough
                self._checking = True
                try:
                    self._db.submit(self._check, time.monotonic())
                except RuntimeError:  # the database closed its worker
                    return

    def _check(self, started: float) -> None:
        try:
            version = self._db.data_version()
            if version != self._seen:
                self._seen = version
                self._changed(EVERYTHING)
            self._heard_until = started
        finally:
            self._checking = False

    def close(self) -> None:
        self._stop.set()
