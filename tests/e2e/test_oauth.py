"""Multi-workspace: each workspace installs the app through Slack's OAuth flow; installations live encrypted in
the same database as the Leonar keys, tokens rotate, and uninstalling removes the workspace's data."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot

from bot.store import Workspace, sqlite_path
from tests.support.blocking import open_blocking
from tests.support.bot import LEONAR_KEY, RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.installs import CLIENT_ID, driver_for, install


def send_event(driver: SlackDriver, event: dict[str, Any]) -> None:
    body = json.dumps({"token": "x", "team_id": driver.team_id, "api_app_id": "A0001", "type": "event_callback",
                       "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()), "event": event}).encode()
    response = driver.http.post(driver.url, content=body,
                                headers=driver.signed_headers(body) | {"Content-Type": "application/json"})
    assert response.status_code == 200


def test_two_workspaces_install_and_each_uses_its_own_token(
    oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    token_a, token_b = install(oauth_bot, slack, "TA"), install(oauth_bot, slack, "TB")
    assert token_a != token_b
    for team, token in (("TA", token_a), ("TB", token_b)):
        driver = driver_for(oauth_bot, slack, team)
        view = driver.open_modal(callback_id="leonar_connect")
        [opened] = [c for c in slack.calls_to("views.open") if c.response["view"]["id"] == view["id"]]
        assert opened.token == token  # the installation of the workspace the request came from
        driver.type_text("api_key_input", LEONAR_KEY)
        driver.submit()
        assert driver.last_errors is None
        driver.close()
    raw = b"".join(p.read_bytes() for p in Path(sqlite_path(oauth_bot.settings.database_url)).parent.glob("bot.db*")
                   if not p.name.endswith(".key"))
    assert token_a.encode() not in raw and b"xoxb-" not in raw  # installations are encrypted too


def test_uninstalling_removes_the_installation_and_the_leonar_key(
    oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    install(oauth_bot, slack, "TA")
    driver = driver_for(oauth_bot, slack, "TA")
    driver.open_modal(callback_id="leonar_connect")
    driver.type_text("api_key_input", LEONAR_KEY)
    driver.submit()
    send_event(driver, {"type": "app_uninstalled"})
    oauth_bot.settle()
    opened = len(slack.calls_to("views.open"))
    assert driver.command().status_code == 200
    [told] = driver.hook_posts()
    assert "reinstall" in told["text"].lower()  # Bolt's answer for a workspace without installation
    assert len(slack.calls_to("views.open")) == opened
    store = open_blocking(oauth_bot.settings.database_url, oauth_bot.settings.encryption_key.get_secret_value()
                       if oauth_bot.settings.encryption_key else None)
    assert store.installations.find_bot(Workspace(None, "TA")) is None
    assert store.workspaces.get_connection(Workspace(None, "TA")) is None
    driver.close()


def test_an_expired_bot_token_is_rotated_and_saved(
    oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    old_token = install(oauth_bot, slack, "TA")
    settings = oauth_bot.settings
    store = open_blocking(settings.database_url, settings.encryption_key.get_secret_value()
                       if settings.encryption_key else None)
    saved = json.loads(store.installations.find_bot(Workspace(None, "TA")) or "{}")
    saved["bot_token_expires_at"] = "2020-01-01T00:00:00+00:00"  # as if 12 h had passed
    store.installations.save_bot(Workspace(None, "TA"), json.dumps(saved))
    driver = driver_for(oauth_bot, slack, "TA")
    driver.open_modal(callback_id="leonar_connect")
    [opened] = slack.calls_to("views.open")
    assert opened.token != old_token and opened.token in slack.token_teams  # a fresh token from the refresh
    rotated = Bot(**json.loads(store.installations.find_bot(Workspace(None, "TA")) or "{}"))
    assert rotated.bot_token == opened.token
    driver.close()


def test_installations_on_postgresql(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, postgres_url: str) -> None:
    running = serve(make_settings(slack, leonar, tmp_path / "unused.db", slack_bot_token=None,
                                  slack_client_id=CLIENT_ID, slack_client_secret="oauth-client-secret",
                                  database_url=postgres_url), listen=True)  # a browser installs it
    try:
        token = install(running, slack, "TP")
        driver = driver_for(running, slack, "TP")
        view = driver.open_modal(callback_id="leonar_connect")
        [opened] = [c for c in slack.calls_to("views.open") if c.response["view"]["id"] == view["id"]]
        assert opened.token == token
        driver.close()
    finally:
        running.stop()
