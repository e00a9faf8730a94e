"""Slack misbehaving: the card still arrives, the user is told, nothing blocks the ack."""

from __future__ import annotations

import time

from tests.driver import SlackDriver
from tests.fakes.leonar import FakeLeonar
from tests.fakes.slack import FakeSlack
from tests.flows import ready_to_submit, seeded

__all__ = ["seeded"]


def test_rate_limited_card_is_retried_after_retry_after_not_before_the_ack(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    ready_to_submit(driver)
    slack.fail("chat.postMessage", "ratelimited", http_status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    response = driver.submit()
    acked = time.monotonic() - started
    assert response.status_code == 200 and response.text == "" and acked < 1.0
    first, second = slack.wait_for("chat.postMessage", 2, timeout=5)
    assert first.response and first.response.get("error") == "ratelimited"
    assert second.response and second.response.get("ok") is True
    assert "Bob Stone" in second.body["text"]
    assert not slack.calls_to("hook")  # delivered in the channel, no fallback needed


def test_expired_trigger_tells_the_user_to_try_again(driver: SlackDriver, slack: FakeSlack) -> None:
    slack.fail("views.open", "expired_trigger_id")
    driver.command()
    [hook] = slack.wait_for("hook")
    assert hook.body["response_type"] == "ephemeral" and "Please run `/leonar-add` again" in hook.body["text"]


def test_channel_not_found_uses_the_response_url(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    slack.missing_channels.add("C0001")
    ready_to_submit(driver)
    assert driver.submit().status_code == 200
    card, notice = (h.body for h in slack.wait_for("hook", 2))
    assert card["response_type"] == "in_channel" and "Bob Stone" in card["text"]
    assert "not a member" in notice["text"]
    assert len(seeded.entries()) == 1
