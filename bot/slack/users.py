"""Who the Slack user is: whether they may change the Leonar connection (admins and owners), and their language.

One users.info call (with the locale) answers both. The language is cached for an hour; the role never is, since
a demotion must take effect at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.views.i18n import Lang, lang_of

LANG_DEADLINE = 0.8
_languages: TTLCache[tuple[str | None, str], Lang] = TTLCache(maxsize=10_000, ttl=3600)


class RoleUnknown(Exception):
    """users.info failed; the message is Slack's error code."""


async def is_admin(client: AsyncWebClient, user_id: str, team_id: str | None = None) -> bool:
    try:
        response = await client.users_info(user=user_id, include_locale=True)
    except SlackApiError as exc:
        raise RoleUnknown(str(exc.response.get("error"))) from exc
    user = response.get("user") or {}
    _languages[(team_id, user_id)] = lang_of(user.get("locale"))
    return any(user.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner"))


async def user_lang(client: AsyncWebClient, context: dict[str, Any]) -> Lang:
    """The language of the user behind this request: French for a French Slack locale, else English."""
    user_id, team_id = context.get("user_id"), context.get("team_id")
    if not user_id:
        return "en"
    cached = _languages.get((team_id, user_id))
    if cached is not None:
        return cached
    try:
        # Bounded: it runs before some acks (help, options), which must stay within Slack's 3 s.
        await asyncio.wait_for(is_admin(client, user_id, team_id), LANG_DEADLINE)
    except (RoleUnknown, TimeoutError):
        return "en"  # e.g. an install without users:read, or Slack slow: English rather than no answer
    return _languages.get((team_id, user_id), "en")
