"""Two Slack workspaces, two Leonar keys: each only ever sees and sends its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import entry_posts
from tests.support.installs import driver_for, install

KEY_A, KEY_B = "leo_acme_key_aaaa1111", "leo_beta_key_bbbb2222"


@pytest.fixture
def two(oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar) -> Iterator[tuple[SlackDriver, SlackDriver]]:
    """Two workspaces that each installed the app (their own bot token) and connected their own Leonar key."""
    leonar.add_key(KEY_A, workspace="acme")
    leonar.add_key(KEY_B, workspace="beta")
    for workspace, tag in (("acme", "Acme"), ("beta", "Beta")):
        leonar.add_project(f"{tag} Platform Lead", workspace=workspace)
        leonar.add_project(f"{tag} Designer", workspace=workspace)
        leonar.add_contact("Sam", f"{tag}son", title=f"{tag} engineer", workspace=workspace)
    install(oauth_bot, slack, "TA")
    install(oauth_bot, slack, "TB")
    a, b = driver_for(oauth_bot, slack, "TA"), driver_for(oauth_bot, slack, "TB")
    for driver, key in ((a, KEY_A), (b, KEY_B)):
        driver.command()
        driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
        driver.type_text("api_key_input", key)
        assert driver.submit().status_code == 200
    yield a, b
    a.close()
    b.close()


def add_flow(driver: SlackDriver) -> tuple[list[str], list[str]]:
    """A whole add; returns the project and candidate option texts this user was offered."""
    driver.open_modal(callback_id="leonar_add")
    projects = driver.suggest_options("project_select", "")
    driver.select("project_select", projects[0])
    driver.wait_view(lambda v: any(b.get("element", {}).get("action_id") == "stage_select" for b in v["blocks"]))
    contacts = driver.suggest_options("contact_select", "sam")
    driver.select("contact_select", contacts[0])
    assert driver.submit().status_code == 200
    return [o["text"]["text"] for o in projects], [o["text"]["text"] for o in contacts]


@pytest.mark.parametrize(("who", "mine", "theirs"), [(1, ("Beta", KEY_B), "Acme"), (0, ("Acme", KEY_A), "Beta")])
def test_each_workspace_sees_and_sends_only_its_own(
    two: tuple[SlackDriver, SlackDriver], leonar: FakeLeonar, slack: FakeSlack,
    who: int, mine: tuple[str, str], theirs: str,
) -> None:
    driver, (tag, key) = two[who], mine
    leonar.requests.clear()
    projects, contacts = add_flow(driver)
    driver.command("status")
    slack.wait_for("hook")
    assert projects and all(tag in p and theirs not in p for p in projects)
    assert contacts and all(tag in c and theirs not in c for c in contacts)
    assert {r.api_key for r in leonar.requests} == {key}  # every call of this flow used this workspace's key
    [post] = entry_posts(leonar)
    assert post.api_key == key
    assert len(leonar.entries(workspace="acme" if tag == "Acme" else "beta")) == 1
    assert leonar.entries(workspace="beta" if tag == "Acme" else "acme") == []


def test_a_workspace_cannot_reach_another_workspaces_project(
    two: tuple[SlackDriver, SlackDriver], leonar: FakeLeonar
) -> None:
    a, b = two
    add_flow(a)
    acme_id = leonar.entries(workspace="acme")[0]["project_id"]
    leonar.requests.clear()
    # B forges a pick of A's project id (Slack would never offer it): the call goes out with B's key only.
    view = b.open_modal(callback_id="leonar_add")
    payload = {"type": "block_actions", "team": {"id": "TB"}, "user": {"id": b.user_id, "team_id": "TB"},
               "api_app_id": "A0001", "view": view | {"app_installed_team_id": "TB"},
               "container": {"type": "view", "view_id": view["id"]},
               "actions": [{"type": "external_select", "action_id": "project_select", "block_id": "project",
                            "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": acme_id}}],
               "trigger_id": "1.2.3"}
    assert b.post_payload(payload).status_code == 200
    b.wait_view(lambda v: "Stages could not be loaded" in str(v["blocks"]))
    assert {r.api_key for r in leonar.requests} == {KEY_B}


def test_a_slack_connect_interaction_finds_the_installation_and_its_key(
    two: tuple[SlackDriver, SlackDriver], leonar: FakeLeonar
) -> None:
    """Installed per workspace (OAuth): the payload pairs our team with the other organisation's enterprise."""
    a, _ = two
    view = a.open_modal(callback_id="leonar_add")
    leonar.requests.clear()
    payload = a.suggestion("project_select", "") | {
        "team": {"id": "T0THEIRS", "enterprise_id": "E0THEIRS"}, "enterprise": {"id": "E0THEIRS"},
        "view": view | {"team_id": "T0THEIRS", "app_installed_team_id": "TA"}}
    options = a.post_payload(payload).json()["options"]
    assert [o["text"]["text"] for o in options] == ["Acme Designer", "Acme Platform Lead"]
    assert {r.api_key for r in leonar.requests} == {KEY_A}


def test_an_outsider_is_told_whose_bot_it_is(two: tuple[SlackDriver, SlackDriver], slack: FakeSlack) -> None:
    """Installed through OAuth, the installation knows its workspace's name (auth.test): the refusal says it."""
    a, _ = two
    slack.users["U0OUT"] = slack.make_user("U0OUT") | {"team_id": "T0THEIRS"}
    outsider = SlackDriver(a.app, a.signing_secret, slack, team_id="TA",
                           user_id="U0OUT")
    answer = outsider.command().json()
    assert answer["text"].startswith("Leonar for Slack is for the members of Leonar Test: people from another")
    outsider.close()
