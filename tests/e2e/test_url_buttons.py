"""URL buttons (a card's LinkedIn and Open in Leonar, an activity post's Open in Leonar): Slack opens the link and
still sends the app an action; unanswered, Slack marks the button as failed."""

from __future__ import annotations

import time

import pytest

from bot.views.activity import OPEN_ACTION
from bot.views.card import LINKEDIN_ACTION, OPEN_LEONAR_ACTION
from tests.support.driver import SlackDriver


@pytest.mark.parametrize("action_id", [LINKEDIN_ACTION, OPEN_LEONAR_ACTION, OPEN_ACTION])
def test_a_url_button_click_is_acknowledged(driver: SlackDriver, action_id: str) -> None:
    now = f"{time.time():.6f}"
    payload = {"type": "block_actions", "team": {"id": driver.team_id, "domain": "leonar-test"},
               "user": {"id": driver.user_id, "username": driver.user_id.lower(), "team_id": driver.team_id},
               "api_app_id": driver.api_app_id, "token": "verification-token", "is_enterprise_install": False,
               "container": {"type": "message", "message_ts": now, "channel_id": driver.channel_id},
               "channel": {"id": driver.channel_id, "name": "recruiting"},
               "trigger_id": driver.slack.issue_trigger(driver.user_id),
               "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "action_ts": now,
                            "url": "https://app.leonar.app/dashboard/acme/projects/p1/pipeline"}]}
    assert driver.post_payload(payload).status_code == 200
