"""Uninstalling the app, or revoking its bot token, deletes the workspace's Leonar key."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

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
    time.sleep(0.2)
    assert connected(driver, slack) is kept


def test_another_workspace_leaving_changes_nothing_here(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    connect(driver)
    assert send_event(driver, {"type": "app_uninstalled"}, team_id="T0999").status_code == 200
    time.sleep(0.2)
    assert connected(driver, slack)
