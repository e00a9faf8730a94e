"""What other instances change in PostgreSQL, heard with LISTEN on a connection of its own, in a thread.

A trigger on the cached tables (schema.py, migration 7) NOTIFYs `leonar_workspace` with the changed
workspace's key when any writer commits. PostgreSQL delivers a notification committed before a query's start
ahead of that query's result, so each heartbeat (`SELECT 1`, every HEARTBEAT_SECONDS) proves that everything
committed before it started has been heard. The cache is trusted until FRESH_SECONDS after the last proof: a
listener cut off (network, restart, failover) makes every read go to the database within that bound, and when it
is back, everything cached is dropped, since what changed meanwhile was not heard. The bounds are `Limits`'
fresh_seconds, heartbeat_seconds and listen_retry_seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from bot.limits import Limits
from bot.store.database import EVERYTHING

log = logging.getLogger(__name__)
CHANNEL = "leonar_workspace"


class PostgresWatch:
    def __init__(self, dsn: str, limits: Limits, connect: dict[str, Any]) -> None:
        self._dsn = dsn
        # Told apart from the store's pool in pg_stat_activity.
        self._connect = {**connect, "application_name": "leonar-bot-listen"}
        self._fresh = limits.fresh_seconds  # the bound: no change made elsewhere is ignored here for longer
        self._heartbeat = limits.heartbeat_seconds
        self._retry = limits.listen_retry_seconds
        self._heard_until = float("-inf")  # monotonic time before which every change has been heard
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._changed: Callable[[str], None] = lambda key: None

    def start(self, changed: Callable[[str], None]) -> None:
        self._changed = changed
        self._thread = threading.Thread(target=self._run, name="store-listen", daemon=True)
        self._thread.start()

    def trusted(self) -> bool:
        return time.monotonic() < self._heard_until + self._fresh

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._heartbeat + 2)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, **self._connect) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._changed(EVERYTHING)  # what changed while nobody listened was not heard
                    while not self._stop.is_set():
                        self._listen(conn)
            except psycopg.Error as exc:  # the message may name the host: the type is enough to act on
                self._heard_until = float("-inf")
                log.warning("cache: lost PostgreSQL notifications (%s); reading the database until they are back",
                            type(exc).__name__)
                self._stop.wait(self._retry)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        started = time.monotonic()
        conn.execute("SELECT 1")
        for notice in conn.notifies(timeout=0):  # what arrived with the heartbeat's answer
            self._changed(notice.payload)
        self._heard_until = started
        for notice in conn.notifies(timeout=self._heartbeat):
            self._changed(notice.payload)
