"""The SQLite store off the event loop: every call runs on one worker thread that owns the connection.

sqlite-utils is synchronous; a write waiting for another process's lock (SQLITE_BUSY_SECONDS) or a slow disk
would otherwise stop every request. One thread keeps SQLite's one-writer rule and the connection's thread
affinity; each call is bounded by CALL_SECONDS, queueing included, and a call that fails or does not answer in
time is a `StoreUnavailable` for the request that made it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from bot.store import limits
from bot.store.deadline import within
from bot.store.models import AddRecord, Connection, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.secrets import Cipher
from bot.store.sqlite import SqliteStore

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)


class ThreadedStore:
    def __init__(self, path: Path, cipher: Cipher) -> None:
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        # Created on the worker: the connection is only ever used there.
        self.sync: SqliteStore = self._worker.submit(SqliteStore, path, cipher).result()

    def submit(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> concurrent.futures.Future[T]:
        """`call` queued on the worker, for what must not wait for its answer (the cache's change check)."""
        return self._worker.submit(call, *args, **kwargs)

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call` on the worker thread (the connection's), bounded like every store call: for modules that keep
        their own tables in the same file (bot/store/follows_sqlite.py)."""
        return await self._call(call, *args, **kwargs)

    async def _call(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await within(limits.CALL_SECONDS,
                                loop.run_in_executor(self._worker, functools.partial(call, *args, **kwargs)))
        except TimeoutError as exc:
            raise StoreUnavailable(f"SQLite did not answer within {limits.CALL_SECONDS:g} s") from exc
        except sqlite3.OperationalError as exc:  # locked by another process, disk full, file gone
            log.warning("SQLite: %s", exc)
            raise StoreUnavailable(f"SQLite failed: {exc}") from exc

    async def get_connection(self, workspace: Workspace) -> Connection | None:
        return await self._call(self.sync.get_connection, workspace)

    async def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection:
        return await self._call(self.sync.save_connection, workspace, api_key, connected_by)

    async def delete_connection(self, workspace: Workspace) -> bool:
        return await self._call(self.sync.delete_connection, workspace)

    async def remember_project(self, workspace: Workspace, user_id: str, project_id: str, project_name: str) -> None:
        await self._call(self.sync.remember_project, workspace, user_id, project_id, project_name)

    async def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None:
        return await self._call(self.sync.last_project, workspace, user_id)

    async def record_add(self, workspace: Workspace, record: AddRecord) -> None:
        await self._call(self.sync.record_add, workspace, record)

    async def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]:
        return await self._call(self.sync.recent_adds, workspace, limit)

    async def settings(self, workspace: Workspace) -> WorkspaceSettings:
        return await self._call(self.sync.settings, workspace)

    async def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None:
        await self._call(self.sync.save_settings, workspace, settings)

    async def update_settings(self, workspace: Workspace, **changes: str | bool | None) -> WorkspaceSettings:
        return await self._call(self.sync.update_settings, workspace, **changes)

    async def save_bot(self, workspace: Workspace, data: str) -> None:
        await self._call(self.sync.save_bot, workspace, data)

    async def find_bot(self, workspace: Workspace) -> str | None:
        return await self._call(self.sync.find_bot, workspace)

    async def find_team_bot(self, team_id: str) -> str | None:
        return await self._call(self.sync.find_team_bot, team_id)

    async def delete_bot(self, workspace: Workspace) -> bool:
        return await self._call(self.sync.delete_bot, workspace)

    async def use_state(self, state: str, expires_at: float, keep: int) -> bool:
        return await self._call(self.sync.use_state, state, expires_at, keep)

    async def try_lock(self, name: str) -> bool:
        return True  # a SQLite file is served by one process, whose own locks are enough

    async def unlock(self, name: str) -> None:
        pass

    async def forget(self, workspace: Workspace) -> bool:
        return await self._call(self.sync.forget, workspace)

    async def forget_enterprise(self, enterprise_id: str) -> list[Workspace]:
        return await self._call(self.sync.forget_enterprise, enterprise_id)

    async def ping(self) -> None:
        await self._call(self.sync.ping)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._worker, self.sync.close)
        self._worker.shutdown(wait=False)
