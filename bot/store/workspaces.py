"""Each workspace's Leonar connection (the key encrypted at rest), its settings, its members' last projects and the
recent adds the App Home lists; and leaving: everything kept about a workspace, or a whole org, deleted at once."""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import UTC, datetime, timedelta

from bot.store.cache import CONNECTION, LAST, SETTINGS, Cache
from bot.store.database import EVERYTHING, Database, Row, Tx
from bot.store.dialect import as_moment
from bot.store.models import AddRecord, Connection, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.schema import WORKSPACE_TABLES
from bot.store.secrets import Cipher

log = logging.getLogger(__name__)
SETTING_NAMES = tuple(f.name for f in fields(WorkspaceSettings))
SETTING_COLUMNS = ", ".join(SETTING_NAMES)


class Workspaces:
    def __init__(self, db: Database, cipher: Cipher, cache: Cache) -> None:
        self._db, self._cipher, self._cache = db, cipher, cache

    async def channels_changed(self, workspace: Workspace) -> None:
        """Slack said one of the workspace's conversations changed (shared outside, or no longer): what this and every
        other instance kept of it is dropped (cache.py, CHANNEL)."""
        self._cache.changed(workspace.key)
        await self._db.announce(workspace.key)

    async def get_connection(self, workspace: Workspace) -> Connection | None:
        async def load() -> Connection | None:
            row = await self._db.one("get_connection", "SELECT api_key_encrypted, connected_by, connected_at FROM "
                                     "leonar_connections WHERE workspace = ?", (workspace.key,))
            if row is None:
                return None
            return Connection(workspace, self._cipher.decrypt(row[0]), row[1], as_moment(row[2]))

        return await self._cache.read(CONNECTION, workspace.key, load)

    async def save_connection(self, workspace: Workspace, api_key: str, connected_by: str) -> Connection:
        connected_at = datetime.now(UTC).replace(microsecond=0)
        try:
            await self._db.execute(
                "save_connection",
                "INSERT INTO leonar_connections (workspace, enterprise_id, team_id, api_key_encrypted, connected_by, "
                "connected_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace) DO UPDATE SET "
                "api_key_encrypted = excluded.api_key_encrypted, connected_by = excluded.connected_by, "
                "connected_at = excluded.connected_at",
                (workspace.key, workspace.enterprise_id, workspace.team_id, self._cipher.encrypt(api_key),
                 connected_by, connected_at))
        finally:
            self._cache.changed(workspace.key)
        return Connection(workspace, api_key, connected_by, connected_at)

    async def delete_connection(self, workspace: Workspace) -> bool:
        try:
            return await self._db.execute("delete_connection", "DELETE FROM leonar_connections WHERE workspace = ?",
                                          (workspace.key,)) > 0
        finally:
            self._cache.changed(workspace.key)

    async def remember_project(self, workspace: Workspace, user_id: str, project_id: str, project_name: str) -> None:
        """Preselected in the user's next add."""
        try:
            await self._db.execute(
                "remember_project",
                "INSERT INTO last_projects (workspace, user_id, project_id, project_name) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (workspace, user_id) DO UPDATE SET project_id = excluded.project_id, "
                "project_name = excluded.project_name", (workspace.key, user_id, project_id, project_name))
        finally:
            self._cache.drop(LAST, key=f"{workspace.key}|{user_id}")

    async def last_project(self, workspace: Workspace, user_id: str) -> tuple[str, str] | None:
        """Read by every /leonar-add (the form opens on it): cached, so a command reads no database either."""
        async def load() -> tuple[str, str] | None:
            row = await self._db.one("last_project", "SELECT project_id, project_name FROM last_projects WHERE "
                                     "workspace = ? AND user_id = ?", (workspace.key, user_id))
            return (row[0], row[1]) if row else None

        return await self._cache.read(LAST, f"{workspace.key}|{user_id}", load)

    async def record_add(self, workspace: Workspace, record: AddRecord) -> None:
        await self._db.execute("record_add", "INSERT INTO recent_adds (workspace, user_id, contact, project, stage, "
                               "at) VALUES (?, ?, ?, ?, ?, ?)", (workspace.key, record.user_id, record.contact,
                                                                 record.project, record.stage, record.at))

    async def prune_adds(self, days: int) -> int:
        """Recent adds older than `days` go (README, "What the bot keeps"); a batch at a time, never a long delete."""
        cutoff = datetime.now(UTC) - timedelta(days=days)
        return await self._db.execute("prune_adds", "DELETE FROM recent_adds WHERE id IN (SELECT id FROM recent_adds "
                                      "WHERE at < ? LIMIT 1000)", (cutoff,))

    async def recent_adds(self, workspace: Workspace, limit: int = 10) -> list[AddRecord]:
        rows = await self._db.all("recent_adds", "SELECT user_id, contact, project, stage, at FROM recent_adds "
                                  "WHERE workspace = ? ORDER BY id DESC LIMIT ?", (workspace.key, limit))
        return [AddRecord(r[0], r[1], r[2], r[3], as_moment(r[4])) for r in rows]

    async def settings(self, workspace: Workspace) -> WorkspaceSettings:
        async def load() -> WorkspaceSettings:
            row = await self._db.one("settings", f"SELECT {SETTING_COLUMNS} FROM workspace_settings WHERE "
                                     "workspace = ?", (workspace.key,))
            return _settings(row) if row else WorkspaceSettings()

        return await self._cache.read(SETTINGS, workspace.key, load)

    async def save_settings(self, workspace: Workspace, settings: WorkspaceSettings) -> None:
        await self.update_settings(workspace, **{name: getattr(settings, name) for name in SETTING_NAMES})

    async def update_settings(self, workspace: Workspace, **changes: str | bool | None) -> WorkspaceSettings:
        """Only the settings named change, in the database: two admins changing two settings at once both keep
        theirs. Returns the settings after the change."""
        unknown = set(changes) - set(SETTING_NAMES)
        if unknown:  # the names go into the statement: WorkspaceSettings' fields only
            raise ValueError(f"no such settings: {sorted(unknown)}")
        names = list(changes)
        try:
            row = await self._db.one(
                "update_settings",
                f"INSERT INTO workspace_settings (workspace, {', '.join(names)}) VALUES (?{', ?' * len(names)}) "
                f"ON CONFLICT (workspace) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names)} "
                f"RETURNING {SETTING_COLUMNS}", (workspace.key, *changes.values()))
        finally:
            self._cache.changed(workspace.key)
        assert row is not None
        return _settings(row)

    async def forget(self, workspace: Workspace) -> bool:
        """Everything kept about the workspace (every table with a workspace column), all or nothing. Returns
        whether there was anything."""
        async def delete(tx: Tx) -> int:
            return sum([await tx.execute(f"DELETE FROM {table} WHERE workspace = ?", (workspace.key,))
                        for table in WORKSPACE_TABLES])

        try:
            forgotten = await self._db.transaction("forget", delete) > 0
        finally:
            self._cache.changed(workspace.key)
        await self._scrub()
        return forgotten

    async def forget_enterprise(self, enterprise_id: str) -> list[Workspace]:
        """Every workspace of an org-wide install's org, and the org-wide installation: the ones that had anything."""
        async def delete(tx: Tx) -> list[Workspace]:
            # Keys are "<enterprise>:<team>"; the ":" ends the enterprise id (E1 is not E12's prefix).
            keys = {row[0] for table in WORKSPACE_TABLES for row in await tx.all(
                f"SELECT DISTINCT workspace FROM {table} WHERE substr(workspace, 1, ?) = ?",
                (len(enterprise_id) + 1, f"{enterprise_id}:"))}
            for table in WORKSPACE_TABLES:
                for key in keys:
                    await tx.execute(f"DELETE FROM {table} WHERE workspace = ?", (key,))
            return [Workspace.from_key(key) for key in sorted(keys)]

        try:
            forgotten = await self._db.transaction("forget_enterprise", delete)
        finally:
            self._cache.changed(EVERYTHING)  # a whole org leaving is rare: everything is read again
        await self._scrub()
        return forgotten

    async def _scrub(self) -> None:
        # The rows are deleted: a scrub that fails leaves their old pages until the next checkpoint, which is no
        # reason to say the forgetting failed (and do it again).
        try:
            await self._db.scrub()
        except StoreUnavailable as exc:
            log.warning("deleted rows not scrubbed from the database's files yet: %s", exc)


async def check_cipher(tx: Tx, cipher: Cipher) -> None:
    """At start: fail now, not at the first request, when ENCRYPTION_KEY cannot read the stored keys."""
    row = await tx.one("SELECT api_key_encrypted FROM leonar_connections LIMIT 1")
    if row is not None:
        cipher.decrypt(row[0])


def _settings(row: Row) -> WorkspaceSettings:
    return WorkspaceSettings(row[0], bool(row[1]), bool(row[2]), row[3], bool(row[4]), bool(row[5]))
