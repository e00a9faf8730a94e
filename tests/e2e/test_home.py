"""The App Home: connection status, the last adds, and the admins' settings (default channel, contact details)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import block, connect, pick_contact, pick_project
from tests.support.home import open_home as published_home
from tests.support.home import press_in_home
from tests.support.slack_schema import view_problem


def open_home(driver: SlackDriver, slack: FakeSlack) -> dict[str, Any]:
    """The Home published when `driver`'s user opens it, checked against Block Kit's schema."""
    home = published_home(driver)
    assert view_problem(home) is None
    return home


def home_action(driver: SlackDriver, slack: FakeSlack, action: dict[str, Any]) -> None:
    press_in_home(driver, action)


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_admin_home_connects_and_lists_the_last_adds(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    home = open_home(driver, slack)
    assert "Not connected to Leonar" in texts(home) and "home_connect" in texts(home)
    home_action(driver, slack, {"type": "button", "action_id": "home_connect"})
    assert slack.wait_for("views.open")[-1].body["view"]["callback_id"] == "leonar_connect"
    driver.type_text("api_key_input", LEONAR_KEY)
    slack.homes.pop(driver.user_id)
    assert driver.submit().status_code == 200 and driver.last_errors is None
    assert slack.wait_until(lambda: driver.user_id in slack.homes), "the Home was not published again"
    assert "Connected to Leonar by <@U0001>" in texts(slack.homes[driver.user_id])  # refreshed, not reopened

    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "bob")
    assert driver.submit().status_code == 200
    slack.wait_for("chat.postMessage")
    home = open_home(driver, slack)
    assert "Connected to Leonar by <@U0001>" in texts(home) and "home_disconnect" in texts(home)
    assert "*Bob Stone* → Zeta Platform Lead (Sourced), by <@U0001>" in texts(home)


def test_settings_change_where_cards_go_and_what_they_show(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    open_home(driver, slack)
    home_action(driver, slack, {"type": "conversations_select", "action_id": "home_default_channel",
                                "selected_conversation": "C0RECRUIT"})
    home_action(driver, slack, {"type": "checkboxes", "action_id": "home_show_details",
                                "selected_options": [{"value": "show"}]})
    driver.settle()
    home = open_home(driver, slack)
    assert '"initial_conversation": "C0RECRUIT"' in texts(home) and '"initial_options"' in texts(home)

    view = driver.open_modal(callback_id="leonar_add")
    assert block(view, "channel")["element"]["initial_conversation"] == "C0RECRUIT"
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "martin")  # Éloïse Martin has an email and a phone in Leonar
    assert driver.submit().status_code == 200
    [card] = slack.wait_for("chat.postMessage")
    assert card.body["channel"] == "C0RECRUIT"
    assert "eloise@example.com" in texts(card.body) and "+33 6 12 34 56 78" in texts(card.body)


def test_members_see_no_admin_controls_and_cannot_change_settings(
    bot: RunningBot, slack: FakeSlack, seeded: FakeLeonar, driver: SlackDriver
) -> None:
    connect(driver)
    slack.add_user("U0002")
    member = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0002")
    home = open_home(member, slack)
    assert "home_connect" not in texts(home) and "home_show_details" not in texts(home)
    home_action(member, slack, {"type": "checkboxes", "action_id": "home_show_details",
                                "selected_options": [{"value": "show"}]})  # crafted: the home never offered it
    member.settle()
    assert '"initial_options"' not in texts(open_home(driver, slack))  # the admin's view: still off
    member.close()


def test_a_setting_change_asks_slack_who_the_user_is_once(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    slack.wait_for("views.publish", 1)  # the Home refreshed after the connect
    open_home(driver, slack)
    slack.wait_for("views.publish", 2)
    asked, published = len(slack.calls_to("users.info")), len(slack.calls_to("views.publish"))
    home_action(driver, slack, {"type": "checkboxes", "action_id": "home_show_details",
                                "selected_options": [{"value": "show"}]})
    slack.wait_for("views.publish", published + 1)
    assert len(slack.calls_to("users.info")) == asked + 1  # the role check and the refreshed Home share it
