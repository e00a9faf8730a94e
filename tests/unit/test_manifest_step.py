"""The Workflow Builder step in the manifests: declared, with its inputs and outputs, only where Slack allows it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.manifest import PROJECTS_CALLBACK, STEP_CALLBACK, STEP_EVENT
from tests.support.slack_schema import manifest_problem

ROOT = Path(__file__).resolve().parents[2]
WITH_STEP = ["manifest.yml", "manifest.socket.yml"]
WITHOUT_STEP = ["manifest.distributed.yml", "manifest.org.yml"]


def load(name: str) -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load((ROOT / "manifests" / name).read_text())
    return manifest


@pytest.mark.parametrize("name", WITH_STEP)
def test_the_apps_a_company_creates_carry_the_step(name: str) -> None:
    manifest = load(name)
    assert manifest["_metadata"]["major_version"] == 2 and manifest_problem(manifest) is None
    settings = manifest["settings"]
    assert settings["org_deploy_enabled"] is True and settings["function_runtime"] == "remote"
    assert STEP_EVENT in settings["event_subscriptions"]["bot_events"]
    assert set(manifest["functions"]) == {STEP_CALLBACK, PROJECTS_CALLBACK}
    step = manifest["functions"][STEP_CALLBACK]
    assert step["title"] == "Add candidate to Leonar"
    menu = step["input_parameters"]["properties"]["project"]["dynamic_options"]
    assert menu == {"function": f"#/functions/{PROJECTS_CALLBACK}", "inputs": {"query": {"value": "{{client.query}}"}}}
    provider = manifest["functions"][PROJECTS_CALLBACK]["output_parameters"]
    assert provider["properties"]["options"]["type"] == "slack#/types/options_select"
    assert provider["required"] == ["options"]
    inputs, outputs = step["input_parameters"], step["output_parameters"]
    assert {k: v["type"] for k, v in inputs["properties"].items()} == {
        "project": "string", "candidate": "string", "stage": "string", "note": "string",
        "channel": "slack#/types/channel_id", "added_by": "slack#/types/user_id"}
    assert set(inputs["required"]) == {"project", "candidate"}
    assert {k: v["type"] for k, v in outputs["properties"].items()} == {
        "entry_id": "string", "candidate_name": "string", "project_name": "string", "stage_name": "string",
        "already_in_project": "boolean"}


def test_http_and_socket_mode_declare_the_same_step() -> None:
    assert load("manifest.yml")["functions"] == load("manifest.socket.yml")["functions"]


@pytest.mark.parametrize("name", WITHOUT_STEP)
def test_the_distributed_apps_have_no_step(name: str) -> None:
    """Slack does not distribute an app with custom steps to other workspaces (research slack-platform-2 §1.1)."""
    manifest = load(name)
    assert "functions" not in manifest and "function_runtime" not in manifest["settings"]
    assert STEP_EVENT not in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_each_manifest_is_checked_against_its_own_schema_version() -> None:
    manifest = load("manifest.yml")
    flat = copy.deepcopy(manifest)  # version 1's shape: parameters keyed by name, no `properties`
    flat["functions"][STEP_CALLBACK]["input_parameters"] = {"project": {"type": "string", "is_required": True}}
    assert manifest_problem(flat) is not None
    unknown = copy.deepcopy(manifest)
    unknown["functions"][STEP_CALLBACK]["input_parameters"]["properties"]["project"]["type"] = "slack#/types/nope"
    assert manifest_problem(unknown) is not None
    untitled = copy.deepcopy(manifest)
    del untitled["functions"][STEP_CALLBACK]["description"]
    assert manifest_problem(untitled) is not None
    assert manifest_problem(manifest | {"_metadata": {"major_version": 3}}) is not None
