"""Issue 18 D: cards, activity posts and follows went to channels shared with another organisation (Slack Connect)
without a check. Now nothing about a candidate goes there unless an admin allowed it in the App Home, and then
never an email or a phone number; the adder gets the card privately, with why."""

from __future__ import annotations

import json
import time

from tests.e2e.test_events import send_event
from tests.e2e.test_home import home_action, open_home
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import block, connect, follow_modal, pick_contact, pick_project, posts_in
from tests.support.follows import HERE, StoredFollows

SHARED = "C0SHARED"


def allow(driver: SlackDriver, slack: FakeSlack, action: str, on: bool = True) -> None:
    open_home(driver, slack)
    before = len(slack.calls_to("views.publish"))
    option = {"value": "allow" if action != "home_show_details" else "show"}
    home_action(driver, slack, {"type": "checkboxes", "action_id": action, "selected_options": [option] if on else []})
    slack.wait_for("views.publish", before + 1)


def add(driver: SlackDriver, channel: str, who: str) -> None:
    """The add form with the candidate `who` names for `channel`, submitted."""
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, who)
    driver.select("channel_select", conversation=channel)
    assert driver.submit().status_code == 200
    assert driver.last_errors is None, driver.last_errors


def test_a_card_for_a_shared_channel_comes_privately_unless_admins_allow_it_then_without_contact_details(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    for first, email in (("Zoé", "zoe@example.com"), ("Yann", "yann@example.com")):
        seeded.add_contact(first, "Durand", emails=[{"email": email, "type": "work"}],
                           phones=[{"phone": "+33 7 00 00 00 00", "type": "work"}])
    slack.ext_shared_channels.add(SHARED)
    connect(driver)
    allow(driver, slack, "home_show_details")  # cards show emails and phones in the workspace's own channels
    add(driver, SHARED, "martin")
    driver.settle()
    [hook] = slack.calls_to("hook")
    assert hook.body["response_type"] == "ephemeral" and "Éloïse Martin" in hook.body["text"]
    assert "shared with another organisation" in json.dumps(hook.body["blocks"], ensure_ascii=False)
    assert posts_in(slack, SHARED) == []

    allow(driver, slack, "home_allow_shared_channels")
    driver.open_modal()
    add(driver, SHARED, "zoé")
    driver.settle()
    [card] = posts_in(slack, SHARED)
    text = json.dumps(card, ensure_ascii=False)
    assert "Zoé Durand" in text and "zoe@example.com" not in text and "+33 7" not in text

    driver.open_modal()
    add(driver, "C0001", "yann")  # the workspace's own channel: the admins' choice applies
    driver.settle()
    [card] = posts_in(slack, "C0001")
    assert "yann@example.com" in json.dumps(card, ensure_ascii=False)


def test_a_follow_in_a_shared_channel_is_refused_unless_admins_allow_it(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, follows: StoredFollows
) -> None:
    slack.ext_shared_channels.add(SHARED)
    connect(driver)
    follow_modal(driver, "follow Zeta Platform Lead", channel_id=SHARED)
    driver.wait_view(lambda v: "initial_option" in block(v, "follow_project")["element"])
    assert driver.submit().status_code == 200
    view = driver.wait_view(lambda v: any(b.get("block_id") == "error" for b in v["blocks"]))
    assert "is shared with another organisation" in json.dumps(view)
    assert follows.follows(HERE) == [] and posts_in(slack, SHARED) == []
    allow(driver, slack, "home_allow_shared_channels")
    assert driver.submit().status_code == 200 and driver.last_errors is None
    assert [f.channel_id for f in follows.follows(HERE)] == [SHARED]


def test_a_channel_becoming_shared_is_heard_and_the_next_card_comes_privately(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    add(driver, "C0001", "bob")
    driver.settle()
    assert len(posts_in(slack, "C0001")) == 1  # the workspace's own channel: the card was posted there
    slack.ext_shared_channels.add("C0001")
    assert send_event(driver, {"type": "channel_shared", "connected_team_id": "T0OTHER", "channel": "C0001",
                               "event_ts": f"{time.time():.6f}"}).status_code == 200
    driver.settle()  # the event is handled after its ack
    driver.open_modal()
    add(driver, "C0001", "martin")
    driver.settle()
    [hook] = slack.calls_to("hook")
    assert hook.body["response_type"] == "ephemeral" and "shared with another organisation" in json.dumps(
        hook.body["blocks"], ensure_ascii=False)
    assert len(posts_in(slack, "C0001")) == 1
