"""The step's Project menu in Workflow Builder (dynamic options: a step completed before its ack), and how the
step behaves towards Slack's completion rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect

JSON = dict[str, Any]


def test_the_menu_lists_matching_active_projects_before_the_ack(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    backend = leonar.add_project("Backend Engineer", client_company="Doctolib")
    leonar.add_project("Éclairagiste")
    leonar.add_project("Old backend search", status="archived")
    connect(driver)
    execution = driver.function_executed({"query": "backend"}, callback_id="leonar_projects")
    # Workflow Builder shows the menu from the completion: it must be there when the ack arrives.
    assert execution.state == "completed", execution.error
    assert execution.outputs == {"options": [{"text": {"type": "plain_text", "text": "Backend Engineer — Doctolib",
                                                       "emoji": True}, "value": backend["id"]}]}
    everything = driver.function_executed({"query": ""}, callback_id="leonar_projects")
    assert everything.outputs and len(everything.outputs["options"]) == 2


def test_the_menu_never_offers_a_notice_as_a_project(driver: SlackDriver, slack: FakeSlack,
                                                     leonar: FakeLeonar) -> None:
    leonar.add_project("Backend Engineer")
    connect(driver)
    execution = driver.function_executed({"query": "zzz"}, callback_id="leonar_projects")
    assert execution.state == "completed" and execution.outputs == {"options": []}


def test_the_menu_of_a_workspace_not_connected_fails_with_how_to_connect(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    execution = driver.function_executed({"query": ""}, callback_id="leonar_projects")
    assert execution.state == "failed" and execution.error == "Connect Leonar in Slack first: /leonar-add connect"


@pytest.mark.limits(step_menu_seconds=0.5)  # production's 2 s, shrunk (the driver's 3 s to 1.5 s)
def test_a_slow_leonar_fails_the_menu_within_slacks_window(driver: SlackDriver, slack: FakeSlack,
                                                           leonar: FakeLeonar) -> None:
    leonar.add_project("Backend Engineer")
    connect(driver)
    leonar.inject("GET", r"/projects", delay=6, times=3)
    execution = driver.function_executed({"query": "x"}, callback_id="leonar_projects")  # acked within 3 s
    assert execution.state == "failed"  # completed before the ack, with a reason Workflow Builder shows
    assert execution.error == "Leonar is not answering right now: try again in a moment."


def test_a_completion_slack_refuses_is_logged_not_retried(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    leonar.add_project("Data Engineer")
    connect(driver)
    slack.fail("functions.completeSuccess", "execution_not_in_running_state")
    execution = driver.function_executed({"project": "Data Engineer", "candidate": "Ada Lovelace"})
    slack.wait_for("functions.completeSuccess")
    driver.settle()  # a retry, had there been one
    assert execution.state == "running" and len(slack.calls_to("functions.completeSuccess")) == 1
    assert slack.calls_to("functions.completeError") == []
