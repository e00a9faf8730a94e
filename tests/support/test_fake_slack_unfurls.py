"""The fake Slack's chat.unfurl, driven by slack_sdk's real WebClient: Slack's argument checks and errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_unfurls import share

TOKEN = "xoxb-test-token"
URL = "https://app.leonar.app/dashboard/acme/projects/x"
BLOCKS = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Project*"}}]}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as fake:
        yield fake


def unfurl(slack: FakeSlack, **args: Any) -> str | None:
    """Slack's error code, or None when accepted."""
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    try:
        client.chat_unfurl(**args)
    except SlackApiError as exc:
        return str(exc.response["error"])
    return None


def test_a_dispatched_message_is_unfurled_by_either_target(slack: FakeSlack) -> None:
    message = share(slack, [URL], channel="C1")
    assert unfurl(slack, unfurl_id=message.unfurl_id, source="conversations_history", unfurls={URL: BLOCKS}) is None
    assert unfurl(slack, channel="C1", ts=message.ts, unfurls={URL: BLOCKS}) is None
    assert message.unfurls == {URL: BLOCKS}
    draft = share(slack, [URL], channel="C1", source="composer")
    assert draft.channel == "COMPOSER" and draft.ts == draft.unfurl_id
    assert unfurl(slack, unfurl_id=draft.unfurl_id, source="composer", unfurls={URL: BLOCKS}) is None


def test_half_a_target_or_an_unknown_one_is_refused(slack: FakeSlack) -> None:
    message = share(slack, [URL], channel="C1")
    assert unfurl(slack, unfurl_id=message.unfurl_id, unfurls={URL: BLOCKS}) == "missing_source"
    assert unfurl(slack, source="composer", unfurls={URL: BLOCKS}) == "missing_unfurl_id"
    assert unfurl(slack, unfurl_id=message.unfurl_id, source="history", unfurls={URL: BLOCKS}) == "invalid_source"
    assert unfurl(slack, unfurl_id="C9.9", source="composer", unfurls={URL: BLOCKS}) == "invalid_unfurl_id"
    assert unfurl(slack, channel="C1", ts="1.0", unfurls={URL: BLOCKS}) == "cannot_find_message"
    assert unfurl(slack, channel="COMPOSER", ts=message.ts, unfurls={URL: BLOCKS}) == "cannot_find_channel"
    assert unfurl(slack, channel="C1", unfurls={URL: BLOCKS}) == "invalid_arguments"
    assert unfurl(slack, channel="C1", ts=message.ts) == "invalid_arguments"  # neither unfurls nor metadata
    assert message.unfurls == {}


def test_unfurls_must_be_valid_and_for_the_messages_own_urls(slack: FakeSlack) -> None:
    message = share(slack, [URL], channel="C1")
    target = {"channel": "C1", "ts": message.ts}
    assert unfurl(slack, **target, unfurls={"https://app.leonar.app/other": BLOCKS}) == "cannot_unfurl_url"
    assert unfurl(slack, **target, unfurls="not json") == "invalid_unfurls_format"  # type: ignore[arg-type]
    assert unfurl(slack, **target, unfurls={URL: "text"}) == "invalid_unfurls_format"
    bad = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]}
    assert unfurl(slack, **target, unfurls={URL: bad}) == "invalid_blocks"
    rich = {"blocks": [{"type": "rich_text", "elements": []}]}
    assert unfurl(slack, **target, unfurls={URL: rich}) == "invalid_blocks"
    assert unfurl(slack, **target, unfurls={URL: {"blocks": [BLOCKS["blocks"][0]] * 51}}) == "invalid_blocks"
    assert message.unfurls == {} and len(slack.problems) == 3
    assert unfurl(slack, token="xoxb-wrong", **target, unfurls={URL: BLOCKS}) == "invalid_auth"
