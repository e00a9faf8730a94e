"""Follows listed and removed (issue 12, the Slack side): `/leonar-add following`, `/leonar-add unfollow` and its
buttons, the App Home's section (admins remove any follow; a forged removal by anyone else is refused), in English
and French."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.activity.follow import Follow, FollowFilter, StopReason
from bot.store.poll_state import PollStatus
from tests.e2e.test_home import home_action, open_home
from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, follow_modal, posts_in
from tests.support.follows import HERE, StoredFollows
from tests.support.slack_schema import message_problem

JSON = dict[str, Any]
MEMBER = "U0002"


def connected(driver: SlackDriver, slack: FakeSlack) -> None:
    """Connected, and the Home tab the connection publishes arrived (a later one is then the one asked for)."""
    connect(driver)
    assert slack.wait_until(lambda: len(slack.calls_to("views.publish")) >= 1)


def followed(follows: StoredFollows, channel: str, project: str, **fields: Any) -> Follow:
    follow = Follow(id="", channel_id=channel, project_id=f"p-{project}", project_name=project, created_by="U0001",
                    **fields)
    return follows.add_follow(HERE, follow)


def listed(driver: SlackDriver, slack: FakeSlack, text: str, channel: str = "C0001") -> JSON:
    """The ephemeral answer to `/leonar-add <text>` in `channel`, checked against Slack's schema."""
    assert driver.command(text, channel_id=channel).status_code == 200
    [message] = driver.hook_posts()
    assert message_problem(message) is None and message["response_type"] == "ephemeral"
    return message


@pytest.fixture
def member(bot: RunningBot, slack: FakeSlack) -> Iterator[SlackDriver]:
    drv = SlackDriver(bot, SIGNING_SECRET, slack, user_id=MEMBER)
    yield drv
    drv.close()


def test_following_lists_this_channels_follows_only(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connected(driver, slack)
    followed(follows, "C0001", "Backend <Lead> & co")
    followed(follows, "C0001", "Zeta Platform Lead", filter=FollowFilter(False, False, True))
    followed(follows, "C0002", "Elsewhere")
    text = json.dumps(listed(driver, slack, "following"))
    assert "2 Leonar projects followed in <#C0001>" in text
    assert "Backend &lt;Lead&gt; &amp; co" in text and "Zeta Platform Lead" in text and "Elsewhere" not in text
    assert "unfollow" not in text  # a list, no buttons
    assert "No Leonar project is followed in <#C0009>" in json.dumps(listed(driver, slack, "following", "C0009"))


def test_unfollow_removes_a_follow_and_shows_the_list_again(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connected(driver, slack)
    first = followed(follows, "C0001", "Backend Engineer")
    second = followed(follows, "C0001", "Zeta Platform Lead")
    message = listed(driver, slack, "unfollow")
    buttons = [b["accessory"]["value"] for b in message["blocks"] if "accessory" in b]
    assert buttons == [first.id, second.id]
    assert driver.press(message, "unfollow", value=first.id).status_code == 200
    [updated] = driver.hook_posts()
    assert updated["replace_original"] is True and message_problem(updated) is None
    assert [b["accessory"]["value"] for b in updated["blocks"] if "accessory" in b] == [second.id]
    assert [f.id for f in follows.follows(HERE)] == [second.id]
    assert slack.wait_until(lambda: any("stopped following *Backend Engineer*" in str(p["text"])
                                        for p in posts_in(slack, "C0001")))


def test_an_unfollow_button_cannot_remove_another_channels_follow(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connected(driver, slack)
    here = followed(follows, "C0001", "Backend Engineer")
    there = followed(follows, "C0002", "Zeta Platform Lead")
    message = listed(driver, slack, "unfollow")
    # A forged click: the other channel's follow id, sent from this channel's list.
    assert driver.press(message, "unfollow", value=there.id).status_code == 200
    driver.hook_posts()  # answered
    driver.settle()
    assert {f.id for f in follows.follows(HERE)} == {here.id, there.id}
    assert posts_in(slack, "C0002") == []


def test_the_home_lists_follows_with_why_they_stopped_and_the_slower_polling_and_an_admin_removes_one(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connected(driver, slack)
    kept = followed(follows, "C0001", "Backend Engineer")
    archived = followed(follows, "C0002", "Old search")
    follows.stop_follows(HERE, StopReason.PROJECT_ARCHIVED, project_id=archived.project_id)
    follows.report_poll(HERE, PollStatus(interval_seconds=300.0, stretched=True, projects=50))
    home = json.dumps(open_home(driver, slack))
    assert "Followed projects" in home and "Backend Engineer" in home and "<#C0002>" in home
    assert "Stopped: the project was archived in Leonar." in home
    assert "checked every 5 minutes instead of every 2 minutes" in home and "20%" in home
    assert home.count('"home_unfollow"') == 2
    home_action(driver, slack, {"type": "button", "action_id": "home_unfollow", "value": archived.id})
    driver.settle()
    assert [f.id for f in follows.follows(HERE)] == [kept.id]
    assert "Old search" not in json.dumps(slack.homes.get(driver.user_id, {}))  # published again


def test_a_member_sees_the_follows_without_buttons_and_a_forged_removal_is_refused(
    driver: SlackDriver, member: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connected(driver, slack)
    kept = followed(follows, "C0001", "Backend Engineer")
    home = json.dumps(open_home(member, slack))
    assert "Backend Engineer" in home and "home_unfollow" not in home
    published = len(slack.calls_to("views.publish"))
    home_action(member, slack, {"type": "button", "action_id": "home_unfollow", "value": kept.id})
    # An admin's click, sent after it, is handled: by then the member's was, and refused.
    home_action(driver, slack, {"type": "button", "action_id": "home_unfollow", "value": "not-a-follow"})
    driver.settle()
    assert len(slack.calls_to("views.publish")) == published + 1  # the member's click published nothing
    assert [f.id for f in follows.follows(HERE)] == [kept.id]
    assert posts_in(slack, "C0001") == []


def test_no_follows_yet_the_home_says_how_to_follow(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    connected(driver, slack)
    home = json.dumps(open_home(driver, slack))
    assert "No project is followed yet" in home and "/leonar-add follow" in home


def test_a_french_user_follows_lists_and_sees_the_home_in_french(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    slack.users["U0001"]["locale"] = "fr-FR"
    connected(driver, slack)
    view = follow_modal(driver, "follow Zeta Platform Lead")
    assert view["title"]["text"] == "Suivre un projet"
    driver.wait_view(lambda v: v["id"] == view["id"] and "Onsite" in json.dumps(v))
    assert driver.submit().status_code == 200 and driver.last_errors is None
    [saved] = follows.follows(HERE)
    assert saved.lang == "fr"
    assert slack.wait_until(lambda: any("<#C0001> suit désormais" in str(p["text"])
                                        for p in posts_in(slack, "C0001")))
    assert "1 projet Leonar suivi dans <#C0001>" in json.dumps(listed(driver, slack, "following"),
                                                               ensure_ascii=False)
    home = json.dumps(open_home(driver, slack), ensure_ascii=False)
    assert "Projets suivis" in home and "Zeta Platform Lead" in home
