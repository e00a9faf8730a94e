"""Persistence of each workspace's Leonar connection. Knows nothing of Slack or HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bot.store import limits
from bot.store.cached import CachedStore, cached
from bot.store.models import AddRecord, Connection, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.secrets import Cipher, EncryptionKeyError, load_cipher
from bot.store.sqlite import SqliteStore
from bot.store.threaded import ThreadedStore


class Store(Protocol):
    """Every call is awaited and bounded (`limits.py`): a database that fails or is too slow raises
    `StoreUnavailable` for that call, and never holds up the event loop."""

    async def get_connection(self, workspace: Workspace) -> Connection | None: ...
    async def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection: ...
    async def delete_connection(self, workspace: Workspace) -> bool: ...
    # Each user's last project, preselected in their next add.
    async def remember_project(self, workspace: Workspace, user_id: str, project_id: str,
                               project_name: str) -> None: ...
    async def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None: ...
    # The App Home: recent adds, and the settings admins choose there.
    async def record_add(self, workspace: Workspace, record: AddRecord) -> None: ...
    async def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]: ...
    async def settings(self, workspace: Workspace) -> WorkspaceSettings: ...
    async def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None: ...
    # Only the settings named change (a read-modify-write in the database): two admins changing two settings at
    # once both keep theirs. Returns the settings after the change.
    async def update_settings(self, workspace: Workspace, **changes: str | bool | None) -> WorkspaceSettings: ...
    # Slack installations (multi-workspace mode): the bot's data as JSON, encrypted (it holds tokens).
    async def save_bot(self, workspace: Workspace, data: str) -> None: ...
    async def find_bot(self, workspace: Workspace) -> str | None: ...
    # The installation of a workspace, whatever org a payload pairs it with (Slack Connect: the acting person's).
    async def find_team_bot(self, team_id: str) -> str | None: ...
    async def delete_bot(self, workspace: Workspace) -> bool: ...
    # OAuth states are signed, not stored; a used one is kept until it expires so that it works once: False if
    # it already was used. At most `keep` are kept (the oldest go first); expired ones go a batch per call.
    async def use_state(self, state: str, expires_at: float, keep: int) -> bool: ...
    # One holder of `name` at a time across the instances sharing the database (PostgreSQL advisory lock).
    async def try_lock(self, name: str) -> bool: ...
    async def unlock(self, name: str) -> None: ...
    # Leaving: everything kept about a workspace (key, installation, settings, recent adds, last projects), or about
    # every workspace of an org-wide install's enterprise. Returns the workspaces that had anything.
    async def forget(self, workspace: Workspace) -> bool: ...
    async def forget_enterprise(self, enterprise_id: str) -> list[Workspace]: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


def open_store(database_url: str, encryption_key: str | None, *, pool_size: int = limits.POOL_SIZE) -> Store:
    """The store DATABASE_URL names: `postgresql://…` (psycopg 3), else a SQLite file (path or sqlite:///path).
    Opening migrates the schema and checks that ENCRYPTION_KEY reads the stored keys (synchronously: at start)."""
    if database_url.startswith(("postgresql://", "postgres://")):
        if not encryption_key:
            raise EncryptionKeyError(
                "with PostgreSQL, ENCRYPTION_KEY is required: every instance must decrypt the same keys, and a "
                "key file on a disk that is wiped at restart would be lost"
            )
        from bot.store.postgres import PostgresStore  # psycopg is only needed with PostgreSQL

        cipher = Cipher([k for k in encryption_key.split(",") if k.strip()])
        return PostgresStore(database_url, cipher, pool_size=pool_size)
    return open_sqlite(sqlite_path(database_url), encryption_key)


def sqlite_path(database_url: str) -> Path:
    """The SQLite file of a DATABASE_URL: a plain path or `sqlite:///path` (`sqlite:////abs/path`)."""
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///"))
    if "://" in database_url:
        raise ValueError(f"DATABASE_URL {database_url.split('://')[0]}:// is not supported; "
                         "use sqlite:///path or postgresql://…")
    return Path(database_url)


def open_sqlite(path: Path, encryption_key: str | None) -> ThreadedStore:
    """The SQLite store at `path`; without ENCRYPTION_KEY its cipher key lives beside it in `<path>.key`."""
    cipher = load_cipher(encryption_key, path.with_name(path.name + ".key"))
    store = ThreadedStore(path, cipher)
    store.submit(store.sync.check_cipher).result()
    return store


__all__ = [
    "AddRecord",
    "CachedStore",
    "Cipher",
    "Connection",
    "EncryptionKeyError",
    "SqliteStore",
    "Store",
    "StoreUnavailable",
    "ThreadedStore",
    "Workspace",
    "WorkspaceSettings",
    "cached",
    "open_sqlite",
    "open_store",
    "sqlite_path",
]
