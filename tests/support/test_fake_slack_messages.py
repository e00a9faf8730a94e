"""The fake Slack's messages (slack_messages.py), driven by slack_sdk's real WebClient: threads read page by page,
permalinks and reactions, each with the errors Slack answers."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.fakes import slack_messages
from tests.support.fakes.slack import FakeSlack

TOKEN = "xoxb-test-token"


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url)


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["error"])


def test_a_thread_is_read_page_by_page_with_its_parent_on_each(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("C0001", member=True)
    parent = slack.post("C0001", "U0002", "Bob looks good")
    replies = [slack.post("C0001", f"U00{n + 10}", f"reply {n}", thread_ts=parent["ts"]) for n in range(5)]
    slack.post("C0001", "U0002", "unrelated")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.conversations_replies(channel="C0001", ts=parent["ts"], limit=3, cursor=cursor)
        assert page["messages"][0]["ts"] == parent["ts"] and page["messages"][0]["reply_count"] == 5
        seen += [m["text"] for m in page["messages"][1:]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            assert cursor == ""
            break
    assert seen == [r["text"] for r in replies] and pages == 3


def test_reading_a_thread_needs_the_bot_in_the_channel_and_the_scope(slack: FakeSlack, client: WebClient) -> None:
    public = slack.post("C0001", "U0002", "hi")
    assert error_of(lambda: client.conversations_replies(channel="C0001", ts=public["ts"])) == "not_in_channel"
    slack.add_channel("G0001", private=True)
    private = slack.post("G0001", "U0002", "hi")
    assert error_of(lambda: client.conversations_replies(channel="G0001", ts=private["ts"])) == "channel_not_found"
    slack.add_channel("C0001", member=True)
    slack.scopes.discard("channels:history")
    assert error_of(lambda: client.conversations_replies(channel="C0001", ts=public["ts"])) == "missing_scope"
    slack.scopes.add("channels:history")
    assert error_of(lambda: client.conversations_replies(channel="C0001", ts="1.000001")) == "thread_not_found"


def test_a_dm_is_read_only_as_the_bots_own_and_with_im_history(slack: FakeSlack, client: WebClient) -> None:
    """The app's DM with someone (its Messages tab) is the bot's to read, with `im:history` (not groups:history);
    a DM between two people is none of its conversations."""
    slack.add_user("U0002")
    own = slack.bot_dm("U0002")
    asked = slack.post(own, "U0002", "@Leonar who is Bob?")
    assert client.conversations_replies(channel=own, ts=asked["ts"])["messages"][0]["ts"] == asked["ts"]
    assert client.chat_getPermalink(channel=own, message_ts=asked["ts"])["ok"]
    slack.scopes.discard("im:history")
    refused = error_of(lambda: client.conversations_replies(channel=own, ts=asked["ts"]))
    assert refused == "missing_scope" and "groups:history" in slack.scopes
    slack.scopes.add("im:history")
    between = slack.post("D0PEOPLE", "U0002", "just us")
    assert error_of(lambda: client.conversations_replies(channel="D0PEOPLE", ts=between["ts"])) == "channel_not_found"
    assert error_of(lambda: client.chat_getPermalink(channel="D0PEOPLE", message_ts=between["ts"])) == \
        "channel_not_found"


def test_permalinks_name_the_message_and_its_thread(slack: FakeSlack, client: WebClient) -> None:
    parent = slack.post("C0001", "U0002", "hi")
    reply = slack.post("C0001", "U0003", "yes", thread_ts=parent["ts"])
    link = client.chat_getPermalink(channel="C0001", message_ts=parent["ts"])["permalink"]
    assert link.endswith("/archives/C0001/p" + parent["ts"].replace(".", ""))
    assert f"thread_ts={parent['ts']}" in client.chat_getPermalink(channel="C0001", message_ts=reply["ts"])["permalink"]
    assert error_of(lambda: client.chat_getPermalink(channel="C0001", message_ts="1.000009")) == "message_not_found"
    slack.add_channel("G0001", private=True)
    assert error_of(lambda: client.chat_getPermalink(channel="G0001", message_ts=parent["ts"])) == "channel_not_found"


def test_a_reaction_is_added_once_where_the_bot_may(slack: FakeSlack, client: WebClient) -> None:
    message = slack.post("C0001", "U0002", "hi")
    react = lambda: client.reactions_add(channel="C0001", timestamp=message["ts"], name="white_check_mark")  # noqa: E731
    assert error_of(react) == "not_in_channel"
    slack.add_channel("C0001", member=True)
    assert react()["ok"] and error_of(react) == "already_reacted"
    assert slack.messages.reactions[("C0001", message["ts"])] == ["white_check_mark"]
    gone = error_of(lambda: client.reactions_add(channel="C0001", timestamp="1.000009", name="x"))
    assert gone == "message_not_found"
    slack.scopes.discard("reactions:write")
    assert error_of(lambda: client.reactions_add(channel="C0001", timestamp=message["ts"], name="eyes")) == (
        "missing_scope")


def test_the_bots_own_posts_are_in_the_history(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("C0001", member=True)
    parent = slack.post("C0001", "U0002", "hi")
    posted = client.chat_postMessage(channel="C0001", text="card", thread_ts=parent["ts"])
    thread = client.conversations_replies(channel="C0001", ts=parent["ts"])["messages"]
    assert [m["ts"] for m in thread] == [parent["ts"], posted["ts"]] and thread[1]["bot_id"] == slack.bot_id


def test_a_reply_its_event_its_link_and_its_edit(slack: FakeSlack, client: WebClient) -> None:
    card = client.chat_postMessage(channel="C1", text="card")
    event = slack_messages.said(slack, "C1", "U2", "hello", thread_ts=card["ts"])
    assert event["thread_ts"] == card["ts"] and event["parent_user_id"] == slack.bot_user_id
    assert event["channel_type"] == "channel" and event["channel"] == "C1" and "bot_id" not in event
    link = client.chat_getPermalink(channel="C1", message_ts=event["ts"])["permalink"]
    assert link.endswith(f"p{event['ts'].replace('.', '')}?thread_ts={card['ts']}&cid=C1")
    slack.add_channel("G1", member=False)
    assert error_of(lambda: client.chat_getPermalink(channel="G1", message_ts=event["ts"])) == "channel_not_found"
    changed = slack_messages.edit(slack, "C1", event["ts"], "hello again")
    assert changed["subtype"] == "message_changed" and changed["message"]["text"] == "hello again"
    assert changed["previous_message"]["text"] == "hello" and changed["message"]["ts"] == event["ts"]
    other_app = slack_messages.said(slack, "C1", "U9", "beep", thread_ts=card["ts"], bot_id="B9")
    assert other_app["bot_id"] == "B9" and "client_msg_id" not in other_app


def test_reactions_name_emoji_and_are_listed_per_message(slack: FakeSlack, client: WebClient) -> None:
    slack.add_channel("C1", member=True)
    message = slack.post("C1", "U2", "hello")
    react = lambda name: client.reactions_add(channel="C1", timestamp=message["ts"], name=name)  # noqa: E731
    assert error_of(lambda: react("no way")) == "invalid_name"
    react("white_check_mark")
    assert slack_messages.reactions_on(slack, "C1", message["ts"]) == {"white_check_mark": [slack.bot_user_id]}


def test_a_mention_is_an_app_mention_event_and_the_apps_dm_is_message_im(slack: FakeSlack) -> None:
    """Research slack-platform-3 §4-5: app_mention has no channel_type; a DM's message event says `im`."""
    slack.add_user("U1")
    event = slack_messages.mentioned(slack, "C1", "U1", "<@UBOT> find Bob", thread_ts="1.0")
    assert event["type"] == "app_mention" and event["thread_ts"] == "1.0" and "channel_type" not in event
    assert event["ts"] == event["event_ts"] and "bot_id" not in event
    assert slack_messages.mentioned(slack, "C1", "U2", "<@UBOT> hi", bot_id="B2")["bot_id"] == "B2"
    dm = slack_messages.said(slack, slack.bot_dm("U1"), "U1", "find Bob")
    assert dm["type"] == "message" and dm["channel_type"] == "im" and dm["channel"] == "D1"
