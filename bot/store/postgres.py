"""PostgreSQL store (psycopg 3), for platforms whose disk is wiped at restart and for several instances.

Same behaviour as the SQLite store. The schema is created or migrated at start, under an advisory lock so that
instances starting together do not race.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg

from bot.store.models import AddRecord, Connection, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.secrets import Cipher

T = TypeVar("T")
SCHEMA_LOCK = 7_231_001  # pg_advisory_lock key for migrations
NAMED_LOCKS = 7_231_002  # first key of try_lock's advisory locks (the second is the name's CRC-32)
EXPIRED_BATCH = 100  # expired states deleted per use: enough to keep up, never a long delete
# Every table keyed by workspace: what leaving a workspace deletes.
WORKSPACE_TABLES = ("leonar_connections", "slack_bots", "last_projects", "recent_adds", "workspace_settings")
# Applied in order, each once; a new version appends to this list.
MIGRATIONS = [
    """
    CREATE TABLE IF NOT EXISTS leonar_connections (
        workspace TEXT PRIMARY KEY,
        enterprise_id TEXT,
        team_id TEXT,
        api_key_encrypted TEXT NOT NULL,
        connected_by TEXT NOT NULL,
        connected_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS slack_bots (
        workspace TEXT PRIMARY KEY,
        data_encrypted TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS slack_oauth_states (state TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)
    """,
    """
    CREATE TABLE IF NOT EXISTS last_projects (
        workspace TEXT NOT NULL,
        user_id TEXT NOT NULL,
        project_id TEXT NOT NULL,
        project_name TEXT NOT NULL,
        PRIMARY KEY (workspace, user_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS recent_adds (
        id BIGSERIAL PRIMARY KEY,
        workspace TEXT NOT NULL,
        user_id TEXT NOT NULL,
        contact TEXT NOT NULL,
        project TEXT NOT NULL,
        stage TEXT,
        at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX IF NOT EXISTS recent_adds_workspace ON recent_adds (workspace, id DESC);
    CREATE TABLE IF NOT EXISTS workspace_settings (
        workspace TEXT PRIMARY KEY,
        default_channel TEXT,
        show_contact_details BOOLEAN NOT NULL DEFAULT false
    )
    """,
    # OAuth states are signed now: the table keeps used ones only; the rows of issued states mean nothing.
    """
    DELETE FROM slack_oauth_states;
    CREATE INDEX IF NOT EXISTS slack_oauth_states_expiry ON slack_oauth_states (expires_at)
    """,
    "ALTER TABLE workspace_settings ADD COLUMN IF NOT EXISTS allow_guests BOOLEAN NOT NULL DEFAULT false",
    # Every committed change to what instances cache (bot/store/cached.py) NOTIFYs its workspace key, whoever the
    # writer: an instance, an older release, a script. TRUNCATE says "*" (everything).
    """
    CREATE OR REPLACE FUNCTION leonar_workspace_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('leonar_workspace', '*');
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('leonar_workspace', OLD.workspace);
        ELSE
            PERFORM pg_notify('leonar_workspace', NEW.workspace);
            IF TG_OP = 'UPDATE' THEN
                PERFORM pg_notify('leonar_workspace', OLD.workspace);
            END IF;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER leonar_connections_changed AFTER INSERT OR UPDATE OR DELETE ON leonar_connections
        FOR EACH ROW EXECUTE FUNCTION leonar_workspace_changed();
    CREATE TRIGGER slack_bots_changed AFTER INSERT OR UPDATE OR DELETE ON slack_bots
        FOR EACH ROW EXECUTE FUNCTION leonar_workspace_changed();
    CREATE TRIGGER workspace_settings_changed AFTER INSERT OR UPDATE OR DELETE ON workspace_settings
        FOR EACH ROW EXECUTE FUNCTION leonar_workspace_changed();
    CREATE TRIGGER leonar_tables_truncated AFTER TRUNCATE ON leonar_connections
        FOR EACH STATEMENT EXECUTE FUNCTION leonar_workspace_changed();
    CREATE TRIGGER slack_bots_truncated AFTER TRUNCATE ON slack_bots
        FOR EACH STATEMENT EXECUTE FUNCTION leonar_workspace_changed();
    CREATE TRIGGER workspace_settings_truncated AFTER TRUNCATE ON workspace_settings
        FOR EACH STATEMENT EXECUTE FUNCTION leonar_workspace_changed()
    """,
    "ALTER TABLE workspace_settings ADD COLUMN IF NOT EXISTS leonar_slug TEXT",
]


class PostgresStore:
    def __init__(self, dsn: str, cipher: Cipher) -> None:
        self._dsn = dsn
        self._cipher = cipher
        self._lock = threading.Lock()  # one connection, used by one query at a time
        self._conn: psycopg.Connection[Any] | None = None
        try:
            self._migrate()
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"PostgreSQL cannot be reached: {exc}".strip()) from exc

    def get_connection(self, workspace: Workspace) -> Connection | None:
        row = self._run(lambda c: c.execute(
            "SELECT api_key_encrypted, connected_by, connected_at FROM leonar_connections WHERE workspace = %s",
            (workspace.key,)).fetchone())
        if row is None:
            return None
        return Connection(workspace, self._cipher.decrypt(row[0]), row[1], row[2])

    def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection:
        connected_at = datetime.now(UTC).replace(microsecond=0)
        self._run(lambda c: c.execute(
            """
            INSERT INTO leonar_connections
                (workspace, enterprise_id, team_id, api_key_encrypted, connected_by, connected_at)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (workspace) DO UPDATE SET api_key_encrypted = EXCLUDED.api_key_encrypted,
                connected_by = EXCLUDED.connected_by, connected_at = EXCLUDED.connected_at
            """,
            (workspace.key, workspace.enterprise_id, workspace.team_id, self._cipher.encrypt(api_key),
             connected_by, connected_at)))
        return Connection(workspace, api_key, connected_by, connected_at)

    def delete_connection(self, workspace: Workspace) -> bool:
        cursor = self._run(lambda c: c.execute("DELETE FROM leonar_connections WHERE workspace = %s",
                                               (workspace.key,)))
        return cursor.rowcount > 0

    def remember_project(self, workspace: Workspace, user_id: str, project_id: str, project_name: str) -> None:
        self._run(lambda c: c.execute(
            """INSERT INTO last_projects (workspace, user_id, project_id, project_name) VALUES (%s, %s, %s, %s)
               ON CONFLICT (workspace, user_id) DO UPDATE SET project_id = EXCLUDED.project_id,
               project_name = EXCLUDED.project_name""", (workspace.key, user_id, project_id, project_name)))

    def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None:
        row = self._run(lambda c: c.execute(
            "SELECT project_id, project_name FROM last_projects WHERE workspace = %s AND user_id = %s",
            (workspace.key, user_id)).fetchone())
        return (row[0], row[1]) if row else None

    def record_add(self, workspace: Workspace, record: AddRecord) -> None:
        self._run(lambda c: c.execute(
            "INSERT INTO recent_adds (workspace, user_id, contact, project, stage, at) VALUES (%s, %s, %s, %s, %s, %s)",
            (workspace.key, record.user_id, record.contact, record.project, record.stage, record.at)))

    def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]:
        rows = self._run(lambda c: c.execute(
            "SELECT user_id, contact, project, stage, at FROM recent_adds WHERE workspace = %s ORDER BY id DESC "
            "LIMIT %s", (workspace.key, limit)).fetchall())
        return [AddRecord(*row) for row in rows]

    def settings(self, workspace: Workspace) -> WorkspaceSettings:
        row = self._run(lambda c: c.execute(
            "SELECT default_channel, show_contact_details, allow_guests, leonar_slug FROM workspace_settings "
            "WHERE workspace = %s", (workspace.key,)).fetchone())
        return WorkspaceSettings(row[0], bool(row[1]), bool(row[2]), row[3]) if row else WorkspaceSettings()

    def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None:
        self._run(lambda c: c.execute(
            """INSERT INTO workspace_settings (workspace, default_channel, show_contact_details, allow_guests,
               leonar_slug) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (workspace) DO UPDATE SET default_channel = EXCLUDED.default_channel,
               show_contact_details = EXCLUDED.show_contact_details, allow_guests = EXCLUDED.allow_guests,
               leonar_slug = EXCLUDED.leonar_slug""",
            (workspace.key, settings.default_channel, settings.show_contact_details, settings.allow_guests,
             settings.leonar_slug)))

    def forget(self, workspace: Workspace) -> bool:
        def delete(c: psycopg.Connection[Any]) -> int:
            with c.transaction():
                return sum(c.execute(f"DELETE FROM {table} WHERE workspace = %s", (workspace.key,)).rowcount
                           for table in WORKSPACE_TABLES)

        return self._run(delete) > 0

    def forget_enterprise(self, enterprise_id: str) -> list[Workspace]:
        # Keys are "<enterprise>:<team>": the org-wide installation and every workspace of the org.
        def keys(c: psycopg.Connection[Any]) -> set[str]:
            return {row[0] for table in WORKSPACE_TABLES for row in c.execute(
                f"SELECT DISTINCT workspace FROM {table} WHERE workspace LIKE %s", (f"{enterprise_id}:%",))}

        found = {Workspace(enterprise_id, None if team == "-" else team)
                 for key in self._run(keys) for team in [key.split(":", 1)[1]]}
        return [w for w in found if self.forget(w)]

    def save_bot(self, workspace: Workspace, data: str) -> None:
        self._run(lambda c: c.execute(
            """INSERT INTO slack_bots (workspace, data_encrypted) VALUES (%s, %s)
               ON CONFLICT (workspace) DO UPDATE SET data_encrypted = EXCLUDED.data_encrypted, updated_at = now()""",
            (workspace.key, self._cipher.encrypt(data))))

    def find_bot(self, workspace: Workspace) -> str | None:
        row = self._run(lambda c: c.execute("SELECT data_encrypted FROM slack_bots WHERE workspace = %s",
                                            (workspace.key,)).fetchone())
        return self._cipher.decrypt(row[0]) if row else None

    def find_team_bot(self, team_id: str) -> str | None:
        row = self._run(lambda c: c.execute("SELECT data_encrypted FROM slack_bots WHERE workspace LIKE %s",
                                            (f"%:{team_id}",)).fetchone())
        return self._cipher.decrypt(row[0]) if row else None

    def delete_bot(self, workspace: Workspace) -> bool:
        cursor = self._run(lambda c: c.execute("DELETE FROM slack_bots WHERE workspace = %s", (workspace.key,)))
        return cursor.rowcount > 0

    def use_state(self, state: str, expires_at: float, keep: int) -> bool:
        def use(c: psycopg.Connection[Any]) -> bool:
            c.execute("DELETE FROM slack_oauth_states WHERE state IN (SELECT state FROM slack_oauth_states "
                      "WHERE expires_at < %s LIMIT %s)", (time.time(), EXPIRED_BATCH))
            cursor = c.execute("INSERT INTO slack_oauth_states (state, expires_at) VALUES (%s, %s) "
                               "ON CONFLICT (state) DO NOTHING", (state, expires_at))
            c.execute("DELETE FROM slack_oauth_states WHERE state IN (SELECT state FROM slack_oauth_states "
                      "ORDER BY expires_at DESC OFFSET %s)", (keep,))
            return cursor.rowcount > 0

        return self._run(use)

    def try_lock(self, name: str) -> bool:
        # A session lock on the store's connection: released by unlock, or by the server if the connection
        # (or the instance) dies. Never a waiting pg_advisory_lock: the store is called from the event loop.
        row = self._run(lambda c: c.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                            (NAMED_LOCKS, _int4(zlib.crc32(name.encode())))).fetchone())
        return bool(row and row[0])

    def unlock(self, name: str) -> None:
        self._run(lambda c: c.execute("SELECT pg_advisory_unlock(%s, %s)",
                                      (NAMED_LOCKS, _int4(zlib.crc32(name.encode())))))

    def check_cipher(self) -> None:
        row = self._run(lambda c: c.execute("SELECT api_key_encrypted FROM leonar_connections LIMIT 1").fetchone())
        if row is not None:
            self._cipher.decrypt(row[0])

    def ping(self) -> None:
        self._run(lambda c: c.execute("SELECT 1").fetchone())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self, query: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Run `query`, reconnecting once if the server dropped the connection (restart, failover, idle cut)."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5)
                try:
                    return query(self._conn)
                except psycopg.OperationalError:
                    self._conn.close()
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def _migrate(self) -> None:
        def apply(conn: psycopg.Connection[Any]) -> None:
            conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS leonar_schema (version INTEGER NOT NULL)")
                row = conn.execute("SELECT max(version) FROM leonar_schema").fetchone()
                current = row[0] if row and row[0] is not None else 0
                for version, statement in enumerate(MIGRATIONS[current:], start=current + 1):
                    with conn.transaction():
                        conn.execute(statement)
                        conn.execute("INSERT INTO leonar_schema (version) VALUES (%s)", (version,))
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))

        self._run(apply)


def _int4(value: int) -> int:
    """An unsigned 32-bit value as the signed int4 PostgreSQL's advisory lock functions take."""
    return value - (1 << 32) if value >= 1 << 31 else value
