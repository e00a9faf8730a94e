"""Who the Slack user behind a request is: their role (admin, member, guest or unknown) and their language.

One users.info call (with the locale) answers both, made at most once per request and only when a listener
asks. The language is cached for an hour; the role never is, since a demotion must take effect at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import DEFAULT_LANG, Lang, lang_of

Role = Literal["admin", "member", "guest", "unknown"]
# The language is looked up before some acks (help, options), which must stay within Slack's 3 s.
LANG_DEADLINE = 0.8
_languages: TTLCache[tuple[str | None, str], Lang] = TTLCache(maxsize=10_000, ttl=3600)


@dataclass(frozen=True)
class SlackUser:
    id: str
    role: Role
    lang: Lang
    # Slack's error code when users.info failed (role "unknown"), e.g. missing_scope.
    error: str | None = None

    @property
    def is_admin(self) -> bool:
        """Admins and owners may change the workspace's Leonar connection."""
        return self.role == "admin"


def role_of(info: dict[str, Any]) -> Role:
    if any(info.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner")):
        return "admin"
    if info.get("is_restricted") or info.get("is_ultra_restricted"):
        return "guest"
    return "member"


class UserLookup:
    """The user behind one request. `user()` calls users.info once however often it is awaited."""

    def __init__(self, client: AsyncWebClient, team_id: str | None, user_id: str | None) -> None:
        self._client = client
        self._team_id = team_id
        self._user_id = user_id
        self._info: asyncio.Future[SlackUser] | None = None

    async def user(self) -> SlackUser:
        if self._info is None:
            self._info = asyncio.ensure_future(self._fetch())
        # Shielded: a lang() that gives up at its deadline leaves the call running for a later user().
        return await asyncio.shield(self._info)

    async def lang(self) -> Lang:
        """French for a French Slack locale, else English; English when Slack cannot tell in time."""
        if not self._user_id:
            return DEFAULT_LANG
        cached = _languages.get((self._team_id, self._user_id))
        if cached is not None:
            return cached
        try:
            return (await asyncio.wait_for(self.user(), LANG_DEADLINE)).lang
        except TimeoutError:
            return DEFAULT_LANG

    async def _fetch(self) -> SlackUser:
        user_id = self._user_id or ""
        if not user_id:
            return SlackUser(user_id, "unknown", DEFAULT_LANG, error="no_user")
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            # e.g. an install without users:read: English, and no admin rights, rather than no answer
            cached = _languages.get((self._team_id, user_id), DEFAULT_LANG)
            return SlackUser(user_id, "unknown", cached, error=str(exc.response.get("error")))
        info = response.get("user") or {}
        lang = lang_of(info.get("locale"))
        _languages[(self._team_id, user_id)] = lang
        return SlackUser(user_id, role_of(info), lang)
