"""Driving @Leonar requests: a person mentions the bot in a channel (Slack sends `app_mention`) or writes in its
Messages tab (`message.im`); what the bot answered; a press on its confirmation's buttons."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.driver import SlackDriver
from tests.support.fakes import slack_messages
from tests.support.feedback import click
from tests.support.threads import deliver

JSON = dict[str, Any]


def mention(driver: SlackDriver, words: str, *, user: str | None = None, channel: str | None = None,
            thread_ts: str | None = None, event_id: str | None = None) -> JSON:
    """`user` (the driver's by default) writes "@Leonar <words>" in `channel`; the event is delivered; returns it."""
    user = user or driver.user_id
    if user not in driver.slack.users:
        driver.slack.add_user(user)
    event = slack_messages.mentioned(driver.slack, channel or driver.channel_id, user,
                                     f"<@{driver.slack.bot_user_id}> {words}", thread_ts=thread_ts)
    deliver(driver, event, event_id=event_id)
    return event


def in_dm(driver: SlackDriver, words: str, *, event_id: str | None = None) -> JSON:
    """The driver's user writes `words` in the app's Messages tab."""
    event = slack_messages.said(driver.slack, driver.slack.bot_dm(driver.user_id), driver.user_id, words)
    deliver(driver, event, event_id=event_id)
    return event


def answers(driver: SlackDriver, method: str = "chat.postMessage") -> list[JSON]:
    """What the bot sent with `method` (chat.postMessage or chat.postEphemeral), oldest first, each with the ts
    Slack gave it (`_ts`)."""
    return [c.body | {"_ts": (c.response or {}).get("ts") or (c.response or {}).get("message_ts")}
            for c in driver.slack.calls_to(method)]


def button_value(message: JSON, action_id: str) -> str:
    return str(next(e["value"] for b in message["blocks"] for e in b.get("elements", [])
                    if e.get("action_id") == action_id))


def press(driver: SlackDriver, message: JSON, action_id: str, *, value: str | None = None) -> httpx.Response:
    """`driver`'s user presses a button of the bot's answer `message` (a chat.postMessage body)."""
    return click(driver, str(message["channel"]), str(message["_ts"]), action_id,
                 button_value(message, action_id) if value is None else value)
