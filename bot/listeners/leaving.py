"""Leaving: when the app leaves a workspace (or an org), everything kept about it goes with it (`slack/leaving.py`);
and arriving: a workspace given the org-wide app has its admins invited to connect Leonar (`slack/welcome.py`)."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.observability import requests
from bot.slack import leaving, welcome
from bot.slack.context import services
from bot.slack.leaving import left_by


async def left(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """Recorded (a job: bot/durable) before the ack, done after it. Not guarded: a database that cannot record it
    raises here, Bolt answers 500, and Slack sends the event again."""
    event = body.get("event") or {}
    revoked_users_only = event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot")
    workspaces, enterprises = left_by(context, body)
    if not revoked_users_only and (workspaces or enterprises):  # revoked user tokens leave the bot working
        await services(context).runner.accept(
            f"event:{body.get('event_id') or uuid.uuid4().hex}", leaving.NOWHERE, leaving.KIND,
            {"workspaces": [w.key for w in workspaces], "enterprises": enterprises, "event": event.get("type")})
    await ack()
    requests.answered("acked")


async def granted(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
    """An org admin gave the org-wide app to workspaces: their admins are invited to connect Leonar
    (slack/welcome.py). Recorded before the ack, like leaving."""
    teams = [team for team in event.get("team_ids") or [] if isinstance(team, str)]
    if teams:
        enterprise = context.get("enterprise_id") or body.get("enterprise_id")
        await services(context).runner.accept(f"event:{body.get('event_id') or uuid.uuid4().hex}", leaving.NOWHERE,
                                              welcome.KIND, {"teams": teams, "enterprise": enterprise})
    await ack()
    requests.answered("acked")


def register(app: AsyncApp) -> None:
    for kind in ("app_uninstalled", "app_uninstalled_team", "tokens_revoked", "team_access_revoked"):
        app.event(kind)(left)
    app.event("team_access_granted")(granted)
