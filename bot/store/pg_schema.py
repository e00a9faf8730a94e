"""PostgreSQL's schema: created or migrated at start, under an advisory lock so that instances starting together
do not race. Each migration is applied once, in order; a new version appends to MIGRATIONS (never edits one).
"""

from __future__ import annotations

from typing import Any

import psycopg

SCHEMA_LOCK = 7_231_001  # pg_advisory_lock key for migrations
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
    # Pipeline activity (bot/store/follows_postgres.py): follows, each followed project's snapshot, schedule and
    # lease (one instance polls a project at a time), the outbox of posts, a digest's events, the App Home status.
    """
    CREATE TABLE IF NOT EXISTS follows (id TEXT PRIMARY KEY, workspace TEXT NOT NULL, channel_id TEXT NOT NULL,
        project_id TEXT NOT NULL, data TEXT NOT NULL, stopped TEXT, digest_last TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), UNIQUE (workspace, channel_id, project_id));
    CREATE TABLE IF NOT EXISTS followed_projects (workspace TEXT NOT NULL, project_id TEXT NOT NULL, snapshot TEXT,
        since TIMESTAMPTZ, polls INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
        next_poll_at DOUBLE PRECISION NOT NULL DEFAULT 0, holder TEXT, lease_until TIMESTAMPTZ,
        PRIMARY KEY (workspace, project_id));
    CREATE TABLE IF NOT EXISTS follow_outbox (key TEXT PRIMARY KEY, workspace TEXT NOT NULL,
        project_id TEXT NOT NULL, follow_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT,
        state TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
    CREATE INDEX IF NOT EXISTS follow_outbox_pending ON follow_outbox (workspace, project_id, state);
    CREATE TABLE IF NOT EXISTS follow_digest_events (follow_id TEXT NOT NULL, key TEXT NOT NULL,
        workspace TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (follow_id, key));
    CREATE TABLE IF NOT EXISTS follow_poll_status (workspace TEXT PRIMARY KEY,
        interval_seconds DOUBLE PRECISION NOT NULL, stretched BOOLEAN NOT NULL, projects INTEGER NOT NULL)
    """,
]


def migrate(conn: psycopg.Connection[Any]) -> None:
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
