"""The Workflow Builder step "Add candidate to Leonar" (a custom step: `function_executed`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.web.async_client import AsyncWebClient

from bot.manifest import PROJECTS_CALLBACK, STEP_CALLBACK
from bot.slack import workflow_step
from bot.slack.context import leonar, services, workspace
from bot.slack.guard import guarded

log = logging.getLogger(__name__)


async def add_candidate(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any], client: AsyncWebClient,
                        complete: AsyncComplete, fail: AsyncFail) -> None:
    await ack()
    execution = str(event.get("function_execution_id") or "")
    if not workflow_step.first_run(execution):
        log.info("workflow step %s delivered again: already running", execution)
        return
    await workflow_step.run(leonar=leonar(context), slack=client, store=services(context).store,
                            workspace=workspace(context), inputs=workflow_step.StepInputs.of(event.get("inputs")),
                            complete=complete, fail=fail, timeout=services(context).settings.limits.step_seconds)


async def project_menu(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any], complete: AsyncComplete,
                       fail: AsyncFail) -> None:
    # Completed before the ack, as Slack asks of a step feeding a menu: Workflow Builder shows it at once.
    query = (event.get("inputs") or {}).get("query")
    try:
        await workflow_step.offer_projects(leonar(context), query if isinstance(query, str) else "", complete, fail,
                                           services(context).settings.limits.step_menu_seconds)
    finally:
        await ack()


def register(app: AsyncApp) -> None:
    app.function(STEP_CALLBACK)(guarded(add_candidate))
    app.function(PROJECTS_CALLBACK, auto_acknowledge=False)(guarded(project_menu))
