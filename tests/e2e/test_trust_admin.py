"""Only workspace admins and owners connect, rotate or disconnect the key; anyone can see its status."""

from __future__ import annotations

import pytest

from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect

MEMBER = "U0002"


@pytest.fixture
def member(bot: RunningBot, slack: FakeSlack) -> SlackDriver:
    slack.add_user(MEMBER)
    return SlackDriver(bot, SIGNING_SECRET, slack, user_id=MEMBER)


def replies(slack: FakeSlack, driver: SlackDriver, timeout: float = 5.0) -> list[str]:
    """What the bot answered through the last command's response_url, once it has finished answering."""
    driver.hook_posts(timeout)
    driver.settle()  # a second answer, which should not be there, would be there now
    return [post["text"] for post in driver.hook_posts()]


def test_a_member_cannot_connect_and_is_told_who_can(member: SlackDriver, slack: FakeSlack) -> None:
    member.command()
    [text] = replies(slack, member)
    assert "Only a workspace admin or owner can connect it" in text
    assert not slack.calls_to("views.open")


@pytest.mark.parametrize("sub", ["connect", "disconnect"])
def test_a_member_cannot_change_an_existing_connection(
    driver: SlackDriver, member: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, sub: str
) -> None:
    connect(driver)
    opened = len(slack.calls_to("views.open"))
    member.command(sub)
    [text] = replies(slack, member)
    assert f"Only a workspace admin or owner can {sub} Leonar" in text and "connected by <@U0001>" in text
    assert len(slack.calls_to("views.open")) == opened
    assert member.open_modal(callback_id="leonar_add")  # ...but adding candidates is for everyone


def test_an_owner_may_connect(bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar) -> None:
    slack.add_user("UOWN", owner=True)
    owner = SlackDriver(bot, SIGNING_SECRET, slack, user_id="UOWN")
    owner.command()
    assert owner.wait_view(lambda v: v["callback_id"] == "leonar_connect")


def test_demoted_between_opening_and_submitting_is_refused(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    driver.command()
    driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
    slack.add_user("U0001")  # no longer an admin
    driver.type_text("api_key_input", LEONAR_KEY)
    driver.submit()
    assert driver.last_errors == {"api_key": "Only a workspace admin or owner can change the Leonar connection."}
    driver.command()  # the key was not stored
    [text] = replies(slack, driver)
    assert "not connected to Leonar yet" in text


def test_disconnect_asks_first_then_deletes_the_key(driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar) -> None:
    connect(driver)
    driver.command("disconnect")
    confirm = driver.wait_view(lambda v: v["callback_id"] == "leonar_disconnect")
    assert "…0001" in str(confirm["blocks"]) and LEONAR_KEY not in str(confirm)
    assert driver.submit().status_code == 200
    [text] = replies(slack, driver)
    assert "disconnected" in text
    driver.command()
    assert driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")


def test_status_shows_who_when_which_key_and_scopes(
    driver: SlackDriver, member: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    member.command("status")
    assert "Not connected" in replies(slack, member)[0]
    connect(driver)
    member.command("status")
    [text] = replies(slack, member)
    assert "<@U0001>" in text and "…0001" not in text and LEONAR_KEY not in text  # the key's end: admins only
    driver.command("status")
    [text] = replies(slack, driver)
    assert "<@U0001>" in text and "`…0001`" in text and "scopes suffice" in text and LEONAR_KEY not in text
    leonar.add_key(LEONAR_KEY, scopes={"projects:read"})  # scopes narrowed in Leonar since
    member.command("status")
    [text] = replies(slack, member)
    assert "lacks contacts:read" in text and "Tip: add pipeline:read" in text


def test_unknown_role_is_said_not_guessed(driver: SlackDriver, slack: FakeSlack) -> None:
    """Without users:read Slack describes nobody: closed when in doubt (issue 18 B), and the reason said."""
    slack.fail("users.info", "missing_scope")
    answer = driver.command()
    assert "lacks the users:read permission" in answer.json()["text"] and "reinstall" in answer.json()["text"]
    assert not slack.calls_to("views.open")
