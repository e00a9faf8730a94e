"""Persistence: each workspace's Leonar connection, settings, recent adds and Slack installation, and pipeline
activity's follows, in SQLite or PostgreSQL. Knows nothing of Slack or HTTP.

`open_store` gives a `Store`: the database (database.py: every call bounded, `StoreUnavailable` when it fails) and a
repository per domain, each query written once for both backends (dialect.py), the schema migrated at start
(schema.py). Reads made on every request go through an in-memory cache (cache.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.limits import Limits
from bot.store.cache import Cache
from bot.store.cards import Cards
from bot.store.database import Database, Observer
from bot.store.feedback import Feedback
from bot.store.follows import Follows
from bot.store.installations import Installations
from bot.store.jobs import Jobs
from bot.store.member_keys import MemberKeys
from bot.store.models import AddRecord, Connection, MemberKey, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.schema import migrate
from bot.store.secrets import Cipher, EncryptionKeyError, load_cipher
from bot.store.shared import Shared
from bot.store.sqlite import SqliteDatabase
from bot.store.thread_notes import ThreadNotes
from bot.store.workspaces import Workspaces, check_cipher


@dataclass(frozen=True)
class Store:
    db: Database
    cache: Cache
    workspaces: Workspaces
    installations: Installations
    follows: Follows
    jobs: Jobs
    shared: Shared  # what instances on one PostgreSQL database tell each other about Leonar
    cards: Cards  # the bot's candidate cards: which message shows which contact
    thread_notes: ThreadNotes  # card threads saved as notes: the channels opted in, the replies saved
    feedback: Feedback  # feedback requests and their answers
    member_keys: MemberKeys  # members' own Leonar keys
    # ENCRYPTION_KEY's cipher, for what the bot hands Slack to give back unchanged (a save form's sealed context).
    cipher: Cipher

    async def close(self) -> None:
        await asyncio.to_thread(self.cache.close)  # joins the watch's thread: not on the loop
        await self.db.close()


def open_store(database_url: str, encryption_key: str | None, *, limits: Limits | None = None, pool_size: int = 10,
               observe: Observer | None = None) -> Store:
    """The store DATABASE_URL names: `postgresql://…` (psycopg 3), else a SQLite file (path or sqlite:///path).
    Opening migrates the schema and checks that ENCRYPTION_KEY reads the stored keys (synchronously: at start).
    `observe` hears each call that reached the database, with its duration (the store-latency metric)."""
    limits = limits or Limits()
    db: Database
    if database_url.startswith(("postgresql://", "postgres://")):
        if not encryption_key:
            raise EncryptionKeyError(
                "with PostgreSQL, ENCRYPTION_KEY is required: every instance must decrypt the same keys, and a "
                "key file on a disk that is wiped at restart would be lost"
            )
        from bot.store.postgres import PostgresDatabase  # psycopg is only needed with PostgreSQL

        cipher = Cipher([k for k in encryption_key.split(",") if k.strip()])
        db = PostgresDatabase(database_url, limits, observe, pool_size=pool_size)
    else:
        path = sqlite_path(database_url)
        cipher = load_cipher(encryption_key, path.with_name(path.name + ".key"))
        db = SqliteDatabase(path, limits, observe)
    return _opened(db, cipher)


def _opened(db: Database, cipher: Cipher) -> Store:
    try:
        db.run_now(lambda tx: migrate(tx, db.dialect))
        db.run_now(lambda tx: check_cipher(tx, cipher))
    except BaseException:
        db.abandon()
        raise
    cache = Cache(db.watch(), entry_seconds=db.limits.cache_entry_seconds)
    return Store(db, cache, Workspaces(db, cipher, cache), Installations(db, cipher, cache), Follows(db),
                 Jobs(db, cipher), Shared(db), Cards(db), ThreadNotes(db), Feedback(db),
                 MemberKeys(db, cipher, cache), cipher)


def sqlite_path(database_url: str) -> Path:
    """The SQLite file of a DATABASE_URL: a plain path or `sqlite:///path` (`sqlite:////abs/path`)."""
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///"))
    if "://" in database_url:
        raise ValueError(f"DATABASE_URL {database_url.split('://')[0]}:// is not supported; "
                         "use sqlite:///path or postgresql://…")
    return Path(database_url)


__all__ = [
    "AddRecord",
    "Cipher",
    "Connection",
    "EncryptionKeyError",
    "MemberKey",
    "Store",
    "StoreUnavailable",
    "Workspace",
    "WorkspaceSettings",
    "open_store",
    "sqlite_path",
]
