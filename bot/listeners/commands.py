"""/leonar-add: opens the add modal at once (or the connect modal when no key is stored)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.context import connection
from bot.views.add_modal import add_modal
from bot.views.connect_modal import connect_modal
from bot.views.messages import COMMAND, ephemeral, help_message
from bot.views.metadata import ModalContext

log = logging.getLogger(__name__)
TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


async def leonar_add(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: dict[str, Any]
) -> None:
    words = (command.get("text") or "").strip().split()
    sub = words[0].lower() if words else ""
    if sub == "help":
        await ack(**help_message())
        return
    await ack()
    # The trigger_id lives 3 s and works once: open the modal before any Leonar call.
    ctx = ModalContext(channel_id=command.get("channel_id"), response_url=command.get("response_url"))
    view = connect_modal(ctx) if sub == "connect" or connection(context) is None else add_modal(ctx)
    try:
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("views.open failed: %s", error)
        text = (f"Slack took too long to open the form. Please run `{COMMAND}` again."
                if error in TRIGGER_ERRORS else f"Slack could not open the form ({error}). Please try again.")
        await respond(**ephemeral(text))


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(leonar_add)
