"""SQLite store (sqlite-utils). Keys are stored Fernet-encrypted, never in clear."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from bot.store import follows_sqlite, limits
from bot.store.models import AddRecord, Connection, Workspace, WorkspaceSettings, check_settings
from bot.store.secrets import Cipher

CONNECTIONS = "leonar_connections"
BOTS = "slack_bots"
STATES = "slack_oauth_states"
STATES_EXPIRY = "slack_oauth_states_expiry"
EXPIRED_BATCH = 100  # expired states deleted per use: enough to keep up, never a long delete
LAST_PROJECTS = "last_projects"
ADDS = "recent_adds"
SETTINGS = "workspace_settings"


def _owner_only(path: Path) -> None:
    """The database (every workspace's encrypted key, who added whom) readable and writable by its owner only.

    SQLite gives its -wal and -shm files the database file's mode, so the database is created 0600 before SQLite
    opens it (or brought back to 0600, as are WAL files an older version left readable to all).
    """
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if file.exists():
            file.chmod(0o600)


class SqliteStore:
    def __init__(self, path: Path, cipher: Cipher) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _owner_only(path)
        # Used by the thread that opens it only (bot/store/threaded.py: the store's worker thread). A write that
        # finds the file locked by another process waits SQLITE_BUSY_SECONDS, then fails.
        self._db = sqlite_utils.Database(sqlite3.connect(path, timeout=limits.SQLITE_BUSY_SECONDS))
        self._db.enable_wal()
        self._cipher = cipher
        self._table = self._db.table(CONNECTIONS)
        self._table.create(
            {
                "workspace": str,
                "enterprise_id": str,
                "team_id": str,
                "api_key_encrypted": str,
                "connected_by": str,
                "connected_at": str,
            },
            pk="workspace",
            not_null={"api_key_encrypted"},
            if_not_exists=True,
        )

        self._db.table(BOTS).create({"workspace": str, "data_encrypted": str, "updated_at": str}, pk="workspace",
                                    not_null={"data_encrypted"}, if_not_exists=True)
        self._db.table(STATES).create({"state": str, "expires_at": float}, pk="state", if_not_exists=True)
        if STATES_EXPIRY not in {index.name for index in self._db.table(STATES).indexes}:
            # Before states were signed, every /slack/install visit left a row here: those rows mean nothing now.
            with self._db.atomic():
                self._db.execute(f"DELETE FROM {STATES}")
                self._db.execute(f"CREATE INDEX IF NOT EXISTS {STATES_EXPIRY} ON {STATES} (expires_at)")
        self._db.table(LAST_PROJECTS).create({"workspace": str, "user_id": str, "project_id": str, "project_name": str},
                                             pk=("workspace", "user_id"), if_not_exists=True)
        self._db.table(ADDS).create({"id": int, "workspace": str, "user_id": str, "contact": str, "project": str,
                                     "stage": str, "at": str}, pk="id", if_not_exists=True)
        self._db.table(SETTINGS).create({"workspace": str, "default_channel": str, "show_contact_details": int},
                                        pk="workspace", if_not_exists=True)
        if "allow_guests" not in self._db.table(SETTINGS).columns_dict:  # added after the first release
            self._db.table(SETTINGS).add_column("allow_guests", int, not_null_default=0)
        if "leonar_slug" not in self._db.table(SETTINGS).columns_dict:  # added with link unfurls
            self._db.table(SETTINGS).add_column("leonar_slug", str)
        follows_sqlite.create(self._db)  # pipeline activity: follows and poll state (bot/store/follows_sqlite.py)
        self.follows = follows_sqlite.SyncFollows(self._db)

    def get_connection(self, workspace: Workspace) -> Connection | None:
        rows = list(self._table.rows_where("workspace = ?", [workspace.key], limit=1))
        if not rows:
            return None
        row = rows[0]
        return Connection(
            workspace=workspace,
            api_key=self._cipher.decrypt(row["api_key_encrypted"]),
            connected_by=row["connected_by"],
            connected_at=datetime.fromisoformat(row["connected_at"]),
        )

    def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection:
        connected_at = datetime.now(UTC).replace(microsecond=0)
        self._table.upsert(
            {
                "workspace": workspace.key,
                "enterprise_id": workspace.enterprise_id,
                "team_id": workspace.team_id,
                "api_key_encrypted": self._cipher.encrypt(api_key),
                "connected_by": connected_by,
                "connected_at": connected_at.isoformat(),
            },
            pk="workspace",
        )
        return Connection(workspace, api_key, connected_by, connected_at)

    def delete_connection(self, workspace: Workspace) -> bool:
        with self._db.atomic():
            cursor = self._db.execute(f"DELETE FROM {CONNECTIONS} WHERE workspace = ?", [workspace.key])
        return cursor.rowcount > 0

    def remember_project(self, workspace: Workspace, user_id: str, project_id: str, project_name: str) -> None:
        self._db.table(LAST_PROJECTS).upsert({"workspace": workspace.key, "user_id": user_id,
                                              "project_id": project_id, "project_name": project_name},
                                             pk=("workspace", "user_id"))

    def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None:
        row = self._db.execute(f"SELECT project_id, project_name FROM {LAST_PROJECTS} WHERE workspace = ? AND "
                               "user_id = ?", [workspace.key, user_id]).fetchone()
        return (row[0], row[1]) if row else None

    def record_add(self, workspace: Workspace, record: AddRecord) -> None:
        self._db.table(ADDS).insert({"workspace": workspace.key, "user_id": record.user_id, "contact": record.contact,
                                     "project": record.project, "stage": record.stage, "at": record.at.isoformat()})

    def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]:
        rows = self._db.execute(f"SELECT user_id, contact, project, stage, at FROM {ADDS} WHERE workspace = ? "
                                "ORDER BY id DESC LIMIT ?", [workspace.key, limit]).fetchall()
        return [AddRecord(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    def settings(self, workspace: Workspace) -> WorkspaceSettings:
        row = self._db.execute(f"SELECT default_channel, show_contact_details, allow_guests, leonar_slug """
                               f"FROM {SETTINGS} "
                               "WHERE workspace = ?", [workspace.key]).fetchone()
        return WorkspaceSettings(row[0], bool(row[1]), bool(row[2]), row[3]) if row else WorkspaceSettings()

    def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None:
        self._db.table(SETTINGS).upsert({"workspace": workspace.key, "default_channel": settings.default_channel,
                                         "show_contact_details": int(settings.show_contact_details),
                                         "allow_guests": int(settings.allow_guests),
                                         "leonar_slug": settings.leonar_slug}, pk="workspace")

    def update_settings(self, workspace: Workspace, **changes: str | bool | None) -> WorkspaceSettings:
        check_settings(changes)
        with self._db.atomic():  # one worker thread: nothing else reads or writes in between
            settings = replace(self.settings(workspace), **changes)  # type: ignore[arg-type]
            self.save_settings(workspace, settings)
        return settings

    def forget(self, workspace: Workspace) -> bool:
        with self._db.atomic():
            deleted = sum(self._db.execute(f"DELETE FROM {table} WHERE workspace = ?", [workspace.key]).rowcount
                          for table in (CONNECTIONS, BOTS, LAST_PROJECTS, ADDS, SETTINGS,
                                        *follows_sqlite.WORKSPACE_TABLES))
        return deleted > 0

    def forget_enterprise(self, enterprise_id: str) -> list[Workspace]:
        # Keys are "<enterprise>:<team>": the org-wide installation and every workspace of the org.
        found = {Workspace(enterprise_id, None if team == "-" else team)
                 for table in (CONNECTIONS, BOTS, LAST_PROJECTS, ADDS, SETTINGS, *follows_sqlite.WORKSPACE_TABLES)
                 for (key,) in self._db.execute(f"SELECT DISTINCT workspace FROM {table} WHERE workspace LIKE ?",
                                                [f"{enterprise_id}:%"]).fetchall()
                 for team in [key.split(":", 1)[1]]}
        return [w for w in found if self.forget(w)]

    def save_bot(self, workspace: Workspace, data: str) -> None:
        self._db.table(BOTS).upsert({"workspace": workspace.key, "data_encrypted": self._cipher.encrypt(data),
                                     "updated_at": datetime.now(UTC).isoformat()}, pk="workspace")

    def find_bot(self, workspace: Workspace) -> str | None:
        row = self._db.execute(f"SELECT data_encrypted FROM {BOTS} WHERE workspace = ?", [workspace.key]).fetchone()
        return self._cipher.decrypt(row[0]) if row else None

    def find_team_bot(self, team_id: str) -> str | None:
        row = self._db.execute(f"SELECT data_encrypted FROM {BOTS} WHERE workspace LIKE ?", [f"%:{team_id}"]).fetchone()
        return self._cipher.decrypt(row[0]) if row else None

    def delete_bot(self, workspace: Workspace) -> bool:
        with self._db.atomic():
            cursor = self._db.execute(f"DELETE FROM {BOTS} WHERE workspace = ?", [workspace.key])
        return cursor.rowcount > 0

    def use_state(self, state: str, expires_at: float, keep: int) -> bool:
        with self._db.atomic():
            self._db.execute(f"DELETE FROM {STATES} WHERE state IN (SELECT state FROM {STATES} WHERE expires_at < ? "
                             "LIMIT ?)", [time.time(), EXPIRED_BATCH])
            cursor = self._db.execute(f"INSERT OR IGNORE INTO {STATES} (state, expires_at) VALUES (?, ?)",
                                      [state, expires_at])
            self._db.execute(f"DELETE FROM {STATES} WHERE state IN (SELECT state FROM {STATES} "
                             "ORDER BY expires_at DESC LIMIT -1 OFFSET ?)", [keep])
        return cursor.rowcount > 0

    def check_cipher(self) -> None:
        """Fail now, not at the first request, when ENCRYPTION_KEY cannot read the stored keys."""
        row = self._db.execute(f"SELECT api_key_encrypted FROM {CONNECTIONS} LIMIT 1").fetchone()
        if row is not None:
            self._cipher.decrypt(row[0])

    def ping(self) -> None:
        self._db.execute("SELECT 1").fetchone()

    def data_version(self) -> int:
        """Moves when another connection commits to the file (bot/store/cached.py): a read of shared memory."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        self._db.close()
