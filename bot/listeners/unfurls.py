"""Leonar links pasted in Slack: unfurled into cards (`bot/slack/unfurling.py`), and the card's "Add to a project"
button, which opens the add form with that candidate preselected."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.leonar.links import UUID
from bot.slack.add_form import open_add
from bot.slack.context import action_channel, connection, must_link, new_modal, user_lang
from bot.slack.following import open_follow
from bot.slack.guard import guarded
from bot.slack.modals import open_view
from bot.slack.unfurling import unfurl
from bot.slack.whose_key import unavailable
from bot.views.messages import notice_modal
from bot.views.unfurls import ADD_ACTION, FOLLOW_ACTION

log = logging.getLogger(__name__)


async def shared(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                 context: dict[str, Any]) -> None:
    await ack()
    await unfurl(client, body, event, context)


async def add_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                      context: dict[str, Any]) -> None:
    """The trigger lives 3 s: the modal opens first, the candidate comes from the cache or right after."""
    await ack()
    contact_id = str(action.get("value") or "")
    if not UUID.fullmatch(contact_id):  # it reaches a Leonar path: a crafted value goes no further
        log.info("add from an unfurl refused: not a Leonar id")
        return
    lang = await user_lang(context)
    if connection(context) is None or must_link(context):
        await open_view(client, None, body["trigger_id"],
                        notice_modal("Leonar", unavailable(context, lang, "admin.not_connected"), lang), lang)
        return
    # The card goes in the thread of the message whose link unfurled, like the message shortcut's.
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ctx = new_modal(context, channel_id=channel if channel != "COMPOSER" else None,
                    response_url=body.get("response_url"),
                    thread_ts=container.get("thread_ts") or container.get("message_ts"))
    await open_add(client, None, body["trigger_id"], ctx, context, lang, contact_id=contact_id.lower())


async def follow_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                         context: dict[str, Any]) -> None:
    """Follow the project in the channel its link was posted in: the follow form, with the project picked."""
    await ack()
    project_id = str(action.get("value") or "")
    channel = action_channel(body)
    if not UUID.fullmatch(project_id) or not channel or channel == "COMPOSER":
        log.info("follow from an unfurl refused: not a Leonar id, or no channel yet")
        return
    if connection(context) is None or must_link(context):
        lang = await user_lang(context)
        await open_view(client, None, body["trigger_id"],
                        notice_modal("Leonar", unavailable(context, lang, "admin.not_connected"), lang), lang)
        return
    await open_follow(client, None, body["trigger_id"], new_modal(context, channel_id=channel), context, "",
                      project_id=project_id.lower())


def register(app: AsyncApp) -> None:
    app.event("link_shared")(guarded(shared))
    app.action(ADD_ACTION)(guarded(add_clicked))
    app.action(FOLLOW_ACTION)(guarded(follow_clicked))
