"""Options loads for the project and candidate menus: one answer within Slack's 3 seconds, always."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.leonar import Contact, LeonarClient, LeonarError, Project
from bot.listeners.context import leonar
from bot.listeners.guard import guarded
from bot.listeners.permissions import user_lang
from bot.listeners.prefill import SEARCH_LIMIT, matches
from bot.views.add_modal import CONTACT_ACTION, PROJECT_ACTION, STAGE_PLACEHOLDER_ACTION
from bot.views.errors import describe
from bot.views.i18n import Lang, t
from bot.views.messages import COMMAND
from bot.views.metadata import ModalContext
from bot.views.options import MAX_OPTIONS, contact_options, notice_option, project_options

log = logging.getLogger(__name__)
# Slack waits 3 s for options; keep room for the round trip to Slack.
DEADLINE = 2.3

Options = list[dict[str, Any]]
T = TypeVar("T")


async def answer(
    ack: AsyncAck, client: AsyncWebClient, context: dict[str, Any],
    load: Callable[[LeonarClient], Awaitable[T]], build: Callable[[T, Lang], Options],
) -> None:
    """Ack with the options `build` makes of what `load` got from Leonar, or with one explanatory option when
    Leonar cannot answer in time. The user's language (users.info, when not cached) is looked up while Leonar
    is asked, not before it: both must fit in Slack's 3 s."""
    language = asyncio.ensure_future(user_lang(client, context))
    leonar_client = leonar(context)
    if leonar_client is None:
        await ack(options=[notice_option(t(await language, "options.connect_first", command=COMMAND))])
        return
    try:
        data = await asyncio.wait_for(load(leonar_client), DEADLINE)
        lang = await language
        options = build(data, lang)
        if leonar_client.served_stale:
            options = [notice_option(t(lang, "options.stale")), *options[: MAX_OPTIONS - 1]]
    except TimeoutError:
        options = [notice_option(t(await language, "options.slow"))]
    except LeonarError as exc:
        log.info("options load failed: %s", exc.code)
        options = [notice_option(describe(exc, await language))]
    await ack(options=options)


async def projects(ack: AsyncAck, payload: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    query = str(payload.get("value") or "")

    async def load(leonar_client: LeonarClient) -> list[Project]:
        return await leonar_client.list_projects()

    await answer(ack, client, context, load, lambda projects, lang: project_options(projects, query, lang))


async def contacts(ack: AsyncAck, payload: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    query = " ".join(str(payload.get("value") or "").split())
    # Nothing typed yet in a seeded modal: the menu starts from the seed (a name, an email, a LinkedIn URL).
    seed = None if query else ModalContext.loads((payload.get("view") or {}).get("private_metadata")).seed

    async def load(leonar_client: LeonarClient) -> list[Contact]:
        if seed:
            return await matches(leonar_client, seed, limit=SEARCH_LIMIT)
        return await leonar_client.search_contacts(query, limit=SEARCH_LIMIT)

    await answer(ack, client, context, load, lambda found, lang: contact_options(found, seed or query, lang))


async def stage_placeholder(ack: AsyncAck, client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack(options=[notice_option(t(await user_lang(client, context), "options.pick_project_first"))])


def register(app: AsyncApp) -> None:
    app.options(PROJECT_ACTION)(guarded(projects))
    app.options(CONTACT_ACTION)(guarded(contacts))
    app.options(STAGE_PLACEHOLDER_ACTION)(guarded(stage_placeholder))
