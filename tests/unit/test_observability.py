"""Metrics' pieces alone: endpoint templates, request outcomes through the guard, LOG_FORMAT validation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.observability import requests
from bot.observability.metrics import REGISTRY, endpoint
from bot.slack import guard
from tests.support.bot import settled


def test_endpoints_are_templates_without_ids() -> None:
    assert endpoint("projects") == "projects"
    assert endpoint("contacts/search") == "contacts/search"
    assert endpoint("projects/3f2a9c1e-0000-4000-8000-000000000001/entries") == "projects/{id}/entries"
    assert endpoint("/contacts/c_42/notes") == "contacts/{id}/notes"
    assert endpoint("projects/<script>") == "projects/{id}"


def count(kind: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("leonar_bot_requests_total", {"kind": kind, "outcome": outcome}) or 0.0


class Ack:
    def __init__(self) -> None:
        self.response: Any = None

    async def __call__(self, *args: Any, **fields: Any) -> None:
        self.response = fields or {}


async def test_a_listener_failing_before_its_ack_counts_as_failed_and_once() -> None:
    async def broken(ack: Any) -> None:
        raise RuntimeError("boom")

    async def fine(ack: Any) -> None:
        await ack()
        raise RuntimeError("after the ack")

    before = count("submission", "failed"), count("submission", "acked")
    late = REGISTRY.get_sample_value("leonar_bot_failures_after_ack_total", {"kind": "submission"}) or 0.0
    for listener in (broken, fine):
        requests.begin({"type": "view_submission"})
        await guard.guarded(listener)(ack=Ack())
        await settled()  # the listener's work after its ack
    assert count("submission", "failed") == before[0] + 1
    assert count("submission", "acked") == before[1] + 1
    assert REGISTRY.get_sample_value("leonar_bot_failures_after_ack_total", {"kind": "submission"}) == late + 1


def test_log_format_is_text_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert Settings(_env_file=None).log_format == "json"  # type: ignore[call-arg]
    monkeypatch.setenv("LOG_FORMAT", "yaml")
    with pytest.raises(ValidationError, match="LOG_FORMAT must be text or json"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("LOG_FORMAT")
    assert Settings(_env_file=None).log_format == "text"  # type: ignore[call-arg]
