"""Block actions: a project picked in the add modal shows that project's stages."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import t
from bot.leonar import LeonarError
from bot.slack.context import leonar, modal, user_lang
from bot.slack.guard import guarded
from bot.slack.modals import of_modal
from bot.views import add_create_contact as create
from bot.views.add_modal import (
    CALLBACK_ID,
    CONTACT_ACTION,
    PROJECT_ACTION,
    Picked,
    add_modal,
    contact_block_of,
    read_submission,
)
from bot.views.card import LINKEDIN_ACTION
from bot.views.errors import describe
from bot.views.options import CREATE_PREFIX, NOTICE_VALUE

log = logging.getLogger(__name__)


async def project_picked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    selected = action.get("selected_option") or {}
    project_id = selected.get("value")
    leonar_client = leonar(context)
    if not project_id or project_id == NOTICE_VALUE or leonar_client is None:
        return
    view = body["view"]
    ctx = modal(context)
    lang = await user_lang(context)
    # Same candidate block (and its prefilled candidate): Slack keeps what the user picked there.
    contact_block, prefilled = contact_block_of(view)
    picked = Picked(contact=prefilled)
    try:
        project = await leonar_client.get_project(project_id)
        new_view = add_modal(ctx.with_project(project.id, project.name), project=project, picked=picked, lang=lang,
                             contact_block=contact_block)
    except LeonarError as exc:
        name = (selected.get("text") or {}).get("text") or t(lang, "add.this_project")
        note = t(lang, "add.stage_failed", reason=describe(exc, lang))
        new_view = add_modal(ctx.with_project(project_id, name), stages_note=note, picked=picked, lang=lang,
                             contact_block=contact_block)
    try:
        # The hash makes Slack refuse the update if the view changed meanwhile (a later pick wins).
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except SlackApiError as exc:
        log.info("views.update after project pick: %s", exc.response.get("error"))


async def contact_picked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Choosing "Create …" in the candidate menu pushes the creation form; any other choice needs nothing."""
    await ack()
    value = str((action.get("selected_option") or {}).get("value") or "")
    if not value.startswith(CREATE_PREFIX):
        return
    view = body["view"]
    chosen = read_submission((view.get("state") or {}).get("values") or {})
    back = create.Return(root_view_id=view.get("root_view_id") or view["id"],
                         root_metadata=view.get("private_metadata") or "", project=chosen.project,
                         stage_id=chosen.entry.stage_id)
    lang = await user_lang(context)
    form = create.create_contact_modal(back, create.prefill(value.removeprefix(CREATE_PREFIX)), lang)
    try:
        await client.views_push(trigger_id=body["trigger_id"], view=form)
    except SlackApiError as exc:
        log.info("creation form not pushed: %s", exc.response.get("error"))


async def link_opened(ack: AsyncAck) -> None:
    # URL buttons still send an action; without an ack Slack shows the user an error.
    await ack()


def register(app: AsyncApp) -> None:
    # Only from the add form: a follow form opened before the follow form had ids of its own sends this id too.
    app.action(PROJECT_ACTION, matchers=[of_modal(CALLBACK_ID)])(guarded(project_picked))
    app.action(LINKEDIN_ACTION)(guarded(link_opened))
    app.action(CONTACT_ACTION)(guarded(contact_picked))
