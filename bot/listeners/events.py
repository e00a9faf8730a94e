"""Events: when the app leaves a workspace, that workspace's Leonar key and installation go with it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.context import services, workspace
from bot.slack.guard import guarded

log = logging.getLogger(__name__)


async def uninstalled(ack: AsyncAck, context: dict[str, Any]) -> None:
    await ack()
    forget(context, "app uninstalled")


async def tokens_revoked(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any]) -> None:
    await ack()
    if (event.get("tokens") or {}).get("bot"):  # revoked user tokens leave the bot working
        forget(context, "bot token revoked")


def forget(context: dict[str, Any], why: str) -> None:
    """Delete the workspace's Leonar key and, in multi-workspace mode, its Slack installation (bot token)."""
    store, here = services(context).store, workspace(context)
    if store.delete_connection(here):
        log.info("deleted the Leonar key of workspace %s: %s", here.key, why)
    if store.delete_bot(here):
        log.info("deleted the Slack installation of workspace %s: %s", here.key, why)


def register(app: AsyncApp) -> None:
    app.event("app_uninstalled")(guarded(uninstalled))
    app.event("tokens_revoked")(guarded(tokens_revoked))
