"""What differs between SQLite and PostgreSQL, in one place: every query is written once, with `?` placeholders,
and these few tokens; each backend's transaction passes its statements through `Dialect.sql`.

- `{now}`: the database's clock in epoch seconds (DOUBLE PRECISION), for leases and ages: instances sharing a
  PostgreSQL database agree on it whatever their own clocks say.
- `{timestamp}` (schema only): a moment shown to people — TIMESTAMPTZ, or ISO 8601 text in SQLite; `as_datetime`
  reads either back. `{serial}` (schema only): an auto-incremented integer key.
Upserts (`ON CONFLICT … DO UPDATE SET c = excluded.c`), `ON CONFLICT DO NOTHING`, `RETURNING` and window functions
are written the same in both (SQLite 3.35 or later).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Dialect:
    name: str  # "sqlite" or "postgres"
    now: str
    timestamp: str
    serial: str
    placeholder: str  # what `?` becomes

    def sql(self, text: str) -> str:
        return _render(self, text)


@functools.lru_cache(maxsize=512)
def _render(dialect: Dialect, text: str) -> str:
    # Queries are constants (dynamic ones are built from column names only): a few hundred distinct texts.
    if dialect.placeholder != "?":
        text = text.replace("%", "%%").replace("?", dialect.placeholder)  # psycopg reads % as its own
    return (text.replace("{now}", dialect.now).replace("{timestamp}", dialect.timestamp)
            .replace("{serial}", dialect.serial))


SQLITE = Dialect("sqlite", now="((julianday('now') - 2440587.5) * 86400.0)", timestamp="TEXT",
                 serial="INTEGER PRIMARY KEY", placeholder="?")
POSTGRES = Dialect("postgres", now="CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)",
                   timestamp="TIMESTAMPTZ", serial="BIGSERIAL PRIMARY KEY", placeholder="%s")


def as_moment(value: object) -> datetime:
    """A `{timestamp} NOT NULL` column as read (as_datetime's, never None)."""
    moment = as_datetime(value)
    assert moment is not None, "a NOT NULL timestamp read as NULL"
    return moment


def as_datetime(value: object) -> datetime | None:
    """A `{timestamp}` column as read: PostgreSQL gives a datetime, SQLite the ISO text it was written as."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
