"""Only requests signed by Slack within 5 minutes are served; anything else gets 401 and runs nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode

import pytest

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect

STALE = int(time.time()) - 301


def command_body(driver: SlackDriver, slack: FakeSlack) -> bytes:
    return urlencode({"command": "/leonar-add", "text": "", "team_id": "T0001", "user_id": "U0001",
                      "channel_id": "C0001", "trigger_id": slack.issue_trigger("U0001"),
                      "response_url": slack.new_response_url()}).encode()


def options_body(driver: SlackDriver) -> bytes:
    view = driver.view()
    payload = {"type": "block_suggestion", "team": {"id": "T0001"}, "user": {"id": "U0001"}, "api_app_id": "A0001",
               "action_id": "project_select", "block_id": "project", "value": "", "view": view}
    return f"payload={quote(json.dumps(payload))}".encode()


def submission_body(driver: SlackDriver) -> bytes:
    view = driver.view()
    payload = {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "U0001"}, "api_app_id": "A0001",
               "view": view | {"state": {"values": {"api_key": {"api_key_input": {"type": "plain_text_input",
                                                                                    "value": "leo_attacker_key"}}}}}}
    return f"payload={quote(json.dumps(payload))}".encode()


FORGERIES: dict[str, Callable[[SlackDriver, bytes], dict[str, str]]] = {
    "unsigned": lambda d, body: {"Content-Type": "application/x-www-form-urlencoded"},
    "wrong secret": lambda d, body: d.signed_headers(body, secret="not-the-secret"),
    "stale": lambda d, body: d.signed_headers(body, timestamp=STALE),
    "tampered": lambda d, body: d.signed_headers(body + b"&x=1"),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_slash_commands_run_nothing(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, forgery: str
) -> None:
    body = command_body(driver, slack)
    response = driver.http.post(driver.url, content=body, headers=FORGERIES[forgery](driver, body))
    assert response.status_code == 401
    driver.settle()
    assert not slack.calls_to("views.open") and not slack.calls_to("users.info") and not leonar.requests


@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_options_and_submissions_run_nothing(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, forgery: str
) -> None:
    connect(driver)
    driver.wait_view(lambda v: v["callback_id"] == "leonar_add")
    before, calls = len(seeded.requests), len(slack.calls)
    body = options_body(driver)
    response = driver.http.post(driver.url, content=body, headers=FORGERIES[forgery](driver, body))
    assert response.status_code == 401 and "options" not in response.text

    driver.command("connect")  # an admin's connect modal, which a forged submit would try to complete
    driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
    driver.settle()  # the command's own work done: what comes next is the forgery's
    before, calls = len(seeded.requests), len(slack.calls)
    body = submission_body(driver)
    response = driver.http.post(driver.url, content=body, headers=FORGERIES[forgery](driver, body))
    assert response.status_code == 401
    driver.settle()
    assert len(seeded.requests) == before and len(slack.calls) == calls


def test_the_same_request_signed_properly_is_served(driver: SlackDriver, slack: FakeSlack) -> None:
    body = command_body(driver, slack)
    assert driver.http.post(driver.url, content=body, headers=driver.signed_headers(body)).status_code == 200
    slack.wait_for("views.open")


def test_health_needs_no_signature_and_reveals_nothing(driver: SlackDriver) -> None:
    response = driver.http.get(driver.url.replace("/slack/events", "/healthz"))
    assert response.json() == {"ok": True}
