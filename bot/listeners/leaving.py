"""Leaving: when the app leaves a workspace (or an org), everything kept about it goes with it (`slack/leaving.py`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.context import services
from bot.slack.guard import guarded
from bot.slack.leaving import left_by

log = logging.getLogger(__name__)


async def left(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    await ack()
    event = body.get("event") or {}
    if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
        return  # revoked user tokens leave the bot working
    store = services(context).store.workspaces
    workspaces, enterprises = left_by(context, body)
    for workspace in workspaces:
        if await store.forget(workspace):
            log.info("deleted everything kept for workspace %s: %s", workspace.key, event.get("type"))
    for enterprise in enterprises:
        for workspace in await store.forget_enterprise(enterprise):
            log.info("deleted everything kept for workspace %s (org %s): %s", workspace.key, enterprise,
                     event.get("type"))


def register(app: AsyncApp) -> None:
    for kind in ("app_uninstalled", "app_uninstalled_team", "tokens_revoked", "team_access_revoked"):
        app.event(kind)(guarded(left))
