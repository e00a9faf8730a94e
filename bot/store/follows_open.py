"""`PollStore` (follows and the poller's state) on the same database and connection or pool as the store."""

from __future__ import annotations

from typing import Any

from bot.store.follows_sqlite import SqliteFollows
from bot.store.poll_state import PollStore
from bot.store.threaded import ThreadedStore


def open_follows(store: Any) -> PollStore:
    """`store` as `open_store` returned it (before the cache): a SQLite or a PostgreSQL store."""
    if isinstance(store, ThreadedStore):
        return SqliteFollows(store)
    from bot.store.follows_postgres import PostgresFollows  # psycopg is only needed with PostgreSQL
    from bot.store.postgres import PostgresStore

    if isinstance(store, PostgresStore):
        return PostgresFollows(store)
    raise TypeError(f"no follows store for {type(store).__name__}")
