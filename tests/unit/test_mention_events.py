"""Which events carry a request to the bot (bot/slack/mentions.py `asked_of`): a person's mention, or a person's
message in the app's DM; never the bot's own, another bot's, an edit, or a channel's ordinary message."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.mentions import Asked, asked_of

MENTION: dict[str, Any] = {"type": "app_mention", "user": "U1", "text": "<@UBOT> find Bob", "ts": "2.0",
                           "channel": "C1", "event_ts": "2.0"}
DM: dict[str, Any] = {"type": "message", "channel_type": "im", "user": "U1", "text": "find Bob", "ts": "3.0",
                      "channel": "D1"}


def test_a_mention_is_answered_in_its_thread_or_one_of_its_own() -> None:
    asked = asked_of(MENTION, "UBOT")
    assert asked == Asked("U1", "C1", "2.0", None, "<@UBOT> find Bob", dm=False) and asked.reply_in == "2.0"
    in_thread = asked_of(MENTION | {"thread_ts": "1.0"}, "UBOT")
    assert in_thread is not None and in_thread.reply_in == "1.0"


def test_a_dm_is_answered_where_it_was_written() -> None:
    asked = asked_of(DM, "UBOT")
    assert asked is not None and asked.dm and asked.reply_in is None
    replied = asked_of(DM | {"thread_ts": "1.0"}, "UBOT")
    assert replied is not None and replied.reply_in == "1.0"


@pytest.mark.parametrize("event", [
    MENTION | {"user": "UBOT"},  # the bot itself
    MENTION | {"bot_id": "B2"},  # another app
    DM | {"bot_id": "B1", "user": "UBOT"},  # the bot's own answer in its DM
    DM | {"subtype": "message_changed"},
    DM | {"subtype": "bot_message"},
    DM | {"channel_type": "channel"},  # a channel's message: card threads' business, not a request
    {k: v for k, v in MENTION.items() if k != "user"},
    MENTION | {"text": None},
    MENTION | {"channel": "D1"},  # in the app's DM its message.im is answered
])
def test_everything_else_is_dropped(event: dict[str, Any]) -> None:
    assert asked_of(event, "UBOT") is None
