"""Options loads for the project and candidate menus: one answer within Slack's 3 seconds, always."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.leonar import LeonarClient, LeonarError
from bot.listeners.context import leonar
from bot.listeners.guard import guarded
from bot.views.add_modal import CONTACT_ACTION, PROJECT_ACTION, STAGE_PLACEHOLDER_ACTION
from bot.views.errors import describe
from bot.views.messages import COMMAND
from bot.views.options import MAX_OPTIONS, contact_options, notice_option, project_options

log = logging.getLogger(__name__)
# Slack waits 3 s for options; keep room for the round trip to Slack.
DEADLINE = 2.3
CONTACT_RESULTS = 50

Options = list[dict[str, Any]]


async def answer(ack: AsyncAck, context: dict[str, Any], fetch: Callable[[LeonarClient], Awaitable[Options]]) -> None:
    """Ack with `fetch`'s options, or with one explanatory option when Leonar cannot answer in time."""
    client = leonar(context)
    if client is None:
        await ack(options=[notice_option(f"Connect Leonar first: run {COMMAND} connect")])
        return
    try:
        options = await asyncio.wait_for(fetch(client), DEADLINE)
        if client.served_stale:
            options = [notice_option("Leonar budget nearly used up: these results may be a bit old"),
                       *options[: MAX_OPTIONS - 1]]
    except TimeoutError:
        options = [notice_option("Leonar is slow to answer. Type again in a moment.")]
    except LeonarError as exc:
        log.info("options load failed: %s", exc.code)
        options = [notice_option(describe(exc))]
    await ack(options=options)


async def projects(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    query = str(payload.get("value") or "")

    async def fetch(client: LeonarClient) -> Options:
        return project_options(await client.list_projects(), query)

    await answer(ack, context, fetch)


async def contacts(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    query = " ".join(str(payload.get("value") or "").split())

    async def fetch(client: LeonarClient) -> Options:
        return contact_options(await client.search_contacts(query, limit=CONTACT_RESULTS), query)

    await answer(ack, context, fetch)


async def stage_placeholder(ack: AsyncAck) -> None:
    await ack(options=[notice_option("Pick a project first")])


def register(app: AsyncApp) -> None:
    app.options(PROJECT_ACTION)(guarded(projects))
    app.options(CONTACT_ACTION)(guarded(contacts))
    app.options(STAGE_PLACEHOLDER_ACTION)(guarded(stage_placeholder))
