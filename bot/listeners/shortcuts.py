"""The message shortcut "Add to Leonar": the same modal, started from a message, its card in the thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.manifest import SHORTCUT_CALLBACK
from bot.slack.add_prefill import seed_from
from bot.slack.context import connection, new_modal, user_lang
from bot.slack.guard import guarded
from bot.slack.modals import open_add
from bot.views import admin


async def add_from_message(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    message = shortcut.get("message") or {}
    ctx = new_modal(context, channel_id=(shortcut.get("channel") or {}).get("id"),
                    response_url=shortcut.get("response_url"), thread_ts=message.get("thread_ts") or message.get("ts"))
    if seed := seed_from(str(message.get("text") or "")):
        ctx = ctx.with_seed(seed)  # a LinkedIn URL or a name in the message
    lang = await user_lang(context)
    if connection(context) is None:
        if ctx.response_url:
            await AsyncWebhookClient(ctx.response_url).send_dict(admin.not_connected(False, lang))
        return
    await open_add(client, None, shortcut["trigger_id"], ctx, context, lang)


def register(app: AsyncApp) -> None:
    app.shortcut(SHORTCUT_CALLBACK)(guarded(add_from_message))
