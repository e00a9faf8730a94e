"""Opening and updating modals, and what to tell the user when Slack refuses to open one; telling a modal's requests
from another's."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.manifest import COMMAND
from bot.observability import requests
from bot.views.messages import ephemeral

log = logging.getLogger(__name__)
TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


async def open_view(
    client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, view: dict[str, Any], lang: Lang
) -> dict[str, Any] | None:
    """The opened view (with its id and hash), or None after telling the user why it could not open."""
    try:
        response = await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("views.open failed: %s", error)
        text = (t(lang, "msg.slow_trigger", command=COMMAND) if error in TRIGGER_ERRORS
                else t(lang, "msg.open_failed", error=error))
        if respond is not None:
            await respond(**ephemeral(text))
        return None
    opened = response.get("view")
    requests.opened(opened)
    return opened if isinstance(opened, dict) else None


async def show(client: AsyncWebClient, view_id: str, view: dict[str, Any], *, hash: str | None = None) -> bool:
    """Update a modal the user may have closed or changed meanwhile: a refusal is logged, not raised. Whether it
    was shown."""
    try:
        await client.views_update(view_id=view_id, view=view, hash=hash)
    except SlackApiError as exc:
        log.info("views.update refused: %s", exc.response.get("error"))
        return False
    return True


def of_modal(callback_id: str) -> Callable[[dict[str, Any]], Awaitable[bool]]:
    """A listener matcher: the request comes from the modal `callback_id` (for an action id that another modal,
    opened before a deploy, may still send)."""

    async def matches(body: dict[str, Any]) -> bool:
        return (body.get("view") or {}).get("callback_id") == callback_id

    return matches
