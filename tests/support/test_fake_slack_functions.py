"""The fake Slack's custom-step side (fakes/slack_functions.py), driven by slack_sdk's real WebClient: workflow
tokens, functions.completeSuccess / completeError and Slack's checks on them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_functions import Execution

TOKEN = "xoxb-test-token"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
OUTPUTS = {"entry_id": "e1", "candidate_name": "Ada Lovelace", "project_name": "Backend", "stage_name": "Screen",
           "already_in_project": False}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    with FakeSlack() as slack:
        yield slack


def run(fake: FakeSlack) -> tuple[Execution, WebClient]:
    execution = fake.executions.start("add_candidate", {"project": "Backend", "candidate": "Ada Lovelace"})
    return execution, WebClient(token=execution.token, base_url=fake.api_url)


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def test_the_workflow_token_works_until_the_step_completes_then_is_revoked(fake: FakeSlack) -> None:
    execution, workflow = run(fake)
    assert workflow.chat_postMessage(channel="C1", text="hi")["ok"]
    assert workflow.functions_completeSuccess(function_execution_id=execution.id, outputs=OUTPUTS)["ok"]
    assert execution.state == "completed" and execution.outputs == OUTPUTS
    assert error_of(lambda: workflow.chat_postMessage(channel="C1", text="late")) == "token_revoked"
    # Completing again: the token is gone; with the bot token the execution is no longer found.
    assert error_of(lambda: workflow.functions_completeError(function_execution_id=execution.id,
                                                             error="x")) == "token_revoked"
    bot = WebClient(token=TOKEN, base_url=fake.api_url)
    assert error_of(lambda: bot.functions_completeSuccess(function_execution_id=execution.id,
                                                          outputs=OUTPUTS)) == "function_execution_not_found"


def test_the_workflow_token_expires_after_15_minutes(fake: FakeSlack) -> None:
    execution, workflow = run(fake)
    execution.issued -= 15 * 60 + 1
    assert error_of(lambda: workflow.chat_postMessage(channel="C1", text="hi")) == "token_revoked"


def test_outputs_must_match_the_declared_output_parameters(fake: FakeSlack) -> None:
    execution, workflow = run(fake)
    for outputs in ({**OUTPUTS, "surprise": "x"}, {"entry_id": "e1"}, {**OUTPUTS, "already_in_project": "no"},
                    {**OUTPUTS, "entry_id": True}):
        assert error_of(lambda o=outputs: workflow.functions_completeSuccess(
            function_execution_id=execution.id, outputs=o)) == "parameter_validation_failed"
    assert execution.state == "running"
    minimal = {"candidate_name": "Ada", "project_name": "Backend", "already_in_project": True}
    assert workflow.functions_completeSuccess(function_execution_id=execution.id, outputs=minimal)["ok"]


def test_arguments_are_required(fake: FakeSlack) -> None:
    execution, workflow = run(fake)
    assert error_of(lambda: workflow.api_call("functions.completeSuccess",
                                              params={"outputs": "{}"})) == "invalid_arguments"
    assert error_of(lambda: workflow.api_call("functions.completeError",
                                              params={"function_execution_id": execution.id})) == "invalid_arguments"
    assert error_of(lambda: workflow.functions_completeError(function_execution_id="FxNOPE",
                                                             error="x")) == "function_execution_not_found"
    assert workflow.functions_completeError(function_execution_id=execution.id, error="Nope")["ok"]
    assert execution.state == "failed" and execution.error == "Nope"


def test_one_executions_token_cannot_complete_another(fake: FakeSlack) -> None:
    first, _ = run(fake)
    _, other = run(fake)
    assert error_of(lambda: other.functions_completeError(function_execution_id=first.id,
                                                          error="x")) == "access_denied"
    assert first.state == "running"


def test_menu_options_follow_block_kits_rules(fake: FakeSlack) -> None:
    execution = fake.executions.start("leonar_projects", {"query": ""})
    workflow = WebClient(token=execution.token, base_url=fake.api_url)
    too_long = [{"text": {"type": "plain_text", "text": "x" * 76}, "value": "p1"}]
    assert error_of(lambda: workflow.functions_completeSuccess(
        function_execution_id=execution.id, outputs={"options": too_long})) == "parameter_validation_failed"
    many = [{"text": {"type": "plain_text", "text": f"P{n}"}, "value": f"p{n}"} for n in range(101)]
    assert error_of(lambda: workflow.functions_completeSuccess(
        function_execution_id=execution.id, outputs={"options": many})) == "parameter_validation_failed"
    assert workflow.functions_completeSuccess(function_execution_id=execution.id, outputs={"options": many[:100]})


def test_only_declared_steps_with_their_required_inputs_run(fake: FakeSlack) -> None:
    with pytest.raises(KeyError):
        fake.executions.start("not_a_step", {})
    with pytest.raises(AssertionError):
        fake.executions.start("add_candidate", {"project": "Backend"})
    with pytest.raises(AssertionError):
        fake.executions.start("add_candidate", {"project": "B", "candidate": "A", "extra": "x"})
