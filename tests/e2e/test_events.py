"""Uninstalling the app, or revoking its bot token, deletes everything kept about the workspace (or the org)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.store import AddRecord, Workspace, WorkspaceSettings
from tests.support.blocking import Blocking, open_blocking
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect


def send_event(driver: SlackDriver, event: dict[str, Any], team_id: str = "T0001") -> httpx.Response:
    body = json.dumps({"token": "x", "team_id": team_id, "api_app_id": "A0001", "type": "event_callback",
                       "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}]}).encode()
    headers = driver.signed_headers(body) | {"Content-Type": "application/json"}
    return driver.http.post(driver.url, content=body, headers=headers)


def connected(driver: SlackDriver, slack: FakeSlack) -> bool:
    view = driver.open_modal()
    return str(view["callback_id"]) == "leonar_add"


def test_url_verification_is_answered(driver: SlackDriver) -> None:
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}).encode()
    response = driver.http.post(driver.url, content=body,
                                headers=driver.signed_headers(body) | {"Content-Type": "application/json"})
    assert response.status_code == 200 and "c-123" in response.text


@pytest.mark.parametrize(("event", "kept"), [
    ({"type": "app_uninstalled"}, False),
    ({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, False),
    ({"type": "tokens_revoked", "tokens": {"oauth": ["U0001"]}}, True),
])
def test_leaving_the_workspace_deletes_its_key(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, event: dict[str, Any], kept: bool
) -> None:
    connect(driver)
    assert send_event(driver, event).status_code == 200
    driver.settle()
    assert connected(driver, slack) is kept


def test_another_workspace_leaving_changes_nothing_here(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    connect(driver)
    assert send_event(driver, {"type": "app_uninstalled"}, team_id="T0999").status_code == 200
    driver.settle()
    assert connected(driver, slack)


def store_of(bot: RunningBot) -> Blocking:
    assert bot.settings.encryption_key
    return open_blocking(bot.settings.database_url, bot.settings.encryption_key.get_secret_value())


def everything(store: Blocking, workspace: Workspace) -> dict[str, object]:
    """What the store keeps about a workspace (empty values once it has left)."""
    workspaces = store.workspaces
    return {"key": workspaces.get_connection(workspace), "last": workspaces.last_project(workspace, "U0001"),
            "adds": workspaces.recent_adds(workspace),
            "settings": workspaces.settings(workspace) != WorkspaceSettings(),
            "bot": store.installations.find_bot(workspace)}


def keep_everything(store: Blocking, workspace: Workspace) -> None:
    store.workspaces.save_connection(workspace, "leo_grid_key_0001", "U0001")
    store.workspaces.remember_project(workspace, "U0001", "p1", "Backend")
    store.workspaces.record_add(workspace, AddRecord("U0001", "Ada", "Backend", None, datetime.now(UTC)))
    store.workspaces.save_settings(workspace, WorkspaceSettings(default_channel="C1", allow_guests=True))
    store.installations.save_bot(workspace, "{}")


def post_envelope(driver: SlackDriver, envelope: dict[str, Any]) -> httpx.Response:
    body = json.dumps({"token": "x", "api_app_id": "A0001", "type": "event_callback",
                       "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time())} | envelope).encode()
    return driver.http.post(driver.url, content=body,
                            headers=driver.signed_headers(body) | {"Content-Type": "application/json"})


ORG, T1, T2 = "E0ORG", "T0GRID1", "T0GRID2"
GRID_WORKSPACE = {"team_id": T1, "enterprise_id": ORG,
                  "authorizations": [{"enterprise_id": ORG, "team_id": T1, "user_id": "UBOT", "is_bot": True,
                                      "is_enterprise_install": False}]}
ORG_INSTALL = {"enterprise_id": ORG, "is_enterprise_install": True,
               "authorizations": [{"enterprise_id": ORG, "team_id": None, "user_id": "UBOT", "is_bot": True,
                                   "is_enterprise_install": True}]}


@pytest.mark.parametrize(("envelope", "gone", "kept"), [
    (GRID_WORKSPACE | {"event": {"type": "app_uninstalled"}}, [Workspace(ORG, T1)], [Workspace(ORG, T2)]),
    (GRID_WORKSPACE | {"event": {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}}, [Workspace(ORG, T1)],
     [Workspace(ORG, T2)]),
    (ORG_INSTALL | {"event": {"type": "app_uninstalled"}},
     [Workspace(ORG, None), Workspace(ORG, T1), Workspace(ORG, T2)], [Workspace(None, "T0001")]),
    (ORG_INSTALL | {"event": {"type": "team_access_revoked", "team_ids": [T2]}}, [Workspace(ORG, T2)],
     [Workspace(ORG, T1), Workspace(ORG, None)]),
    (GRID_WORKSPACE | {"event": {"type": "app_uninstalled_team", "app_id": "A0001", "team_id": T2,
                                 "user_id": "U0001", "event_ts": "1.2"}}, [Workspace(ORG, T2)],
     [Workspace(ORG, T1)]),
    (ORG_INSTALL | {"event": {"type": "app_uninstalled_team", "app_id": "A0001", "team_id": ORG,
                              "user_id": "U0001", "event_ts": "1.2"}},
     [Workspace(ORG, None), Workspace(ORG, T1), Workspace(ORG, T2)], [Workspace(None, "T0001")]),
])
def test_leaving_deletes_everything_kept_for_exactly_the_workspaces_that_left(
    bot: RunningBot, driver: SlackDriver, envelope: dict[str, Any], gone: list[Workspace], kept: list[Workspace]
) -> None:
    store = store_of(bot)
    for workspace in {*gone, *kept}:
        keep_everything(store, workspace)
    assert post_envelope(driver, envelope).status_code == 200  # app_uninstalled_team too: no 404, no retries
    bot.settle()
    for workspace in gone:
        assert not any(everything(store, workspace).values()), workspace
    for workspace in kept:
        assert all(everything(store, workspace).values()), workspace
    store.close()


def test_an_uninstall_the_database_cannot_record_is_left_unacknowledged_for_slack_to_send_again(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, bot: RunningBot
) -> None:
    """Issue 18 A: acked first and forgotten after, a crash in between left the departed workspace's key behind for
    good (Slack does not send an acknowledged event again)."""
    import sqlite3

    from bot.store import sqlite_path

    connect(driver)
    with sqlite3.connect(sqlite_path(bot.settings.database_url), timeout=0) as lock:
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the file: the bot's write waits, then fails
        assert send_event(driver, {"type": "app_uninstalled"}).status_code >= 400
        lock.rollback()
    assert connected(driver, slack)  # nothing was forgotten, and nothing was acknowledged
    assert send_event(driver, {"type": "app_uninstalled"}).status_code == 200  # Slack's retry
    driver.settle()
    assert not connected(driver, slack), "the workspace was never forgotten"


def test_a_workspace_given_the_org_wide_app_has_its_admins_invited_to_connect_once(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    """Issue 18 E: `team_access_granted`, never subscribed before, now invites the workspace's admins (owners
    first) in a direct message, in their language; a redelivered event invites nobody twice."""
    slack.users["UOWNER"] = slack.make_user("UOWNER", owner=True, team_id="T0002") | {"is_owner": True}
    slack.users["UADMIN"] = slack.make_user("UADMIN", admin=True, team_id="T0002") | {"locale": "fr-FR"}
    slack.users["UMEMBER"] = slack.make_user("UMEMBER", team_id="T0002")
    slack.users["UGONE"] = slack.make_user("UGONE", admin=True, team_id="T0002") | {"deleted": True}
    slack.users["UELSE"] = slack.make_user("UELSE", admin=True, team_id="T0003")
    granted = {"enterprise_id": "E0001", "event_id": "EvGRANTED", "event_time": int(time.time()),
               "event": {"type": "team_access_granted", "team_ids": ["T0002"]},
               "authorizations": [{"enterprise_id": "E0001", "team_id": None, "user_id": "UBOT",
                                   "is_bot": True, "is_enterprise_install": True}]}
    for _ in range(2):  # delivered, then again (the same event_id)
        assert post_envelope(driver, granted).status_code == 200
    slack.wait_for("chat.postMessage", 2)
    driver.settle()
    told = {c.body["channel"]: c.body["text"] for c in slack.calls_to("chat.postMessage")}
    assert set(told) == {"UOWNER", "UADMIN"} and len(slack.calls_to("chat.postMessage")) == 2
    assert "connect it to your Leonar account" in told["UOWNER"] and "/leonar-add connect" in told["UOWNER"]
    assert "connectez-le à votre compte Leonar" in told["UADMIN"]
    assert [c.body.get("team_id") for c in slack.calls_to("users.list")] == ["T0002"]
