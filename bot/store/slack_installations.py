"""Bolt's installation and OAuth-state store interfaces over our store, so Slack installations live in the same
database (SQLite or PostgreSQL) as the Leonar keys, encrypted the same way (they hold bot tokens).

Bot-level installations only: the bot acts with its bot token, never a user's. Saving a bot again (Bolt does
after refreshing a rotated token) replaces it. The store is called directly, as the listeners do: its queries
take well under a millisecond next to the Slack and Leonar calls around them.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.store import Store
from bot.store.models import Workspace

STATE_SECONDS = 600


def _workspace(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Workspace:
    # An org-wide install is one installation for every workspace of the org.
    return Workspace(enterprise_id, None if is_enterprise_install else team_id)


class SlackInstallations(AsyncInstallationStore):
    def __init__(self, store: Store) -> None:
        self._store = store

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        data = json.dumps(bot.to_dict_for_copying(), default=str)
        workspace = _workspace(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        self._store.save_bot(workspace, data)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        workspace = _workspace(enterprise_id, team_id, is_enterprise_install)
        data = self._store.find_bot(workspace)
        if data is None and not is_enterprise_install and enterprise_id:
            # A workspace of an org where the app was installed org-wide.
            data = self._store.find_bot(Workspace(enterprise_id, None))
        if data is None:
            return None
        fields: dict[str, Any] = json.loads(data)
        return Bot(**fields)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._store.delete_bot(Workspace(enterprise_id, team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # only bot installations are kept; a user's revoked token leaves them alone
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class OAuthStates(AsyncOAuthStateStore):
    def __init__(self, store: Store, expiration_seconds: int = STATE_SECONDS) -> None:
        self._store = store
        self._expiration = expiration_seconds

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        self._store.issue_state(state, time.time() + self._expiration)
        return state

    async def async_consume(self, state: str) -> bool:
        return self._store.consume_state(state)
