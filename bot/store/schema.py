"""The schema, defined once for both backends as its history: MIGRATIONS, applied in order, each once, recorded in
`leonar_schema`. A change appends a migration (never edits one); a statement that only one backend needs says so
(`postgres(…)`, `sqlite(…)`), the rest are written once with the dialect's tokens (dialect.py).

`migrate` runs at start, before serving: every pending migration in ONE transaction (DDL is transactional on both),
so an upgrade that fails leaves the database as it was, and the bot refuses to start saying why. On PostgreSQL an
advisory lock held to the commit makes instances starting together take turns; on SQLite the transaction's write
lock does. A SQLite file made before the schema was versioned (releases up to 2026-12-07) is dated by what it holds
(`_unversioned_sqlite`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.database import Tx
from bot.store.dialect import Dialect

SCHEMA_LOCK = 7_231_001  # pg_advisory_xact_lock key


@dataclass(frozen=True)
class Only:
    dialect: str
    sql: str


def postgres(sql: str) -> Only:
    return Only("postgres", sql)


def sqlite(sql: str) -> Only:
    return Only("sqlite", sql)


Statement = str | Only

MIGRATIONS: list[tuple[Statement, ...]] = [
    # 1. Each workspace's Leonar key (Fernet-encrypted).
    ("""CREATE TABLE IF NOT EXISTS leonar_connections (workspace TEXT PRIMARY KEY, enterprise_id TEXT, team_id TEXT,
        api_key_encrypted TEXT NOT NULL, connected_by TEXT NOT NULL, connected_at {timestamp} NOT NULL)""",),
    # 2. Slack installations (OAuth; encrypted, they hold tokens), and used OAuth states.
    ("""CREATE TABLE IF NOT EXISTS slack_bots (workspace TEXT PRIMARY KEY, data_encrypted TEXT NOT NULL,
        updated_at {timestamp})""",
     "CREATE TABLE IF NOT EXISTS slack_oauth_states (state TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)"),
    # 3. Each user's last project, preselected in their next add.
    ("""CREATE TABLE IF NOT EXISTS last_projects (workspace TEXT NOT NULL, user_id TEXT NOT NULL,
        project_id TEXT NOT NULL, project_name TEXT NOT NULL, PRIMARY KEY (workspace, user_id))""",),
    # 4. The App Home: recent adds, and the settings admins choose there.
    ("""CREATE TABLE IF NOT EXISTS recent_adds (id {serial}, workspace TEXT NOT NULL, user_id TEXT NOT NULL,
        contact TEXT NOT NULL, project TEXT NOT NULL, stage TEXT, at {timestamp} NOT NULL)""",
     "CREATE INDEX IF NOT EXISTS recent_adds_workspace ON recent_adds (workspace, id DESC)",
     """CREATE TABLE IF NOT EXISTS workspace_settings (workspace TEXT PRIMARY KEY, default_channel TEXT,
        show_contact_details BOOLEAN NOT NULL DEFAULT false)"""),
    # 5. OAuth states are signed now: the table keeps used ones only; the rows of issued states mean nothing.
    ("DELETE FROM slack_oauth_states",
     "CREATE INDEX IF NOT EXISTS slack_oauth_states_expiry ON slack_oauth_states (expires_at)"),
    # 6.
    ("ALTER TABLE workspace_settings ADD COLUMN allow_guests BOOLEAN NOT NULL DEFAULT false",),
    # 7. Every committed change to what instances cache (cache.py) NOTIFYs its workspace key, whoever the writer (an
    # instance, an older release, a script); TRUNCATE says "*" (everything). SQLite: one process per file.
    (postgres("""CREATE OR REPLACE FUNCTION leonar_workspace_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
        END $$"""),
     *(postgres(f"""CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION leonar_workspace_changed()""")
       for table in ("leonar_connections", "slack_bots", "workspace_settings")),
     *(postgres(f"""CREATE TRIGGER {name} AFTER TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION leonar_workspace_changed()""")
       for name, table in (("leonar_tables_truncated", "leonar_connections"), ("slack_bots_truncated", "slack_bots"),
                           ("workspace_settings_truncated", "workspace_settings")))),
    # 8. "Open in Leonar": the workspace's dashboard slug.
    ("ALTER TABLE workspace_settings ADD COLUMN leonar_slug TEXT",),
    # 9. Pipeline activity (follows.py): follows, each followed project's snapshot, schedule and lease (one instance
    # polls a project at a time), the outbox of posts, a digest's events, the App Home's poll status. The backends
    # kept the poller's own moments differently (PostgreSQL's become epoch seconds in 10, as SQLite's were).
    (postgres("""CREATE TABLE IF NOT EXISTS follows (id TEXT PRIMARY KEY, workspace TEXT NOT NULL,
        channel_id TEXT NOT NULL, project_id TEXT NOT NULL, data TEXT NOT NULL, stopped TEXT, digest_last TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), UNIQUE (workspace, channel_id, project_id))"""),
     sqlite("""CREATE TABLE IF NOT EXISTS follows (id TEXT PRIMARY KEY, workspace TEXT NOT NULL,
        channel_id TEXT NOT NULL, project_id TEXT NOT NULL, data TEXT NOT NULL, stopped TEXT, digest_last TEXT,
        created_at REAL NOT NULL, UNIQUE (workspace, channel_id, project_id))"""),
     postgres("""CREATE TABLE IF NOT EXISTS followed_projects (workspace TEXT NOT NULL, project_id TEXT NOT NULL,
        snapshot TEXT, since TIMESTAMPTZ, polls INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
        next_poll_at DOUBLE PRECISION NOT NULL DEFAULT 0, holder TEXT, lease_until TIMESTAMPTZ,
        PRIMARY KEY (workspace, project_id))"""),
     sqlite("""CREATE TABLE IF NOT EXISTS followed_projects (workspace TEXT NOT NULL, project_id TEXT NOT NULL,
        snapshot TEXT, since TEXT, polls INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
        next_poll_at REAL NOT NULL DEFAULT 0, holder TEXT, lease_until REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (workspace, project_id))"""),
     postgres("""CREATE TABLE IF NOT EXISTS follow_outbox (key TEXT PRIMARY KEY, workspace TEXT NOT NULL,
        project_id TEXT NOT NULL, follow_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT,
        state TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())"""),
     sqlite("""CREATE TABLE IF NOT EXISTS follow_outbox (key TEXT PRIMARY KEY, workspace TEXT NOT NULL,
        project_id TEXT NOT NULL, follow_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT,
        state TEXT NOT NULL, created_at REAL NOT NULL)"""),
     "CREATE INDEX IF NOT EXISTS follow_outbox_pending ON follow_outbox (workspace, project_id, state)",
     """CREATE TABLE IF NOT EXISTS follow_digest_events (follow_id TEXT NOT NULL, key TEXT NOT NULL,
        workspace TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (follow_id, key))""",
     """CREATE TABLE IF NOT EXISTS follow_poll_status (workspace TEXT PRIMARY KEY,
        interval_seconds DOUBLE PRECISION NOT NULL, stretched BOOLEAN NOT NULL, projects INTEGER NOT NULL)"""),
    # 10. The schema written once: PostgreSQL databases of the release before kept the poller's moments as
    # TIMESTAMPTZ with database-side defaults; they are epoch seconds on both now: a lease's end on the database's
    # clock ({now}), a follow's or a post's creation on the clock of the process that made it (follows.py `_created`).
    (postgres("""ALTER TABLE follows ALTER COLUMN created_at DROP DEFAULT,
        ALTER COLUMN created_at TYPE DOUBLE PRECISION USING extract(epoch FROM created_at)"""),
     postgres("""ALTER TABLE follow_outbox ALTER COLUMN created_at DROP DEFAULT,
        ALTER COLUMN created_at TYPE DOUBLE PRECISION USING extract(epoch FROM created_at)"""),
     postgres("""ALTER TABLE followed_projects
        ALTER COLUMN lease_until TYPE DOUBLE PRECISION USING coalesce(extract(epoch FROM lease_until), 0),
        ALTER COLUMN lease_until SET DEFAULT 0, ALTER COLUMN lease_until SET NOT NULL""")),
    # 11. Work Slack was told was accepted (jobs.py): recorded with the ack, resumed after a crash by whichever
    # instance is alive, done once. The key is the idempotency key (a step's function_execution_id, an event's
    # event_id, an add's submission); a finished job keeps its key, and nothing else, for a while.
    ("""CREATE TABLE IF NOT EXISTS jobs (key TEXT PRIMARY KEY, workspace TEXT NOT NULL, kind TEXT NOT NULL,
        payload TEXT, progress TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, holder TEXT,
        lease_until DOUBLE PRECISION NOT NULL DEFAULT 0, not_before DOUBLE PRECISION NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION)""",
     "CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, lease_until)"),
    # 12. Whether admins let cards and activity posts go to channels shared with another organisation.
    ("ALTER TABLE workspace_settings ADD COLUMN allow_shared_channels BOOLEAN NOT NULL DEFAULT false",),
    # 13. What instances sharing a PostgreSQL database tell each other (shared.py): each user's spending of each
    # key's budget, and the duplicate checks' indexes of projects (ids only). Keyed by key digests, kept briefly.
    ("""CREATE TABLE IF NOT EXISTS fair_spend (key_id TEXT NOT NULL, user_id TEXT NOT NULL, instance TEXT NOT NULL,
        spent DOUBLE PRECISION NOT NULL, active_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (key_id, user_id, instance))""",
     """CREATE TABLE IF NOT EXISTS entry_indexes (key_id TEXT NOT NULL, project_id TEXT NOT NULL, data TEXT NOT NULL,
        read_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (key_id, project_id))"""),
    # 14. The bot's candidate cards as Slack accepted them (cards.py): the
    # message's channel and ts, and its contact's id — ids only, kept CARD_DAYS, to know a card (or its thread).
    ("""CREATE TABLE IF NOT EXISTS card_messages (workspace TEXT NOT NULL, channel_id TEXT NOT NULL, ts TEXT NOT NULL,
        contact_id TEXT NOT NULL, posted_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (workspace, channel_id, ts))""",
     "CREATE INDEX IF NOT EXISTS card_messages_age ON card_messages (posted_at)"),
    # 15. The channels whose card threads admins opted in to notes, and each reply saved as a note
    # (thread_notes.py): ids only, so that an edit updates its note and never adds a copy.
    ("""CREATE TABLE IF NOT EXISTS thread_note_channels (workspace TEXT NOT NULL, channel_id TEXT NOT NULL,
        enabled_by TEXT NOT NULL, enabled_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (workspace, channel_id))""",
     """CREATE TABLE IF NOT EXISTS thread_notes (workspace TEXT NOT NULL, channel_id TEXT NOT NULL, ts TEXT NOT NULL,
        contact_id TEXT NOT NULL, note_id TEXT, saved_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (workspace, channel_id, ts))""",
     "CREATE INDEX IF NOT EXISTS thread_notes_age ON thread_notes (saved_at)"),
    # 16. Feedback requests (feedback.py): who asked whom about which candidates, where each request message was
    # posted (with the reviewer's time zone, for reminders, and language), and each reviewer's answer per candidate
    # with its version (a changed answer is a new version, hence one more note in Leonar) and the last one noted.
    ("""CREATE TABLE IF NOT EXISTS feedback_requests (id TEXT PRIMARY KEY, workspace TEXT NOT NULL,
        requester TEXT NOT NULL, data TEXT NOT NULL, due_at DOUBLE PRECISION NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, closed_at DOUBLE PRECISION)""",
     "CREATE INDEX IF NOT EXISTS feedback_requests_requester ON feedback_requests (workspace, requester)",
     """CREATE TABLE IF NOT EXISTS feedback_recipients (request_id TEXT NOT NULL, recipient TEXT NOT NULL,
        workspace TEXT NOT NULL, channel_id TEXT, ts TEXT, tz TEXT, lang TEXT,
        PRIMARY KEY (request_id, recipient))""",
     """CREATE TABLE IF NOT EXISTS feedback_answers (request_id TEXT NOT NULL, contact_id TEXT NOT NULL,
        reviewer TEXT NOT NULL, workspace TEXT NOT NULL, verdict TEXT NOT NULL, comment TEXT, previous TEXT,
        version INTEGER NOT NULL, noted_version INTEGER NOT NULL DEFAULT 0, answered_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (request_id, contact_id, reviewer))"""),
    # 17. "Waiting too long" (follows.py): per follow and entry, the stage (and the moment it was entered) last
    # alerted, so that a candidate is alerted once per stage they wait in; ids and a moment only.
    ("""CREATE TABLE IF NOT EXISTS follow_waiting (follow_id TEXT NOT NULL, entry_id TEXT NOT NULL,
        workspace TEXT NOT NULL, mark TEXT NOT NULL, PRIMARY KEY (follow_id, entry_id))""",),
    # 18. The weekly report (follows.py): the Monday 9:00 (epoch seconds) of each follow's last report.
    ("ALTER TABLE follows ADD COLUMN weekly_last DOUBLE PRECISION",),
    # 19. Each member's own Leonar key (member_keys.py, encrypted like the workspace's), and the admins' choice that
    # members must link theirs. Cached per request like the connection: a change NOTIFYs the other instances, so an
    # unlinked or removed key is used nowhere any longer.
    ("""CREATE TABLE IF NOT EXISTS member_keys (workspace TEXT NOT NULL, user_id TEXT NOT NULL,
        api_key_encrypted TEXT NOT NULL, linked_at {timestamp} NOT NULL, PRIMARY KEY (workspace, user_id))""",
     postgres("""CREATE TRIGGER member_keys_changed AFTER INSERT OR UPDATE OR DELETE ON member_keys
        FOR EACH ROW EXECUTE FUNCTION leonar_workspace_changed()"""),
     postgres("""CREATE TRIGGER member_keys_truncated AFTER TRUNCATE ON member_keys
        FOR EACH STATEMENT EXECUTE FUNCTION leonar_workspace_changed()"""),
     "ALTER TABLE workspace_settings ADD COLUMN require_member_keys BOOLEAN NOT NULL DEFAULT false"),
]
VERSION = len(MIGRATIONS)
# Every table with a `workspace` column: what leaving a workspace deletes (workspaces.py `forget`).
WORKSPACE_TABLES = ("leonar_connections", "slack_bots", "last_projects", "recent_adds", "workspace_settings",
                    "follows", "followed_projects", "follow_outbox", "follow_digest_events", "follow_poll_status",
                    "jobs", "card_messages", "thread_note_channels", "thread_notes", "feedback_requests",
                    "feedback_recipients", "feedback_answers",
                    "follow_waiting", "member_keys")


def statements(version: int, dialect: Dialect) -> list[str]:
    """Migration `version`'s statements as `dialect` runs them."""
    found = []
    for statement in MIGRATIONS[version - 1]:
        if isinstance(statement, Only):
            if statement.dialect == dialect.name:
                found.append(statement.sql)
            continue
        found.append(statement)
    return found


