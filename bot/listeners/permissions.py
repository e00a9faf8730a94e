"""Who may change the workspace's Leonar connection: Slack workspace admins and owners."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


class RoleUnknown(Exception):
    """users.info failed; the message is Slack's error code."""


async def is_admin(client: AsyncWebClient, user_id: str) -> bool:
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        raise RoleUnknown(str(exc.response.get("error"))) from exc
    user = response.get("user") or {}
    return any(user.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner"))
