"""Bolt's authorization from our installations, with one token refresh per workspace at a time.

With token rotation a bot token lasts 12 hours and the refresh token that renews it works once. Bolt refreshes
inside each request's authorization, with nothing shared between requests: ten requests that find the token
expired together send ten refreshes, Slack honours the first and refuses nine (`invalid_refresh_token`), and
those nine requests are dropped. Here a refresh is done under a lock per workspace, an asyncio lock within the
process and the store's named lock across the instances sharing a database; whoever waited reads the
installation again and uses the token the holder saved instead of spending the refresh token a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

from bot.slack.installations import SlackInstallations
from bot.store.installations import Installations
from bot.store.models import Workspace

log = logging.getLogger(__name__)


class InstallationAuthorize(AsyncInstallationStoreAuthorize):
    """Bolt's AsyncInstallationStoreAuthorize (cache, auth.test, rotation), refreshing through OneRefreshRotator."""

    def __init__(self, *, store: Installations, installation_store: SlackInstallations, client_id: str,
                 client_secret: str, lock_seconds: float, **kwargs: Any) -> None:
        super().__init__(installation_store=installation_store, client_id=client_id, client_secret=client_secret,
                         **kwargs)
        self.token_rotator = OneRefreshRotator(store, installation_store, lock_seconds, client_id=client_id,
                                               client_secret=client_secret, client=kwargs.get("client"))


class OneRefreshRotator(AsyncTokenRotator):
    """`lock_seconds`: a refresh is one Slack call (slack_sdk gives it 30 s at most); a holder slower than this is
    stuck, and the request refreshes without it rather than wait for ever."""

    def __init__(self, store: Installations, installations: SlackInstallations, lock_seconds: float,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store = store
        self._installations = installations
        self._lock_seconds = lock_seconds
        # One per workspace, alive while a request holds or awaits it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def perform_bot_token_rotation(self, *, bot: Bot, minutes_before_expiration: int = 120) -> Bot | None:
        if not _expiring(bot, minutes_before_expiration):
            return None
        org_wide = bool(bot.is_enterprise_install)
        name = f"slack-token-refresh:{bot.enterprise_id or '-'}:{'-' if org_wide else bot.team_id}"
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        workspace = Workspace(bot.enterprise_id, None if org_wide else bot.team_id)
        async with lock, self._store.refreshing(name, self._lock_seconds, workspace):
            current: Bot | None = await self._installations.async_find_bot(
                enterprise_id=bot.enterprise_id, team_id=bot.team_id, is_enterprise_install=org_wide)
            if current is None:  # uninstalled meanwhile
                return None
            if not _expiring(current, minutes_before_expiration):
                return current  # refreshed while this request waited (Bolt saves it again, unchanged)
            refreshed: Bot | None = await super().perform_bot_token_rotation(
                bot=current, minutes_before_expiration=minutes_before_expiration)
            if refreshed is not None:
                await self._installations.async_save_bot(refreshed)  # before the lock goes: the next holder reads it
            return refreshed


def _expiring(bot: Bot, minutes_before_expiration: int) -> bool:
    """Bolt's test: a token due to expire within `minutes_before_expiration` is refreshed."""
    expires_at: int | None = bot.bot_token_expires_at
    return expires_at is not None and expires_at <= time.time() + minutes_before_expiration * 60
