"""The Workflow Builder step "Add candidate to Leonar" (a custom step: `function_executed`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail

from bot.manifest import PROJECTS_CALLBACK, STEP_CALLBACK
from bot.observability import requests
from bot.slack import workflow_step
from bot.slack.context import services, workspace, workspace_leonar
from bot.slack.guard import guarded


async def add_candidate(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any]) -> None:
    """Recorded (a job: bot/durable) before the ack, then run after it. Not guarded: a database that cannot record
    it raises here, Bolt answers 500, and Slack sends the step again; a step accepted before (a redelivery, to any
    instance) is only acknowledged."""
    execution = str(event.get("function_execution_id") or "")
    token = context.get("function_bot_access_token") or event.get("bot_access_token")
    if execution and token:
        await services(context).runner.accept(f"step:{execution}", workspace(context), workflow_step.KIND,
                                              {"execution": execution, "token": token,
                                               "inputs": event.get("inputs") or {}})
    await ack()
    requests.answered("acked")


async def project_menu(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any], complete: AsyncComplete,
                       fail: AsyncFail) -> None:
    # Completed before the ack, as Slack asks of a step feeding a menu: Workflow Builder shows it at once. The
    # workspace's key, like the step's runs (no member drives a workflow's run): the projects the step can use.
    query = (event.get("inputs") or {}).get("query")
    try:
        await workflow_step.offer_projects(workspace_leonar(context), query if isinstance(query, str) else "",
                                           complete, fail, services(context).settings.limits.step_menu_seconds)
    finally:
        await ack()


def register(app: AsyncApp) -> None:
    app.function(STEP_CALLBACK, auto_acknowledge=False)(add_candidate)
    app.function(PROJECTS_CALLBACK, auto_acknowledge=False)(guarded(project_menu))
