"""A channel shared with another organisation, or no longer (Slack Connect): what the bot remembered of it is
dropped, and asked again at its next card or post (bot/slack/channels.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.context import services, workspace
from bot.slack.guard import guarded


async def sharing_changed(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any]) -> None:
    await ack()
    channel = event.get("channel")
    if isinstance(channel, str):
        services(context).channels.forget(workspace(context).key, channel)


def register(app: AsyncApp) -> None:
    for kind in ("channel_shared", "channel_unshared"):
        app.event(kind)(guarded(sharing_changed))
