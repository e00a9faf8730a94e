"""URL buttons: a card's LinkedIn and Open in Leonar, an activity post's Open in Leonar. Slack opens the link and
still sends an action, which only needs an ack: without one Slack marks the button as failed."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack.guard import guarded
from bot.views import activity
from bot.views.card import LINKEDIN_ACTION, OPEN_LEONAR_ACTION


async def link_opened(ack: AsyncAck) -> None:
    await ack()


def register(app: AsyncApp) -> None:
    for action_id in (LINKEDIN_ACTION, OPEN_LEONAR_ACTION, activity.OPEN_ACTION):
        app.action(action_id)(guarded(link_opened))
