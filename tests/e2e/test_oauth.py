"""Multi-workspace: each workspace installs the app through Slack's OAuth flow; installations live encrypted in
the same database as the Leonar keys, tokens rotate, and uninstalling removes the workspace's data."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.oauth.installation_store.models.bot import Bot

from bot.store import Workspace, open_store, sqlite_path
from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

CLIENT_ID = "1111.2222"


@pytest.fixture
def oauth_bot(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path) -> Iterator[RunningBot]:
    running = serve(make_settings(slack, leonar, tmp_path / "bot.db", slack_bot_token=None,
                                  slack_client_id=CLIENT_ID, slack_client_secret="oauth-client-secret"))
    yield running
    running.server.should_exit = True


def install(bot: RunningBot, slack: FakeSlack, team: str) -> str:
    """Go through /slack/install and /slack/oauth_redirect as a browser would; returns the team's bot token."""
    with httpx.Client(base_url=bot.url, trust_env=False) as browser:
        page = browser.get("/slack/install")
        assert page.status_code == 200
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
        assert link and f"client_id={CLIENT_ID}" in link.group(1)
        assert "scope=commands,chat:write,chat:write.public,users:read" in link.group(1).replace("%2C", ",")
        state = re.search(r"state=([^&\"]+)", link.group(1))
        assert state
        # The state cookie is Secure (https only): a browser would send it back over https; do so by hand.
        cookie = page.headers["set-cookie"].split(";")[0]
        assert cookie.startswith("slack-app-oauth-state=")
        slack.oauth_codes[f"code-{team}"] = team
        params = {"code": f"code-{team}", "state": state.group(1)}
        done = browser.get("/slack/oauth_redirect", params=params, headers={"Cookie": cookie})
        assert done.status_code == 200, done.text
        replay = browser.get("/slack/oauth_redirect", params=params, headers={"Cookie": cookie})
        assert replay.status_code != 200  # a state works once
        forged = browser.get("/slack/oauth_redirect", params={"code": "x", "state": "made-up"},
                             headers={"Cookie": "slack-app-oauth-state=made-up"})
        assert forged.status_code != 200  # and only a state the bot issued
    return next(token for token, owner in slack.token_teams.items() if owner == team)


def driver_for(bot: RunningBot, slack: FakeSlack, team: str) -> SlackDriver:
    user = f"U{team}"
    slack.users[user] = slack.make_user(user, admin=True) | {"team_id": team}
    return SlackDriver(bot.url, SIGNING_SECRET, slack, team_id=team, user_id=user, channel_id=f"C{team}")


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
    time.sleep(0.2)
    opened = len(slack.calls_to("views.open"))
    assert driver.command().status_code == 200
    assert driver.last_response_url
    deadline = time.monotonic() + 5
    while not slack.hook_posts(driver.last_response_url) and time.monotonic() < deadline:
        time.sleep(0.02)
    [told] = slack.hook_posts(driver.last_response_url)
    assert "reinstall" in told["text"].lower()  # Bolt's answer for a workspace without installation
    assert len(slack.calls_to("views.open")) == opened
    store = open_store(oauth_bot.settings.database_url, oauth_bot.settings.encryption_key.get_secret_value()
                       if oauth_bot.settings.encryption_key else None)
    assert store.find_bot(Workspace(None, "TA")) is None and store.get_connection(Workspace(None, "TA")) is None
    driver.close()


def test_an_expired_bot_token_is_rotated_and_saved(
    oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    old_token = install(oauth_bot, slack, "TA")
    settings = oauth_bot.settings
    store = open_store(settings.database_url, settings.encryption_key.get_secret_value()
                       if settings.encryption_key else None)
    saved = json.loads(store.find_bot(Workspace(None, "TA")) or "{}")
    saved["bot_token_expires_at"] = "2020-01-01T00:00:00+00:00"  # as if 12 h had passed
    store.save_bot(Workspace(None, "TA"), json.dumps(saved))
    driver = driver_for(oauth_bot, slack, "TA")
    driver.open_modal(callback_id="leonar_connect")
    [opened] = slack.calls_to("views.open")
    assert opened.token != old_token and opened.token in slack.token_teams  # a fresh token from the refresh
    rotated = Bot(**json.loads(store.find_bot(Workspace(None, "TA")) or "{}"))
    assert rotated.bot_token == opened.token
    driver.close()


def test_installations_on_postgresql(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, postgres_url: str) -> None:
    running = serve(make_settings(slack, leonar, tmp_path / "unused.db", slack_bot_token=None,
                                  slack_client_id=CLIENT_ID, slack_client_secret="oauth-client-secret",
                                  database_url=postgres_url))
    try:
        token = install(running, slack, "TP")
        driver = driver_for(running, slack, "TP")
        view = driver.open_modal(callback_id="leonar_connect")
        [opened] = [c for c in slack.calls_to("views.open") if c.response["view"]["id"] == view["id"]]
        assert opened.token == token
        driver.close()
    finally:
        running.server.should_exit = True
