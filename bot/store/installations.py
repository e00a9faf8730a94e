"""Slack installations (OAuth mode) as the store keeps them: each workspace's bot data, JSON encrypted like the
Leonar keys (it holds tokens), and the OAuth states already used. What the JSON means is Bolt's business
(bot/slack/installations.py); this module knows nothing of Slack."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from bot.store.cache import BOT, TEAM, Cache
from bot.store.database import Database, Tx
from bot.store.models import Workspace
from bot.store.secrets import Cipher

log = logging.getLogger(__name__)
EXPIRED_BATCH = 100  # expired states deleted per use: enough to keep up, never a long delete
LOCK_POLL_SECONDS = 0.05


class Installations:
    def __init__(self, db: Database, cipher: Cipher, cache: Cache) -> None:
        self._db, self._cipher, self._cache = db, cipher, cache

    async def save_bot(self, workspace: Workspace, data: str) -> None:
        try:
            await self._db.execute(
                "save_bot", "INSERT INTO slack_bots (workspace, data_encrypted, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (workspace) DO UPDATE SET data_encrypted = excluded.data_encrypted, "
                "updated_at = excluded.updated_at", (workspace.key, self._cipher.encrypt(data), datetime.now(UTC)))
        finally:
            self._cache.changed(workspace.key)

    async def find_bot(self, workspace: Workspace) -> str | None:
        async def load() -> str | None:
            row = await self._db.one("find_bot", "SELECT data_encrypted FROM slack_bots WHERE workspace = ?",
                                     (workspace.key,))
            return self._cipher.decrypt(row[0]) if row else None

        return await self._cache.read(BOT, workspace.key, load)

    async def find_team_bot(self, team_id: str) -> str | None:
        """The installation of a workspace, whatever org a payload pairs it with (Slack Connect: the acting
        person's)."""
        async def load() -> str | None:
            suffix = f":{team_id}"
            row = await self._db.one("find_team_bot", "SELECT data_encrypted FROM slack_bots WHERE "
                                     "substr(workspace, length(workspace) - ? + 1) = ?", (len(suffix), suffix))
            return self._cipher.decrypt(row[0]) if row else None

        return await self._cache.read(TEAM, team_id, load)

    async def delete_bot(self, workspace: Workspace) -> bool:
        try:
            return await self._db.execute("delete_bot", "DELETE FROM slack_bots WHERE workspace = ?",
                                          (workspace.key,)) > 0
        finally:
            self._cache.changed(workspace.key)

    async def use_state(self, state: str, expires_at: float, keep: int) -> bool:
        """OAuth states are signed, not stored; a used one is kept until it expires so that it works once: False if
        it already was used. At most `keep` are kept (the oldest go first); expired ones go a batch per call."""
        async def use(tx: Tx) -> bool:
            await tx.execute("DELETE FROM slack_oauth_states WHERE state IN (SELECT state FROM slack_oauth_states "
                             "WHERE expires_at < ? LIMIT ?)", (time.time(), EXPIRED_BATCH))
            inserted = await tx.execute("INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?) "
                                        "ON CONFLICT (state) DO NOTHING", (state, expires_at)) > 0
            await tx.execute("DELETE FROM slack_oauth_states WHERE state IN (SELECT state FROM (SELECT state, "
                             "row_number() OVER (ORDER BY expires_at DESC) AS n FROM slack_oauth_states) AS ranked "
                             "WHERE n > ?)", (keep,))
            return inserted

        return await self._db.transaction("use_state", use)

    @contextlib.asynccontextmanager
    async def refreshing(self, name: str, wait_seconds: float, workspace: Workspace) -> AsyncIterator[None]:
        """One holder of `name` at a time across the instances sharing the database (a token refresh). Polled,
        never a waiting lock: the event loop goes on serving. Past `wait_seconds` the caller goes on without it (a
        stuck holder must not stop every request). Its holder reads `workspace`'s installation from the database:
        what the previous holder, maybe on another instance, has just saved."""
        deadline = time.monotonic() + wait_seconds
        held = await self._db.try_lock(name)
        while not held and time.monotonic() < deadline:
            await asyncio.sleep(LOCK_POLL_SECONDS)
            held = await self._db.try_lock(name)
        if not held:
            log.warning("another instance has been refreshing for %.0f s (%s); going on without it",
                        wait_seconds, name.partition(":")[0])
        self._cache.drop(BOT, key=workspace.key)
        if workspace.team_id is None:
            self._cache.drop(TEAM)  # an org-wide installation serves teams no key names: a rare refresh
        else:
            self._cache.drop(TEAM, key=workspace.team_id)
        try:
            yield
        finally:
            if held:
                await self._db.unlock(name)
