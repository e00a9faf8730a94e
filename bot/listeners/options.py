"""Options loads for the project and candidate menus: one answer within Slack's 3 seconds, always."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.leonar import LeonarClient, LeonarError
from bot.listeners.context import leonar
from bot.listeners.guard import guarded
from bot.listeners.permissions import user_lang
from bot.listeners.prefill import matches
from bot.views.add_modal import CONTACT_ACTION, PROJECT_ACTION, STAGE_PLACEHOLDER_ACTION
from bot.views.errors import describe
from bot.views.i18n import Lang, t
from bot.views.messages import COMMAND
from bot.views.metadata import ModalContext
from bot.views.options import MAX_OPTIONS, contact_options, notice_option, project_options

log = logging.getLogger(__name__)
# Slack waits 3 s for options; keep room for the round trip to Slack.
DEADLINE = 2.3
CONTACT_RESULTS = 50

Options = list[dict[str, Any]]


async def answer(
    ack: AsyncAck, context: dict[str, Any], lang: Lang, fetch: Callable[[LeonarClient], Awaitable[Options]]
) -> None:
    """Ack with `fetch`'s options, or with one explanatory option when Leonar cannot answer in time."""
    client = leonar(context)
    if client is None:
        await ack(options=[notice_option(t(lang, "options.connect_first", command=COMMAND))])
        return
    try:
        options = await asyncio.wait_for(fetch(client), DEADLINE)
        if client.served_stale:
            options = [notice_option(t(lang, "options.stale")), *options[: MAX_OPTIONS - 1]]
    except TimeoutError:
        options = [notice_option(t(lang, "options.slow"))]
    except LeonarError as exc:
        log.info("options load failed: %s", exc.code)
        options = [notice_option(describe(exc, lang))]
    await ack(options=options)


async def projects(ack: AsyncAck, payload: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    query = str(payload.get("value") or "")
    lang = await user_lang(client, context)

    async def fetch(leonar_client: LeonarClient) -> Options:
        return project_options(await leonar_client.list_projects(), query, lang)

    await answer(ack, context, lang, fetch)


async def contacts(ack: AsyncAck, payload: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    query = " ".join(str(payload.get("value") or "").split())
    lang = await user_lang(client, context)
    # Nothing typed yet in a seeded modal: the menu starts from the seed (a name, an email, a LinkedIn URL).
    seed = None if query else ModalContext.loads((payload.get("view") or {}).get("private_metadata")).seed

    async def fetch(leonar_client: LeonarClient) -> Options:
        if seed:
            return contact_options(await matches(leonar_client, seed, limit=CONTACT_RESULTS), seed, lang)
        return contact_options(await leonar_client.search_contacts(query, limit=CONTACT_RESULTS), query, lang)

    await answer(ack, context, lang, fetch)


async def stage_placeholder(ack: AsyncAck, client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack(options=[notice_option(t(await user_lang(client, context), "options.pick_project_first"))])


def register(app: AsyncApp) -> None:
    app.options(PROJECT_ACTION)(guarded(projects))
    app.options(CONTACT_ACTION)(guarded(contacts))
    app.options(STAGE_PLACEHOLDER_ACTION)(guarded(stage_placeholder))
