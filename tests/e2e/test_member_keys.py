"""Members' own Leonar keys (issue 21 A): linking one (App Home, `/leonar-add connect me`) with its checks, unlinking
it, an admin removing it, Slack deactivating the person, uninstalling, and the admins' "members must link their own
key" setting. Which key each action then uses: test_member_keys_paths.py."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.store import sqlite_path
from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, follow_modal
from tests.support.home import open_home, press_in_home
from tests.support.slack_schema import view_problem

MEMBER = "U0002"
OWN_KEY = "leo_own_key_of_u0002_acme"
HOME_URL = "slack://app?team=T0001&id=A0001&tab=home"


@pytest.fixture
def member(bot: RunningBot, slack: FakeSlack, driver: SlackDriver, seeded: FakeLeonar) -> Iterator[SlackDriver]:
    """A member (not an admin) of the connected workspace, whose own Leonar key exists in the same workspace."""
    connect(driver)
    seeded.add_key(OWN_KEY, owner="Sam")
    drv = SlackDriver(bot, SIGNING_SECRET, slack, user_id=MEMBER)
    drv.ack_deadline = driver.ack_deadline
    yield drv
    drv.close()


def event(drv: SlackDriver, body: dict[str, Any]) -> None:
    raw = json.dumps({"token": "x", "team_id": drv.team_id, "api_app_id": drv.api_app_id, "type": "event_callback",
                      "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": body}).encode()
    response = drv.http.post(drv.url, content=raw, headers=drv.signed_headers(raw) | {"Content-Type":
                                                                                     "application/json"})
    assert response.status_code == 200, response.text
    drv.settle()


def home(drv: SlackDriver) -> str:
    view = open_home(drv)
    drv.settle()
    assert view_problem(view) is None
    return json.dumps(view, ensure_ascii=False)


def press(drv: SlackDriver, action: dict[str, Any]) -> None:
    press_in_home(drv, action)
    drv.settle()


def link(drv: SlackDriver, key: str) -> dict[str, str] | None:
    """Opens the link form from the Home, types `key`, submits: the errors under the field, or None."""
    home(drv)
    press(drv, {"type": "button", "action_id": "home_link_member_key"})
    drv.wait_view(lambda v: v.get("callback_id") == "leonar_link_member_key")  # the fake checks its Block Kit
    drv.type_text("member_api_key_input", key)
    assert drv.submit().status_code == 200
    drv.settle()
    return drv.last_errors


def stored_keys(bot: RunningBot) -> list[tuple[str, str, str]]:
    with sqlite3.connect(sqlite_path(bot.settings.database_url)) as db:
        return list(db.execute("SELECT workspace, user_id, api_key_encrypted FROM member_keys"))


def test_a_member_links_their_own_key_from_the_home_and_it_is_never_shown_again(
        bot: RunningBot, member: SlackDriver) -> None:
    assert "Link my Leonar account" in home(member) and "not linked" in home(member)
    assert link(member, OWN_KEY) is None
    assert "Your Leonar key is linked" in json.dumps(member.view())
    [(_, user, encrypted)] = stored_keys(bot)
    assert user == MEMBER and OWN_KEY not in encrypted and OWN_KEY[-4:] not in encrypted  # encrypted at rest
    shown = home(member)
    assert "is linked (since" in shown and "Unlink" in shown
    assert OWN_KEY not in shown and OWN_KEY[-4:] not in shown  # not even its end


def test_connect_me_opens_the_same_form_for_a_member_who_is_not_an_admin(member: SlackDriver,
                                                                         slack: FakeSlack) -> None:
    member.command("connect me")
    member.wait_view(lambda v: v.get("callback_id") == "leonar_link_member_key")
    member.type_text("member_api_key_input", OWN_KEY)
    assert member.submit().status_code == 200 and member.last_errors is None
    member.settle()
    assert "is linked (since" in home(member)
    member.command("status")  # the workspace's connection, and the member's own key
    said = json.dumps(member.hook_posts(), ensure_ascii=False)
    assert "Connected to Leonar by <@U0001>" in said and "Your own Leonar key is linked" in said


@pytest.mark.parametrize(("key", "says"), [
    ("leo_nobody_knows_this_key", "does not accept this key"),
    ("not_a_leonar_key", "starts with"),
    (LEONAR_KEY, "the workspace's own key"),
])
def test_a_key_leonar_refuses_or_the_workspaces_own_is_not_linked(
        bot: RunningBot, member: SlackDriver, key: str, says: str) -> None:
    errors = link(member, key)
    assert errors is not None and says in errors["member_api_key"], errors
    assert stored_keys(bot) == [] and "not linked" in home(member)


def test_a_key_without_the_scopes_the_bot_needs_is_refused_with_which(
        bot: RunningBot, member: SlackDriver, seeded: FakeLeonar) -> None:
    seeded.add_key("leo_narrow_key_of_u0002", scopes={"projects:read", "pipeline:read"}, owner="Sam")
    errors = link(member, "leo_narrow_key_of_u0002")
    assert errors is not None and "contacts:read" in errors["member_api_key"], errors
    assert stored_keys(bot) == []


def test_a_key_of_another_leonar_workspace_is_refused_with_the_reason(
        bot: RunningBot, member: SlackDriver, seeded: FakeLeonar) -> None:
    seeded.add_key("leo_key_of_globex_workspace", workspace="globex", owner="Sam")
    errors = link(member, "leo_key_of_globex_workspace")
    assert errors is not None and "another Leonar workspace" in errors["member_api_key"], errors
    assert stored_keys(bot) == []


def test_when_leonar_lists_no_members_the_workspace_cannot_be_told_and_the_key_is_linked(
        bot: RunningBot, member: SlackDriver, seeded: FakeLeonar) -> None:
    seeded.members_route = False
    seeded.add_key("leo_key_of_globex_workspace", workspace="globex", owner="Sam")
    assert link(member, "leo_key_of_globex_workspace") is None  # README: the bot cannot tell then
    assert [row[1] for row in stored_keys(bot)] == [MEMBER]


def test_the_member_unlinks_from_the_home_or_with_disconnect_me(bot: RunningBot, member: SlackDriver) -> None:
    assert link(member, OWN_KEY) is None
    press(member, {"type": "button", "action_id": "home_unlink_member_key"})
    assert stored_keys(bot) == [] and "not linked" in json.dumps(member.slack.homes[MEMBER])  # published again
    assert link(member, OWN_KEY) is None
    member.command("disconnect me")
    assert "unlinked" in json.dumps(member.hook_posts()) and stored_keys(bot) == []
    member.command("disconnect me")
    assert "no Leonar key linked" in json.dumps(member.hook_posts())


def test_an_admin_sees_who_linked_and_removes_a_key_and_the_member_is_told(
        bot: RunningBot, member: SlackDriver, driver: SlackDriver, slack: FakeSlack) -> None:
    assert link(member, OWN_KEY) is None
    shown = home(driver)
    assert f"<@{MEMBER}>, since" in shown and "1 linked" in shown and OWN_KEY[-4:] not in shown
    press(driver, {"type": "button", "action_id": "home_remove_member_key", "value": MEMBER})
    assert stored_keys(bot) == []
    told = [c.body for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == MEMBER]
    assert told and "<@U0001>, a workspace admin, removed the Leonar key" in told[-1]["text"]
    assert "none linked yet" in home(driver)


def test_a_member_forging_the_admins_remove_button_removes_nothing(
        bot: RunningBot, member: SlackDriver, slack: FakeSlack) -> None:
    slack.add_user("U0003")
    other = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0003")
    try:
        assert link(member, OWN_KEY) is None
        press(other, {"type": "button", "action_id": "home_remove_member_key", "value": MEMBER})
        assert [row[1] for row in stored_keys(bot)] == [MEMBER]
    finally:
        other.close()


def test_a_deactivated_persons_key_is_deleted_when_slack_says_so(bot: RunningBot, member: SlackDriver) -> None:
    assert link(member, OWN_KEY) is None
    person = member.slack.make_user(MEMBER)
    event(member, {"type": "user_change", "user": person})  # a profile change: the key stays
    assert [row[1] for row in stored_keys(bot)] == [MEMBER]
    event(member, {"type": "user_change", "user": {**person, "deleted": True}})
    assert stored_keys(bot) == []


def test_uninstalling_deletes_every_members_key(bot: RunningBot, member: SlackDriver) -> None:
    assert link(member, OWN_KEY) is None
    event(member, {"type": "app_uninstalled"})
    assert stored_keys(bot) == []


def test_when_admins_require_own_keys_an_unlinked_member_is_asked_to_link_theirs(
        bot: RunningBot, member: SlackDriver, driver: SlackDriver, seeded: FakeLeonar, slack: FakeSlack) -> None:
    home(driver)
    press(driver, {"type": "checkboxes", "action_id": "home_require_member_keys",
                   "selected_options": [{"value": "require"}]})
    assert "Members must link their own Leonar key" in home(driver) and '"initial_options"' in home(driver)
    assert "ask everyone to use Leonar with their own key" in home(member)

    opened = len(slack.calls_to("views.open"))
    before = len(seeded.requests)
    answer = member.command("")  # /leonar-add: no add form, the link
    text = json.loads(answer.text)["text"]
    assert "their own Leonar key" in text and HOME_URL in text and "connect me" in text
    assert len(slack.calls_to("views.open")) == opened and len(seeded.requests) == before
    assert HOME_URL in json.loads(member.command("find bob").text)["text"]

    member.command("connect me")  # what it asks for still works
    member.wait_view(lambda v: v.get("callback_id") == "leonar_link_member_key")
    member.type_text("member_api_key_input", OWN_KEY)
    assert member.submit().status_code == 200 and member.last_errors is None
    member.settle()
    member.open_modal(callback_id="leonar_add")  # linked: the add form opens
    member.suggest_options("project_select", "zeta")
    assert seeded.requests[-1].api_key == OWN_KEY  # and Leonar is asked with their key


def test_a_linked_members_reads_use_their_key_and_an_unlinked_ones_the_workspaces(
        member: SlackDriver, driver: SlackDriver, seeded: FakeLeonar) -> None:
    assert link(member, OWN_KEY) is None
    before = len(seeded.requests)
    member.open_modal(callback_id="leonar_add")
    member.suggest_options("project_select", "zeta")
    members_reads = seeded.requests[before:]
    before = len(seeded.requests)
    driver.open_modal(callback_id="leonar_add")
    driver.suggest_options("project_select", "backend")
    admins_reads = seeded.requests[before:]
    assert members_reads and {r.api_key for r in members_reads} == {OWN_KEY}
    assert admins_reads and {r.api_key for r in admins_reads} == {LEONAR_KEY}


def test_a_linked_members_follow_form_reads_as_the_poller_will_with_the_workspaces_key(
        member: SlackDriver, seeded: FakeLeonar) -> None:
    """A follow is polled with the workspace's key: a project only the member's own key could read would never be."""
    assert link(member, OWN_KEY) is None
    before = len(seeded.requests)
    follow_modal(member)
    member.suggest_options("follow_project_select", "zeta")
    member.settle()
    reads = seeded.requests[before:]
    assert reads and {r.api_key for r in reads} == {LEONAR_KEY}
