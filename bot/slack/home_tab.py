"""Publishing the App Home tab, after it is opened and whenever what it shows changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.context import connection, services, user, workspace
from bot.views import home

log = logging.getLogger(__name__)


async def publish(client: AsyncWebClient, context: dict[str, Any], user_id: str, *,
                  slug_problem: str | None = None) -> None:
    """The role comes from the request's one users.info call: unknown is not admin (no admin controls)."""
    store, here = services(context).store, workspace(context)
    who = await user(context)
    adds, settings = await store.recent_adds(here), await store.settings(here)
    view = home.home_view(connection(context), adds, settings, admin=who.is_admin, lang=who.lang,
                          slug_problem=slug_problem)
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.info("home not published: %s", exc.response.get("error"))
