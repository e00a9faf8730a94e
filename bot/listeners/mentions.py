"""@Leonar requests (`slack/mentions.py`): `app_mention`, the app's DM (`message.im`, registered before the card
threads' `message` listener, which Bolt would otherwise give every message to), and the confirmation's buttons
(Add recorded as a job before its ack, like a request)."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.observability import requests
from bot.slack import mention_press, mentions
from bot.slack.context import services, workspace
from bot.slack.guard import guarded
from bot.views.mentions import ADD_ACTION, CHANGE_ACTION


async def asked(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    """Not guarded: the request is recorded before the ack, and a database that cannot record it raises here (Bolt
    answers 500, Slack sends the event again). What is not a person's request is acked as it came."""
    bot_user_id = context.get("bot_user_id")
    request = mentions.asked_of(event, bot_user_id)
    if request is not None:
        await services(context).runner.accept(f"event:{body.get('event_id') or uuid.uuid4().hex}", workspace(context),
                                              mentions.KIND, mentions.payload(request, bot_user_id))
    await ack()
    requests.answered("acked")


async def in_dm(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im"


async def add_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                      context: dict[str, Any]) -> None:
    """Acked once the press is recorded as a job (`mention_press.add`): a crash after the ack loses nothing."""
    await mention_press.add(ack, body, action, respond, context)


async def change_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                         respond: AsyncRespond, context: dict[str, Any]) -> None:
    await ack()
    await mention_press.change(body, action, client, respond, context)


def register(app: AsyncApp) -> None:
    app.event("app_mention")(asked)
    app.event("message", matchers=[in_dm])(asked)
    app.action(ADD_ACTION)(guarded(add_pressed))
    app.action(CHANGE_ACTION)(guarded(change_pressed))
