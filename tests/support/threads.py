"""Driving card threads: a candidate card posted by the add form in a channel the bot is in, people replying in its
thread (Slack sends the bot a signed `message` event for every message of that channel), and their edits."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.support.driver import SlackDriver
from tests.support.fakes import slack_messages
from tests.support.fakes.leonar import FakeLeonar
from tests.support.flows import ready_to_submit

JSON = dict[str, Any]


def card_in_channel(driver: SlackDriver, leonar: FakeLeonar) -> tuple[str, str]:
    """Connect, add Bob Stone from the form, in the driver's channel (the bot a member): (the card's ts, Bob's id)."""
    driver.slack.add_channel(driver.channel_id, member=True)
    ready_to_submit(driver)
    assert driver.submit().status_code == 200
    [card] = driver.slack.wait_for("chat.postMessage")
    driver.settle()
    [entry] = leonar.entries()
    return str(card.response["ts"]), str(entry["contact"]["id"])


def deliver(driver: SlackDriver, event: JSON, *, event_id: str | None = None) -> httpx.Response:
    """`event` as Slack sends it to the app's Events URL (message.channels / message.groups)."""
    body = json.dumps({"token": "x", "team_id": driver.team_id, "api_app_id": driver.api_app_id,
                       "type": "event_callback", "event_id": event_id or f"Ev{time.time_ns()}",
                       "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": driver.team_id, "user_id": driver.slack.bot_user_id,
                                           "is_bot": True, "is_enterprise_install": False}]}).encode()
    response = driver.http.post(driver.url, content=body,
                                headers=driver.signed_headers(body) | {"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    return response


def reply(driver: SlackDriver, thread_ts: str, text: str, *, user: str = "U0002", channel: str | None = None,
          bot_id: str | None = None, event_id: str | None = None) -> JSON:
    """`user` replies in the thread `thread_ts`; the event is delivered; returns it."""
    if user not in driver.slack.users:
        driver.slack.add_user(user)
    event = slack_messages.said(driver.slack, channel or driver.channel_id, user, text, thread_ts=thread_ts,
                                bot_id=bot_id)
    deliver(driver, event, event_id=event_id)
    return event


def edit(driver: SlackDriver, sent: JSON, text: str, *, event_id: str | None = None) -> JSON:
    event = slack_messages.edit(driver.slack, str(sent["channel"]), str(sent["ts"]), text)
    deliver(driver, event, event_id=event_id)
    return event


def ticks(driver: SlackDriver, sent: JSON) -> list[str]:
    """Who put ✓ on the message."""
    return slack_messages.reactions_on(driver.slack, str(sent["channel"]), str(sent["ts"])).get("white_check_mark",
                                                                                               [])
