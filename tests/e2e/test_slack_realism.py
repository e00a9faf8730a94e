"""The bot against a Slack that keeps its own rules: private channels and DMs need the bot as a member, a
response_url works 5 times within 30 minutes, only workspace members exist."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import ready_to_submit

PRIVATE = "C0SECRET"  # a private channel with a C… id, as Slack gives them today; the bot was not invited


@pytest.fixture
def in_private(bot: RunningBot, slack: FakeSlack) -> Iterator[SlackDriver]:
    """The admin runs /leonar-add in a private channel the bot is not a member of."""
    slack.add_channel(PRIVATE, private=True)
    drv = SlackDriver(bot, SIGNING_SECRET, slack, channel_id=PRIVATE)
    yield drv
    drv.close()
    assert not slack.problems, slack.problems


def test_a_private_channel_without_the_bot_gets_the_card_privately_with_how_to_invite_it(
    in_private: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Before issue 18 D the card went to the channel through the response_url: but the bot cannot tell whether
    another organisation is in a private channel it was not invited to (closed when in doubt)."""
    ready_to_submit(in_private)
    assert in_private.submit().status_code == 200
    [card] = (h.body for h in slack.wait_for("hook", 1))
    assert card["response_type"] == "ephemeral" and "Bob Stone" in card["text"]
    assert "invite me (`/invite @Leonar`)" in json.dumps(card["blocks"])
    assert slack.calls_to("chat.postMessage") == []


def test_once_invited_the_bot_posts_in_the_private_channel(
    in_private: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    slack.add_channel(PRIVATE, private=True, member=True)  # /invite @Leonar
    ready_to_submit(in_private)
    assert in_private.submit().status_code == 200
    [card] = slack.wait_for("chat.postMessage")
    assert card.body["channel"] == PRIVATE and card.response and card.response["ok"] is True
    assert not slack.calls_to("hook")


def test_a_command_in_a_dm_with_a_colleague_gives_the_card_privately(
    bot: RunningBot, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """A direct message the bot is not in may be with someone of another organisation (Slack Connect): the bot
    cannot tell, so the card comes to the user alone (issue 18 D)."""
    driver = SlackDriver(bot, SIGNING_SECRET, slack, channel_id="D0PEER")  # the bot is not in that DM
    ready_to_submit(driver)
    assert driver.submit().status_code == 200
    [card] = (h.body for h in slack.wait_for("hook", 1))
    assert card["response_type"] == "ephemeral" and "Bob Stone" in card["text"]
    assert slack.calls_to("chat.postMessage") == []
    driver.close()
    assert not slack.problems, slack.problems


def test_a_modal_left_open_over_30_minutes_still_gets_the_card_to_its_user(
    in_private: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """The command's response_url is dead after 30 minutes; the submission brings a fresh one for the same
    channel (the conversation menu's response_url_enabled), which still carries the card (privately: the bot
    cannot tell who is in a private channel it was not invited to)."""
    ready_to_submit(in_private)
    assert in_private.last_response_url is not None
    slack.age_response_url(in_private.last_response_url, 31 * 60)  # the recruiter came back from a meeting
    assert in_private.submit().status_code == 200
    delivered = slack.wait_until(lambda: [h for h in slack.calls_to("hook") if h.response == "ok"])
    assert delivered, [(h.body.get("response_type"), h.response) for h in slack.calls_to("hook")]
    assert delivered[0].body["response_type"] == "ephemeral" and "Bob Stone" in delivered[0].body["text"]