async def migrate(tx: Tx, dialect: Dialect, *, target: int | None = None) -> int:
    """Bring the database to `target` (tests stop earlier to make an older release's database); returns the
    version it was at."""
    unversioned: int | None = None
    if dialect.name == "postgres":
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
    elif not await tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leonar_schema'"):
        unversioned = await _unversioned_sqlite(tx)
    await tx.execute("CREATE TABLE IF NOT EXISTS leonar_schema (version INTEGER NOT NULL)")
    for version in range(1, (unversioned or 0) + 1):
        # Dated by its tables, it may still lack an index those releases made later (recent_adds_workspace): what
        # can be made twice harmlessly is made now.
        for statement in statements(version, dialect):
            if statement.lstrip().startswith(("CREATE TABLE IF NOT EXISTS", "CREATE INDEX IF NOT EXISTS")):
                await tx.execute(statement)
        await tx.execute("INSERT INTO leonar_schema (version) VALUES (?)", (version,))
    row = await tx.one("SELECT max(version) FROM leonar_schema")
    was = int(row[0]) if row and row[0] is not None else 0
    for version in range(was + 1, (len(MIGRATIONS) if target is None else target) + 1):
        for statement in statements(version, dialect):
            await tx.execute(statement)
        await tx.execute("INSERT INTO leonar_schema (version) VALUES (?)", (version,))
    return was


async def _unversioned_sqlite(tx: Tx) -> int:
    """The version a SQLite file written before versioning holds. Those releases created every table of their day
    at each start (CREATE … IF NOT EXISTS), and added columns when missing: what a file has dates it."""
    tables = {row[0] for row in await tx.all("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
    settings = {row[1] for row in await tx.all("PRAGMA table_info(workspace_settings)")}
    if "follows" in tables:
        return 9
    if "leonar_slug" in settings:
        return 8
    if "allow_guests" in settings:
        return 7  # 7 is PostgreSQL's only
    if "slack_oauth_states_expiry" in tables:
        return 5
    return 0  # 1-4 create what is missing, 5 drops the states issued before they were signed
