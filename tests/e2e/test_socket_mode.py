"""Socket Mode: with SLACK_APP_TOKEN the bot takes Slack's requests over a WebSocket, no public URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.bot import LEONAR_KEY, RunningBot, make_settings, serve
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A0001-1-socketmodetoken"


@pytest.fixture
def socket(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as fake:
        slack.app_token, slack.socket_url = APP_TOKEN, fake.url
        yield fake


@pytest.fixture
def socket_bot(slack: FakeSlack, leonar: FakeLeonar, socket: FakeSocketMode, tmp_path: Path) -> Iterator[RunningBot]:
    # No signing secret: over Socket Mode nothing arrives over HTTP to be verified.
    running = serve(make_settings(slack, leonar, tmp_path / "bot.db", slack_app_token=APP_TOKEN,
                                  slack_signing_secret=None))
    yield running
    running.stop()


def command(slack: FakeSlack, text: str = "") -> dict[str, str]:
    return {"command": "/leonar-add", "text": text, "team_id": "T0001", "user_id": "U0001", "channel_id": "C0001",
            "trigger_id": slack.issue_trigger("U0001"), "response_url": slack.new_response_url(),
            "api_app_id": "A0001"}


def connect_over_socket(socket: FakeSocketMode, slack: FakeSlack) -> dict[str, Any]:
    """/leonar-add and the key pasted, as an admin would; returns the add form it became (its id included)."""
    socket.send("slash_commands", command(slack))
    [opened] = slack.wait_for("views.open")
    view = slack.views[opened.response["view"]["id"]]
    submit = {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "U0001", "team_id": "T0001"},
              "api_app_id": "A0001", "trigger_id": slack.issue_trigger("U0001"),
              "view": view | {"state": {"values": {"api_key": {"api_key_input": {
                  "type": "plain_text_input", "value": LEONAR_KEY}}}}}}
    ack = socket.send("interactive", submit)["payload"]
    assert ack["response_action"] == "update"
    return dict(ack["view"]) | {"id": view["id"]}


def test_slash_command_and_options_over_socket_mode(
    socket_bot: RunningBot, socket: FakeSocketMode, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    help_ack = socket.send("slash_commands", command(slack, "help"))
    assert "/leonar-add connect" in help_ack["payload"]["text"]

    socket.send("slash_commands", command(slack))
    [opened] = slack.wait_for("views.open")
    assert opened.body["view"]["callback_id"] == "leonar_connect"  # not connected yet, and the user is an admin

    view = slack.views[opened.response["view"]["id"]]
    submit = {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": "U0001", "team_id": "T0001"},
              "api_app_id": "A0001", "trigger_id": slack.issue_trigger("U0001"),
              "view": view | {"state": {"values": {"api_key": {"api_key_input": {
                  "type": "plain_text_input", "value": LEONAR_KEY}}}}}}
    ack = socket.send("interactive", submit)
    assert ack["payload"]["response_action"] == "update"
    assert ack["payload"]["view"]["callback_id"] == "leonar_add"

    leonar.add_project("Zeta Platform Lead")
    suggestion = {"type": "block_suggestion", "team": {"id": "T0001"}, "user": {"id": "U0001"},
                  "api_app_id": "A0001", "action_id": "project_select", "block_id": "project", "value": "zeta",
                  "view": ack["payload"]["view"] | {"id": view["id"]}}
    options = socket.send("interactive", suggestion)["payload"]["options"]
    assert [o["text"]["text"] for o in options] == ["Zeta Platform Lead"]


def test_socket_mode_needs_no_signing_secret_but_http_stays_closed(socket_bot: RunningBot) -> None:
    assert socket_bot.settings.missing() == []
    response = socket_bot.http.post("/slack/events", data={"command": "/leonar-add"})
    assert response.status_code in (400, 401)  # nothing unsigned is served over HTTP


def test_at_shutdown_a_request_received_is_acknowledged_before_the_socket_closes(
    socket_bot: RunningBot, socket: FakeSocketMode, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    """Issue 18 G: the socket was closed first, under requests still being answered: their acks were lost, and
    Slack showed their users an error. An options load waiting for a slow Leonar is received, then the bot stops."""
    form = connect_over_socket(socket, slack)
    leonar.inject("GET", r"/projects", delay=1.5)
    before = leonar.count("GET", r"/projects")  # the key check read them too
    suggestion = {"type": "block_suggestion", "team": {"id": "T0001"}, "user": {"id": "U0001"},
                  "api_app_id": "A0001", "action_id": "project_select", "block_id": "project", "value": "zeta",
                  "view": form}
    answers: list[dict[str, object]] = []
    asking = threading.Thread(target=lambda: answers.append(socket.send("interactive", suggestion, timeout=10)))
    asking.start()
    # Received: waiting for Leonar.
    assert leonar.wait_until(lambda: leonar.count("GET", r"/projects") > before), "the options load never came"
    socket_bot.stop()  # SIGTERM: returns once the bot has shut down
    asking.join(10)
    assert answers and "options" in answers[0]["payload"], answers  # type: ignore[operator]
