"""Card threads saved as notes: every message event of the channels the bot is in (most dropped unread,
`slack/thread_notes.py`), and the App Home's controls for admins."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.observability import requests
from bot.slack import thread_notes
from bot.slack.context import services, user, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.views import thread_notes as views

log = logging.getLogger(__name__)


async def message(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                  context: dict[str, Any]) -> None:
    """Not guarded: a reply to save is recorded before the ack, and a database that cannot record it raises here
    (Bolt answers 500, Slack sends the event again). Anything that is not a reply is acked as it came."""
    reply = thread_notes.reply_of(event, context.get("bot_user_id"))
    if reply is not None:
        why = await thread_notes.accept(reply, str(body.get("event_id") or uuid.uuid4().hex), services(context),
                                        workspace(context), client)
        log.debug("card thread reply: %s", why)
    await ack()
    requests.answered("acked")


async def turned_on_or_off(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                           context: dict[str, Any]) -> None:
    await ack()
    who = await user(context)
    if not who.is_admin:  # the Home shows admins alone these controls; a crafted request is refused all the same
        return
    on = action["action_id"] == views.ON_ACTION
    channel = action.get("selected_conversation") if on else action.get("value")
    if isinstance(channel, str) and channel:
        await services(context).store.thread_notes.turn(workspace(context), channel, on=on, by=who.id)
    await publish(client, context, body["user"]["id"])


def register(app: AsyncApp) -> None:
    app.event("message")(message)
    app.action(views.ON_ACTION)(guarded(turned_on_or_off))
    app.action(views.OFF_ACTION)(guarded(turned_on_or_off))
