"""The fake Slack refuses a view beyond Slack's limits the way Slack does: invalid_arguments, with the rule and
where it was broken in response_metadata.messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.bot import BOT_TOKEN
from tests.support.fakes.slack import FakeSlack

TITLE, SUBMIT = {"type": "plain_text", "text": "T"}, {"type": "plain_text", "text": "OK"}
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
OVERFILLED = {"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "Name"},
              "element": {"type": "plain_text_input", "action_id": "a", "max_length": 100, "initial_value": "x" * 101}}


@pytest.mark.parametrize(("view", "where"), [
    ({"type": "modal", "title": TITLE, "submit": SUBMIT, "blocks": [OVERFILLED]},
     "/view/blocks/0/element/initial_value"),
    ({"type": "modal", "title": TITLE, "blocks": [SECTION], "private_metadata": "x" * 3001}, "/view/private_metadata"),
    # json.dumps' default escaping: 500 emoji become 6,000 characters of \uXXXX, and Slack counts those.
    ({"type": "modal", "title": TITLE, "blocks": [SECTION], "private_metadata": json.dumps("🚀" * 500)},
     "/view/private_metadata"),
])
def test_the_fake_refuses_what_slack_refuses(slack: FakeSlack, view: dict[str, Any], where: str) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=slack.issue_trigger("U0001"), view=view)
    assert refused.value.response["error"] == "invalid_arguments"
    assert any(f"[json-pointer:{where}]" in m for m in refused.value.response["response_metadata"]["messages"])


def test_the_same_emoji_unescaped_fit(slack: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    view = {"type": "modal", "title": TITLE, "blocks": [SECTION], "private_metadata": json.dumps("🚀" * 500,
                                                                                                 ensure_ascii=False)}
    assert client.views_open(trigger_id=slack.issue_trigger("U0001"), view=view)["ok"]
