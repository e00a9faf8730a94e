"""Members' own Leonar keys: linked by the member, encrypted at rest like the workspace's (secrets.py), never shown
again, removed by their owner, by an admin, when Slack says the person was deactivated, and with the workspace.

Read on every request a member makes (whose key their Leonar calls use): cached like the connection (cache.py,
MEMBER), "not linked" included; every write says what it changed, and PostgreSQL's trigger tells other instances.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.cache import MEMBER, Cache
from bot.store.database import Database
from bot.store.dialect import as_moment
from bot.store.models import MemberKey, Workspace
from bot.store.secrets import Cipher


class MemberKeys:
    def __init__(self, db: Database, cipher: Cipher, cache: Cache) -> None:
        self._db, self._cipher, self._cache = db, cipher, cache

    async def get(self, workspace: Workspace, user_id: str) -> MemberKey | None:
        async def load() -> MemberKey | None:
            row = await self._db.one("member_key", "SELECT api_key_encrypted, linked_at FROM member_keys WHERE "
                                     "workspace = ? AND user_id = ?", (workspace.key, user_id))
            if row is None:
                return None
            return MemberKey(workspace, user_id, self._cipher.decrypt(row[0]),
                             as_moment(row[1]))

        return await self._cache.read(MEMBER, f"{workspace.key}|{user_id}", load)

    async def link(self, workspace: Workspace, user_id: str, api_key: str) -> MemberKey:
        """Links `api_key` for the member, replacing a key they linked before."""
        linked_at = datetime.now(UTC).replace(microsecond=0)
        try:
            await self._db.execute(
                "link_member_key",
                "INSERT INTO member_keys (workspace, user_id, api_key_encrypted, linked_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (workspace, user_id) DO UPDATE SET api_key_encrypted = excluded.api_key_encrypted, "
                "linked_at = excluded.linked_at",
                (workspace.key, user_id, self._cipher.encrypt(api_key), linked_at))
        finally:
            self._cache.changed(workspace.key)
        return MemberKey(workspace, user_id, api_key, linked_at)

    async def unlink(self, workspace: Workspace, user_id: str) -> bool:
        """Whether there was a key."""
        try:
            return await self._db.execute("unlink_member_key", "DELETE FROM member_keys WHERE workspace = ? AND "
                                          "user_id = ?", (workspace.key, user_id)) > 0
        finally:
            self._cache.changed(workspace.key)

    async def deactivated(self, workspace: Workspace, user_id: str) -> list[Workspace]:
        """Slack deactivated the person: their key goes from every workspace where they could have linked one — in an
        Enterprise Grid org, all of its workspaces (a user id is the same across the org). Returns where it went."""
        args: tuple[int | str, ...] = (workspace.key,)
        where = "workspace = ?"
        if workspace.enterprise_id:  # keys are "<enterprise>:<team>": the ":" ends the enterprise id
            where, args = "substr(workspace, 1, ?) = ?", (len(workspace.enterprise_id) + 1,
                                                          f"{workspace.enterprise_id}:")
        rows = await self._db.all("deactivated_member_keys", f"SELECT workspace FROM member_keys WHERE {where} AND "
                                  "user_id = ?", (*args, user_id))
        gone = [Workspace.from_key(key) for (key,) in rows]
        for place in gone:
            await self.unlink(place, user_id)
        return gone

    async def linked(self, workspace: Workspace) -> list[tuple[str, datetime]]:
        """Who linked a key (user id, when), for the admins' App Home: never the keys."""
        rows = await self._db.all("member_keys_linked", "SELECT user_id, linked_at FROM member_keys WHERE "
                                  "workspace = ? ORDER BY linked_at, user_id", (workspace.key,))
        return [(row[0], as_moment(row[1])) for row in rows]
