"""A channel shared with another organisation, or no longer (Slack Connect): what every instance remembered of the
workspace's channels is dropped, and asked again at the next card or post (bot/slack/channels.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.context import services, workspace
from bot.slack.guard import guarded
from bot.store import StoreUnavailable

log = logging.getLogger(__name__)


async def sharing_changed(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any]) -> None:
    await ack()
    try:
        await services(context).store.workspaces.channels_changed(workspace(context))
    except StoreUnavailable:
        # Other instances keep what they knew until they read it again (an hour at most); this one forgot it.
        log.warning("a change of a channel's sharing was not announced to other instances: the database is down")


def register(app: AsyncApp) -> None:
    for kind in ("channel_shared", "channel_unshared"):
        app.event(kind)(guarded(sharing_changed))
