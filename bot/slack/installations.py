"""Bolt's installation and OAuth-state store interfaces over the store's `Installations`, so Slack installations live
in the same database (SQLite or PostgreSQL) as the Leonar keys, encrypted the same way (they hold bot tokens).

Bot-level installations only: the bot acts with its bot token, never a user's. Saving a bot again (Bolt does
after refreshing a rotated token) replaces it. Each workspace's installation is read from the store's cache
(bot/store/cache.py), so Bolt's authorize reads no database on the hot path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.store.installations import Installations
from bot.store.models import Workspace

STATE_SECONDS = 600  # as long as Bolt's state cookie lives
# Used states kept against replays. Past this many (an attacker completing redirects with states they fetched
# themselves), the oldest go: a replay of one then still fails at Slack, whose codes work once.
USED_STATES_KEPT = 2_000
MAX_STATE_LENGTH = 100


def _workspace(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Workspace:
    # An org-wide install is one installation for every workspace of the org.
    return Workspace(enterprise_id, None if is_enterprise_install else team_id)


class SlackInstallations(AsyncInstallationStore):
    def __init__(self, store: Installations) -> None:
        self._store = store

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        data = json.dumps(bot.to_dict_for_copying(), default=str)
        workspace = _workspace(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        await self._store.save_bot(workspace, data)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        workspace = _workspace(enterprise_id, team_id, is_enterprise_install)
        data = await self._store.find_bot(workspace)
        if data is None and not is_enterprise_install and enterprise_id:
            # A workspace of an org where the app was installed org-wide.
            data = await self._store.find_bot(Workspace(enterprise_id, None))
        if data is None and not is_enterprise_install and team_id:
            # Slack Connect: the payload's enterprise is the acting person's org, the team is our installation's.
            data = await self._store.find_team_bot(team_id)
        if data is None:
            return None
        fields: dict[str, Any] = json.loads(data)
        return Bot(**fields)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.delete_bot(Workspace(enterprise_id, team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # only bot installations are kept; a user's revoked token leaves them alone
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class OAuthStates(AsyncOAuthStateStore):
    """OAuth `state` values signed, not stored: `<expiry>.<nonce>.<HMAC>` under a key derived from the client
    secret, which every instance has. A visit to /slack/install (anyone may make one, unauthenticated) writes
    nothing; only a state that comes back valid, with its cookie, is recorded, so that it works once."""

    def __init__(self, store: Installations, client_secret: str, expiration_seconds: int = STATE_SECONDS,
                 keep: int = USED_STATES_KEPT) -> None:
        self._store = store
        self._key = hmac.new(client_secret.encode(), b"leonar-slack-oauth-state", hashlib.sha256).digest()
        self._expiration = expiration_seconds
        self._keep = keep

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        payload = f"{int(time.time()) + self._expiration}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._sign(payload)}"

    async def async_consume(self, state: str) -> bool:
        payload, _, signature = state.rpartition(".")
        expiry = payload.split(".", 1)[0]
        if len(state) > MAX_STATE_LENGTH or not (expiry.isascii() and expiry.isdigit()):
            return False
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return False  # not issued by this app
        if not time.time() <= int(expiry) <= time.time() + self._expiration:
            return False  # expired
        return await self._store.use_state(state, float(expiry), self._keep)

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def bot_token(settings: Settings, installations: Installations, workspace: Workspace) -> str | None:
    """The bot token that acts in `workspace` outside a request (activity posts, resumed work): SLACK_BOT_TOKEN, or
    with OAuth the workspace's installation (an org-wide one's on Grid); None when the app is not installed there."""
    if not settings.oauth:
        token = settings.slack_bot_token
        return token.get_secret_value() if token else None
    bot = await SlackInstallations(installations).async_find_bot(
        enterprise_id=workspace.enterprise_id, team_id=workspace.team_id,
        is_enterprise_install=workspace.team_id is None)
    return bot.bot_token if bot is not None else None


async def bot_client(settings: Settings, installations: Installations, workspace: Workspace,
                     **options: Any) -> AsyncWebClient | None:
    """Slack's client with `bot_token`'s token (`options`: the client's, a session or a timeout); None when the app is
    not installed there."""
    token = await bot_token(settings, installations, workspace)
    return AsyncWebClient(token=token, base_url=settings.slack_api_url, **options) if token else None
