"""Custom steps in the fake Slack: function executions, their workflow tokens and functions.complete*.

Like Slack (research slack-platform-2 §1.3, §1.7; the methods' reference pages):
- an execution of a step the app's manifest declares (`manifests/manifest.yml`: what Workflow Builder offers) gets
  a `function_execution_id` (`Fx…`) and a workflow token (`xwfp-…`) that the app may use like its bot token until
  the execution completes or 15 minutes pass, whichever is first: then it is revoked (`token_revoked`);
- `functions.completeSuccess` needs `function_execution_id` and `outputs` (a JSON object) that match the
  function's `output_parameters`: no undeclared key, every required one, each of its declared type, else
  `parameter_validation_failed`; `functions.completeError` needs `function_execution_id` and `error`;
- an execution completes once: asked again (with a token still valid), `function_execution_not_found`, the
  answer Slack documents for a completed execution; another execution's workflow token gets `access_denied`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.support.slack_schema import option_problem

JSON = dict[str, Any]
MANIFEST = Path(__file__).resolve().parents[3] / "manifests" / "manifest.yml"
TOKEN_TTL = 15 * 60.0
TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "boolean": (bool,), "integer": (int,), "number": (int, float), "object": (dict,),
    "array": (list,), "slack#/types/user_id": (str,), "slack#/types/channel_id": (str,),
    "slack#/types/options_select": (list,),
}
MAX_OPTIONS = 100


@dataclass
class Execution:
    id: str
    callback_id: str
    inputs: JSON
    token: str
    issued: float = field(default_factory=time.monotonic)
    state: str = "running"  # "completed" or "failed" once the app said so
    outputs: JSON | None = None
    error: str | None = None


@cache
def declared_functions(path: Path = MANIFEST) -> JSON:
    functions: JSON = yaml.safe_load(path.read_text())["functions"]
    return functions


class Executions:
    def __init__(self) -> None:
        self.by_id: dict[str, Execution] = {}
        self.token_ttl = TOKEN_TTL

    def start(self, callback_id: str, inputs: JSON) -> Execution:
        """A workflow run reaching the step: only declared steps exist, with the inputs Workflow Builder allows."""
        spec = declared_functions()[callback_id]["input_parameters"]
        unknown = set(inputs) - set(spec["properties"])
        missing = [name for name in spec.get("required", []) if inputs.get(name) in (None, "")]
        assert not unknown and not missing, f"Workflow Builder would not run this: {unknown=} {missing=}"
        execution = Execution(f"Fx{secrets.token_hex(5).upper()}", callback_id, inputs,
                              f"xwfp-{secrets.token_hex(12)}")
        self.by_id[execution.id] = execution
        return execution

    def live_token(self, token: str | None) -> bool:
        execution = self._of_token(token)
        return execution is not None and self._alive(execution)

    def revoked_token(self, token: str | None) -> bool:
        execution = self._of_token(token)
        return execution is not None and not self._alive(execution)

    def complete_success(self, body: JSON, token: str | None) -> JSON:
        execution = self._target(body, token)
        if isinstance(execution, dict):
            return execution
        outputs = body.get("outputs")
        if isinstance(outputs, str):
            try:
                outputs = json.loads(outputs)
            except ValueError:
                return _invalid("outputs must be a JSON object")
        if not isinstance(outputs, dict):
            return _invalid("missing required field: outputs")
        problems = _output_problems(declared_functions()[execution.callback_id]["output_parameters"], outputs)
        if problems:
            return {"ok": False, "error": "parameter_validation_failed",
                    "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}
        execution.state, execution.outputs = "completed", outputs
        return {"ok": True}

    def complete_error(self, body: JSON, token: str | None) -> JSON:
        execution = self._target(body, token)
        if isinstance(execution, dict):
            return execution
        error = body.get("error")
        if not isinstance(error, str) or not error:
            return _invalid("missing required field: error")
        execution.state, execution.error = "failed", error
        return {"ok": True}

    def _target(self, body: JSON, token: str | None) -> Execution | JSON:
        execution_id = body.get("function_execution_id")
        if not execution_id:
            return _invalid("missing required field: function_execution_id")
        execution = self.by_id.get(str(execution_id))
        if execution is None or execution.state != "running":
            return {"ok": False, "error": "function_execution_not_found"}
        if token and token.startswith("xwfp-") and token != execution.token:
            return {"ok": False, "error": "access_denied"}
        return execution

    def _of_token(self, token: str | None) -> Execution | None:
        if not token or not token.startswith("xwfp-"):
            return None
        return next((e for e in self.by_id.values() if e.token == token), None)

    def _alive(self, execution: Execution) -> bool:
        return execution.state == "running" and time.monotonic() - execution.issued < self.token_ttl


def _output_problems(spec: JSON, outputs: JSON) -> list[str]:
    properties: JSON = spec.get("properties", {})
    problems = [f"output {name!r} is not declared" for name in outputs if name not in properties]
    problems += [f"required output {name!r} is missing" for name in spec.get("required", []) if name not in outputs]
    for name, value in outputs.items():
        kind = (properties.get(name) or {}).get("type")
        allowed = TYPES.get(str(kind))
        if allowed and (not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool))):
            problems.append(f"output {name!r} must be of type {kind}")
        elif kind == "slack#/types/options_select":  # a select menu's options: Block Kit's rules
            problems += [f"output {name!r}: {p}" for p in _options_problems(value)]
    return problems


def _options_problems(options: list[Any]) -> list[str]:
    problems = [f"{len(options)} options; at most {MAX_OPTIONS}"] if len(options) > MAX_OPTIONS else []
    return problems + [p for o in options if (p := option_problem(o)) is not None]


def _invalid(message: str) -> JSON:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [f"[ERROR] {message}"]}}


def function_executed_envelope(execution: Execution, team_id: str, app_id: str) -> JSON:
    """The Events API body Slack sends when a workflow reaches the step (research slack-platform-2 §1.3)."""
    spec = declared_functions()[execution.callback_id]
    now = int(time.time())
    return {
        "token": "verification-token", "team_id": team_id, "enterprise_id": None, "api_app_id": app_id,
        "type": "event_callback", "event_id": f"Ev{secrets.token_hex(5).upper()}", "event_time": now,
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": "UBOT", "is_bot": True,
                            "is_enterprise_install": False}],
        "event": {
            "type": "function_executed",
            "function": {
                "id": "Fn0ADD0CAND", "callback_id": execution.callback_id, "title": spec["title"],
                "description": spec["description"], "type": "app", "app_id": app_id,
                "input_parameters": [{"name": k, **v} for k, v in spec["input_parameters"]["properties"].items()],
                "output_parameters": [{"name": k, **v} for k, v in spec["output_parameters"]["properties"].items()],
                "date_created": now - 86400, "date_updated": now - 86400, "date_deleted": 0,
            },
            "inputs": execution.inputs,
            "function_execution_id": execution.id,
            "workflow_execution_id": f"Wx{secrets.token_hex(5).upper()}",
            "event_ts": f"{time.time():.6f}",
            "bot_access_token": execution.token,
        },
    }
