"""Whose workspace a request is for, and who may use the bot there: Slack Connect, guests, other organisations.

Payload shapes follow Slack's reference pages and slack-bolt's fixtures: in a Slack Connect channel `team` and
`enterprise` are the other organisation's while `view.app_installed_team_id` (and the bot token) are ours.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.bot import ADMIN, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, entry_posts, pick_contact, pick_project, ready_to_submit

JSON = dict[str, Any]
THEIR_TEAM, THEIR_ORG = "T0THEIRS", "E0THEIRS"


class ConnectChannelDriver(SlackDriver):
    """Our member acting in a channel another organisation hosts: the payload's team and enterprise are theirs."""

    def _envelope(self, kind: str, view: JSON, *, with_trigger: bool = True) -> JSON:
        payload = super()._envelope(kind, view, with_trigger=with_trigger)
        payload["team"] = {"id": THEIR_TEAM, "domain": "theirs", "enterprise_id": THEIR_ORG,
                           "enterprise_name": "Their Org"}
        payload["enterprise"] = {"id": THEIR_ORG, "name": "Their Org"}
        payload["view"] = payload["view"] | {"team_id": THEIR_TEAM, "app_installed_team_id": self.team_id}
        return payload


def test_a_slack_connect_submission_uses_the_installing_workspace(
    bot: RunningBot, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    driver = ConnectChannelDriver(bot, SIGNING_SECRET, slack)
    ready_to_submit(driver)  # connect, project and candidate picked: menus go through the same shapes
    response = driver.submit()
    assert response.status_code == 200 and driver.last_errors is None, driver.last_errors
    assert len(entry_posts(seeded)) == 1  # was: "This workspace is not connected to Leonar any more"
    driver.close()


def test_a_modal_serves_only_the_workspace_it_was_opened_for(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    view = driver.open_modal(callback_id="leonar_add")
    metadata = json.loads(view["private_metadata"])
    assert metadata["workspace"] == "-:T0001"
    # The same modal, as if another workspace's installation had opened it.
    other = view | {"private_metadata": json.dumps(metadata | {"workspace": "-:T0999"})}
    seeded.requests.clear()
    payload = driver.suggestion("project_select", "zeta") | {"view": other | {"team_id": "T0001",
                                                                                "app_installed_team_id": "T0001"}}
    [notice] = driver.post_payload(payload).json()["options"]
    assert "another workspace" in notice["text"]["text"]
    assert not seeded.requests  # refused before any Leonar call


GUEST = "U0GUEST"


@pytest.fixture
def guest(bot: RunningBot, slack: FakeSlack) -> SlackDriver:
    slack.users[GUEST] = slack.make_user(GUEST) | {"is_restricted": True}
    return SlackDriver(bot, SIGNING_SECRET, slack, user_id=GUEST)


def hook_text(slack: FakeSlack, driver: SlackDriver) -> str:
    return str(driver.hook_posts()[0]["text"])


def test_guests_are_refused_everywhere_before_any_leonar_call(
    driver: SlackDriver, guest: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    view = driver.open_modal(callback_id="leonar_add")
    driver.settle()
    seeded.requests.clear()
    opened = len(slack.calls_to("views.open"))

    answer = guest.command()
    assert answer.json()["response_type"] == "ephemeral" and "Guests can use it only if" in answer.json()["text"]
    options = guest.post_payload(driver.suggestion("project_select", "zeta") | {"user": {"id": GUEST,
                                                                                         "team_id": "T0001"}})
    assert options.json()["options"][0]["text"]["text"].startswith("Leonar for Slack is for the members of this")
    submit = guest.post_payload({"type": "view_submission", "team": {"id": "T0001", "domain": "x"},
                                 "user": {"id": GUEST, "team_id": "T0001"}, "api_app_id": "A0001",
                                 "view": view | {"state": {"values": {}}, "team_id": "T0001",
                                                 "app_installed_team_id": "T0001"}})
    assert submit.json()["response_action"] == "update" and "Guests" in json.dumps(submit.json()["view"])
    shortcut = guest.post_payload({"type": "message_action", "callback_id": "add_to_leonar",
                                   "team": {"id": "T0001", "domain": "x"}, "user": {"id": GUEST, "team_id": "T0001"},
                                   "channel": {"id": "C0001"}, "message": {"text": "Bob Stone", "ts": "1.1"},
                                   "trigger_id": slack.issue_trigger(GUEST), "response_url": slack.new_response_url(),
                                   "api_app_id": "A0001"})
    assert shortcut.status_code == 200
    [told] = slack.wait_for("views.open", opened + 1)[opened:]
    assert "Guests can use it only if" in json.dumps(told.body["view"])
    assert not seeded.requests


def test_an_admin_may_let_guests_in_from_the_home(
    driver: SlackDriver, guest: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    body = {"type": "block_actions", "team": {"id": "T0001", "domain": "x"}, "user": {"id": ADMIN, "team_id": "T0001"},
            "api_app_id": "A0001", "trigger_id": slack.issue_trigger(ADMIN), "container": {"type": "view",
                                                                                          "view_id": "VH"},
            "view": {"id": "VH", "type": "home", "team_id": "T0001", "hash": "h", "blocks": [],
                     "state": {"values": {}}},
            "actions": [{"type": "checkboxes", "action_id": "home_allow_guests", "block_id": "details",
                         "selected_options": [{"value": "allow"}], "action_ts": "1.2"}]}
    assert driver.post_payload(body).status_code == 200
    # The Home published after the change (not the one the connection published, which may come later).
    assert slack.wait_until(lambda: any("initial_options" in json.dumps(c.body)
                                        for c in slack.calls_to("views.publish"))), "the Home did not allow guests"
    view = guest.open_modal(callback_id="leonar_add")
    pick_project(guest, "zeta", "Zeta")
    pick_contact(guest, "bob")
    assert guest.submit().status_code == 200 and len(entry_posts(seeded)) == 1
    assert view


@pytest.mark.parametrize("stranger", [{"team_id": THEIR_TEAM}, {"is_stranger": True}, None])
def test_people_of_another_organisation_are_refused_even_with_guests_allowed(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, stranger: JSON | None
) -> None:
    connect(driver)
    if stranger is None:
        slack.users.pop("U0OUT", None)
        slack.fail("users.info", "user_not_found", times=5)  # Slack will not describe them to us
    else:
        slack.users["U0OUT"] = slack.make_user("U0OUT") | stranger
    outsider = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0OUT")
    seeded.requests.clear()
    answer = outsider.command("Bob Stone")
    assert "people from another organisation cannot use it here" in answer.json()["text"]
    assert not seeded.requests and not slack.calls_to("views.open")[1:]
    outsider.close()


def test_only_admins_see_the_keys_last_characters(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    slack.users["U0MEMBER"] = slack.make_user("U0MEMBER")
    member = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0MEMBER")
    for who, shown in ((driver, True), (member, False)):
        who.command("status")
        text = hook_text(slack, who)
        assert "Connected to Leonar by <@U0001>" in text and ("…0001" in text) is shown, text
    member.close()
