"""Databases as older releases left them, for the upgrade tests: the schema's own history stopped at a version.

SQLite releases before the schema was versioned (up to 2026-12-07) kept no `leonar_schema` table: an older
release's SQLite file is made the same way, then that table is dropped. The release on main itself is a dump of a
database its own code made (tests/support/legacy/).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from bot.store.database import drive
from bot.store.dialect import POSTGRES, SQLITE
from bot.store.postgres import StartTx
from bot.store.schema import migrate
from bot.store.sqlite import SqliteTx

LEGACY = Path(__file__).parent / "legacy"


def older_release(url: str, version: int) -> None:
    """The empty database at `url` as the release at schema `version` left it."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None) as lite:
            drive(migrate(SqliteTx(lite), SQLITE, target=version))
            lite.execute("DROP TABLE leonar_schema")
        return
    with psycopg.connect(url, autocommit=True) as conn:
        drive(migrate(StartTx(conn), POSTGRES, target=version))


def load_dump(url: str, name: str) -> None:
    """A dump of tests/support/legacy/ (`.sqlite.sql` or `.postgres.sql`) loaded into the empty database at `url`."""
    if url.startswith("sqlite:///"):
        script = (LEGACY / f"{name}.sqlite.sql").read_text()
        with sqlite3.connect(url.removeprefix("sqlite:///")) as lite:
            lite.executescript(script)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((LEGACY / f"{name}.postgres.sql").read_text())  # type: ignore[arg-type]
