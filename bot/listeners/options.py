"""Options loads for the project and candidate menus: one answer within Slack's 3 seconds, always."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.i18n import t
from bot.leonar import Contact, LeonarClient, Listing, Project
from bot.slack.context import modal, user_lang
from bot.slack.guard import guarded
from bot.slack.menus import answer
from bot.slack.prefill import SEARCH_LIMIT, matches
from bot.views.add_modal import CONTACT_ACTION, PROJECT_ACTION, STAGE_PLACEHOLDER_ACTION
from bot.views.options import contact_menu, notice_option, project_menu


async def projects(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    query = str(payload.get("value") or "")

    async def load(leonar_client: LeonarClient) -> Listing[Project]:
        return await leonar_client.list_projects()

    await answer(ack, context, load, lambda found, lang: project_menu(found, query, lang))


async def contacts(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    query = " ".join(str(payload.get("value") or "").split())
    # Nothing typed yet in a seeded modal: the menu starts from the seed (a name, an email, a LinkedIn URL).
    seed = None if query else modal(context).seed

    async def load(leonar_client: LeonarClient) -> Listing[Contact]:
        if seed:
            return await matches(leonar_client, seed, limit=SEARCH_LIMIT)
        return await leonar_client.search_contacts(query, limit=SEARCH_LIMIT)

    await answer(ack, context, load, lambda found, lang: contact_menu(found, seed or query, lang))


async def stage_placeholder(ack: AsyncAck, context: dict[str, Any]) -> None:
    await ack(options=[notice_option(t(await user_lang(context), "options.pick_project_first"))])


def register(app: AsyncApp) -> None:
    app.options(PROJECT_ACTION)(guarded(projects))
    app.options(CONTACT_ACTION)(guarded(contacts))
    app.options(STAGE_PLACEHOLDER_ACTION)(guarded(stage_placeholder))
