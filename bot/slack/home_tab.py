"""Publishing the App Home tab, after it is opened and whenever what it shows changes."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.activity.budget import PollPlan
from bot.slack.context import connection, services, user, workspace
from bot.slack.feedback_jobs import counted
from bot.slack.users import SlackUser
from bot.store import StoreUnavailable
from bot.views import home
from bot.views import member_keys as member_views
from bot.views.feedback import home_requests
from bot.views.follows import home_follows
from bot.views.thread_notes import home_section as thread_notes_section

log = logging.getLogger(__name__)


async def publish(client: AsyncWebClient, context: dict[str, Any], user_id: str, *,
                  slug_problem: str | None = None) -> None:
    """The role comes from the request's one users.info call: unknown is not admin (no admin controls)."""
    store, here = services(context).store.workspaces, workspace(context)
    who = await user(context)
    adds, settings = await store.recent_adds(here), await store.settings(here)
    view = home.home_view(connection(context), adds, settings, admin=who.is_admin, lang=who.lang,
                          slug_problem=slug_problem, follows=await _follows(context, who),
                          feedback=await _feedback(context, who))
    if connection(context) is not None:  # the viewer's own Leonar key, once the workspace is connected
        own = await services(context).store.member_keys.get(here, who.id)
        view["blocks"] += member_views.home_own(own.linked_at if own else None,
                                                required=settings.require_member_keys, lang=who.lang)
    if who.is_admin:  # card threads saved as notes, members' keys: the admins' own sections, last
        view["blocks"] += thread_notes_section(await services(context).store.thread_notes.channels(here), who.lang)
        if connection(context) is not None:
            view["blocks"] += member_views.home_admin(await services(context).store.member_keys.linked(here),
                                                      required=settings.require_member_keys, lang=who.lang)
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.info("home not published: %s", exc.response.get("error"))


async def _follows(context: dict[str, Any], who: SlackUser) -> list[dict[str, Any]] | None:
    """The followed projects' section; left out (the rest of the Home still shown) when they cannot be read."""
    found, here = services(context), workspace(context)
    try:
        follows, status = await found.store.follows.list_follows(here), await found.store.follows.poll_status(here)
    except StoreUnavailable as exc:
        log.warning("home shown without its follows: %s", exc)
        return None
    plan = None
    if status is not None:
        per_hour = status.projects * 3600 / status.interval_seconds if status.interval_seconds > 0 else 0.0
        plan = PollPlan(status.interval_seconds, status.stretched, per_hour)
    settings = found.settings
    return home_follows(follows, plan, base_seconds=settings.leonar_poll_seconds, budget=settings.leonar_poll_budget,
                        admin=who.is_admin, lang=who.lang)


async def _feedback(context: dict[str, Any], who: SlackUser) -> list[dict[str, Any]] | None:
    """The viewer's open feedback requests; left out (the rest of the Home still shown) when they cannot be read."""
    store, here = services(context).store.feedback, workspace(context)
    try:
        listed = [(request, *counted(request, await store.answers(request.id)))
                  for request in await store.open_requests(here, who.id)]
    except StoreUnavailable as exc:
        log.warning("home shown without its feedback requests: %s", exc)
        return None
    return home_requests(listed, who.lang)
