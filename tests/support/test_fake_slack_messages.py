"""The fake Slack's messages behave like Slack's: chat.getPermalink and reactions.add with their errors, and the
message events a person's reply and edit make."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.fakes import slack_messages
from tests.support.fakes.slack import FakeSlack

TOKEN = "xoxb-fake"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as slack:
        yield slack


def error(call: object) -> str:
    with pytest.raises(SlackApiError) as err:
        call()  # type: ignore[operator]
    return str(err.value.response["error"])


def test_a_reply_its_link_and_its_edit(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.api_url)
    card = client.chat_postMessage(channel="C1", text="card")
    event = slack_messages.post(fake, "C1", "U2", "hello", thread_ts=card["ts"])
    assert event["thread_ts"] == card["ts"] and event["parent_user_id"] == fake.bot_user_id
    assert event["channel_type"] == "channel" and "bot_id" not in event
    link = client.chat_getPermalink(channel="C1", message_ts=event["ts"])["permalink"]
    assert link.endswith(f"p{event['ts'].replace('.', '')}?thread_ts={card['ts']}&cid=C1")
    assert error(lambda: client.chat_getPermalink(channel="C1", message_ts="1.000001")) == "message_not_found"
    fake.add_channel("G1", member=False)
    assert error(lambda: client.chat_getPermalink(channel="G1", message_ts=event["ts"])) == "channel_not_found"
    changed = slack_messages.edit(fake, "C1", event["ts"], "hello again")
    assert changed["subtype"] == "message_changed" and changed["message"]["text"] == "hello again"
    assert changed["previous_message"]["text"] == "hello" and changed["message"]["ts"] == event["ts"]


def test_reactions_add_as_slack_answers_it(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.api_url)
    event = slack_messages.post(fake, "C1", "U2", "hello")
    react = lambda: client.reactions_add(channel="C1", timestamp=event["ts"], name="white_check_mark")  # noqa: E731
    assert error(react) == "not_in_channel"  # posting publicly needs no membership; reacting does
    fake.add_channel("C1", member=True)
    assert react()["ok"] is True
    assert error(react) == "already_reacted"
    assert slack_messages.reactions_on(fake, "C1", event["ts"]) == {"white_check_mark": [fake.bot_user_id]}
    assert error(lambda: client.reactions_add(channel="C1", timestamp="1.000001", name="x")) == "message_not_found"
    assert error(lambda: client.reactions_add(channel="C1", timestamp=event["ts"], name="no way")) == "invalid_name"
    fake.missing_scopes.add("reactions:write")
    assert error(react) == "missing_scope"
