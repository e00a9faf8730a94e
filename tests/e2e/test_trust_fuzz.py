"""Malformed but correctly signed requests to POST /slack/events: never a 500, never a traceback, still up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.bot import LEONAR_KEY, SIGNING_SECRET, RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TYPES = ["block_suggestion", "block_actions", "view_submission", "view_closed", "shortcut", "message_action",
         "interactive_message", "block_suggestion ", ""]
ACTIONS = ["project_select", "contact_select", "stage_select", "stage_pending_select", "open_linkedin", "x"]
CALLBACKS = ["leonar_add", "leonar_connect", "leonar_disconnect", "other"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    """Interaction payloads that look like Slack's, with any part missing, mistyped or odd."""
    view: dict[str, Any] = {
        "id": draw(st.sampled_from(["V1", "", None])),
        "type": draw(st.sampled_from(["modal", "home", None, 3])),
        "callback_id": draw(st.sampled_from([*CALLBACKS, None])),
        "private_metadata": draw(st.sampled_from(["{}", "not json", "[]", '{"channel_id": 5}', None]) |
                                 json_values.map(json.dumps)),
        "hash": draw(st.text(max_size=5)),
        "state": draw(st.sampled_from([{"values": {}}, {}, None, {"values": None}]) | json_values),
    }
    payload: dict[str, Any] = {
        "type": draw(st.sampled_from(TYPES)),
        "team": draw(st.sampled_from([{"id": "T0001"}, {"id": None}, {}, None, "T0001"])),
        "user": draw(st.sampled_from([{"id": "U0001"}, {}, None, {"id": 7}])),
        "api_app_id": "A0001",
        "view": draw(st.sampled_from([view, None, {}, "view"])),
        "action_id": draw(st.sampled_from(ACTIONS)),
        "block_id": draw(st.sampled_from(["project", "contact", "x"])),
        "value": draw(st.text(max_size=30) | st.none() | st.integers()),
        "actions": draw(st.sampled_from([[], None, [{}], [{"action_id": "project_select"}],
                                         [{"action_id": "project_select", "selected_option": None}],
                                         [{"action_id": "project_select", "selected_option": {"value": 3}}]])),
        "callback_id": draw(st.sampled_from(CALLBACKS)),
        "trigger_id": draw(st.sampled_from(["1.2.3", None])),
    }
    for key in draw(st.lists(st.sampled_from(sorted(payload)), max_size=4)):
        payload.pop(key, None)
    extra = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2))
    return {**extra, **payload}


@st.composite
def commands(draw: st.DrawFn) -> dict[str, str]:
    form = {
        "command": draw(st.sampled_from(["/leonar-add", "/other", ""])),
        "text": draw(st.text(max_size=40) | st.sampled_from(["help", "status", "connect", "disconnect", "x y"])),
        "team_id": draw(st.sampled_from(["T0001", "", "T9"])),
        "user_id": draw(st.sampled_from(["U0001", "", "U9"])),
        "channel_id": draw(st.sampled_from(["C0001", ""])),
        "trigger_id": draw(st.sampled_from(["1.2.3", ""])),
        "response_url": draw(st.sampled_from(["http://127.0.0.1:9/hook", "", "not a url"])),
    }
    for key in draw(st.lists(st.sampled_from(sorted(form)), max_size=3)):
        form.pop(key, None)
    return form


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlackDriver, RunningBot]]:
    with FakeSlack() as slack, FakeLeonar() as leonar:
        slack.add_user("U0001", admin=True)
        slack.trigger_ttl = None
        leonar.add_key(LEONAR_KEY)
        db: Path = tmp_path_factory.mktemp("fuzz") / "bot.db"
        running = serve(make_settings(slack, leonar, db, slack_api_url=slack.api_url))
        driver = SlackDriver(running, SIGNING_SECRET, slack)
        driver.command()  # connect the workspace, so fuzzed requests reach the Leonar-backed paths too
        driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
        driver.type_text("api_key_input", LEONAR_KEY)
        driver.submit()
        yield driver, running
        driver.close()
        running.stop()


def check(response: httpx.Response) -> None:
    assert response.status_code != 500 and response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text and "Error(" not in response.text


def signed_post(driver: SlackDriver, body: bytes, content_type: str) -> httpx.Response:
    headers = driver.signed_headers(body) | {"Content-Type": content_type}
    return driver.http.post(driver.url, content=body, headers=headers)


@FUZZ
@given(payload=payloads())
def test_fuzzed_interactions(target: tuple[SlackDriver, RunningBot], payload: dict[str, Any]) -> None:
    driver, _ = target
    check(driver.post_payload(payload))


@FUZZ
@given(form=commands())
def test_fuzzed_commands(target: tuple[SlackDriver, RunningBot], form: dict[str, str]) -> None:
    driver, _ = target
    check(signed_post(driver, urlencode(form).encode(), "application/x-www-form-urlencoded"))


@FUZZ
@given(body=st.binary(max_size=300), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]))
def test_fuzzed_raw_bodies(target: tuple[SlackDriver, RunningBot], body: bytes, content_type: str) -> None:
    driver, _ = target
    check(signed_post(driver, body, content_type))
    check(signed_post(driver, b"payload=" + body, "application/x-www-form-urlencoded"))


def test_still_up_after_the_fuzzing(target: tuple[SlackDriver, RunningBot]) -> None:
    _, bot = target
    assert bot.http.get("/healthz").status_code == 200


