"""A click on a Leonar link's Work Object (`entity_details_requested`): the flexpane, filled per person
(`bot/slack/flexpane.py`). The entity's buttons (Add to a project, Follow) are the unfurl's actions
(`bot/listeners/unfurls.py`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.flexpane import present
from bot.slack.guard import guarded


async def details_requested(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                            context: dict[str, Any]) -> None:
    await ack()
    await present(client, body, event, context)


def register(app: AsyncApp) -> None:
    app.event("entity_details_requested")(guarded(details_requested))
