"""The Workflow Builder step over Socket Mode (manifest.socket.yml): function_executed arrives over the WebSocket,
is acknowledged there, and the step completes as over HTTP."""

from __future__ import annotations

import time

from tests.e2e.test_socket_mode import connect_over_socket, socket, socket_bot
from tests.support.bot import RunningBot
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_functions import function_executed_envelope
from tests.support.fakes.socket_mode import FakeSocketMode

__all__ = ["socket", "socket_bot"]  # the Socket Mode fixtures


def test_the_step_runs_over_socket_mode(
    socket_bot: RunningBot, socket: FakeSocketMode, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    project = leonar.add_project("Data Engineer")
    connect_over_socket(socket, slack)
    execution = slack.executions.start("add_candidate", {"project": "data engineer", "candidate": "Ada Lovelace"})
    started = time.monotonic()
    socket.send("events_api", function_executed_envelope(execution, "T0001", "A0001"))
    assert time.monotonic() - started < 3.0  # acknowledged within Slack's window
    slack.wait_until(lambda: execution.state != "running", timeout=8)
    assert execution.state == "completed", execution.error
    [entry] = leonar.entries(project["id"])
    assert execution.outputs and execution.outputs["entry_id"] == entry["id"]
