"""SQLite store (sqlite-utils). Keys are stored Fernet-encrypted, never in clear."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from bot.store.models import Connection, Workspace
from bot.store.secrets import Cipher

CONNECTIONS = "leonar_connections"
BOTS = "slack_bots"
STATES = "slack_oauth_states"
LAST_PROJECTS = "last_projects"


class SqliteStore:
    def __init__(self, path: Path, cipher: Cipher) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection used from the event-loop thread; created before the server thread starts.
        self._db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False))
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
        self._db.table(LAST_PROJECTS).create({"workspace": str, "user_id": str, "project_id": str, "project_name": str},
                                             pk=("workspace", "user_id"), if_not_exists=True)

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
        with self._db.conn:
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

    def save_bot(self, workspace: Workspace, data: str) -> None:
        self._db.table(BOTS).upsert({"workspace": workspace.key, "data_encrypted": self._cipher.encrypt(data),
                                     "updated_at": datetime.now(UTC).isoformat()}, pk="workspace")

    def find_bot(self, workspace: Workspace) -> str | None:
        row = self._db.execute(f"SELECT data_encrypted FROM {BOTS} WHERE workspace = ?", [workspace.key]).fetchone()
        return self._cipher.decrypt(row[0]) if row else None

    def delete_bot(self, workspace: Workspace) -> bool:
        with self._db.conn:
            cursor = self._db.execute(f"DELETE FROM {BOTS} WHERE workspace = ?", [workspace.key])
        return cursor.rowcount > 0

    def issue_state(self, state: str, expires_at: float) -> None:
        with self._db.conn:
            self._db.execute(f"DELETE FROM {STATES} WHERE expires_at < ?", [time.time()])
            self._db.execute(f"INSERT INTO {STATES} (state, expires_at) VALUES (?, ?)", [state, expires_at])

    def consume_state(self, state: str) -> bool:
        with self._db.conn:
            cursor = self._db.execute(f"DELETE FROM {STATES} WHERE state = ? AND expires_at >= ?",
                                      [state, time.time()])
        return cursor.rowcount > 0

    def check_cipher(self) -> None:
        """Fail now, not at the first request, when ENCRYPTION_KEY cannot read the stored keys."""
        row = self._db.execute(f"SELECT api_key_encrypted FROM {CONNECTIONS} LIMIT 1").fetchone()
        if row is not None:
            self._cipher.decrypt(row[0])

    def ping(self) -> None:
        self._db.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self._db.close()
