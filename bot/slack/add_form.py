"""The add form as the user fills it in: opened with what can be preselected (from the command, the message shortcut
or an unfurled contact's button), rebuilt with a picked project's stages, and the pushed form that creates a
candidate Leonar does not know. What a submission does is `adding.py`; the text a form starts from `add_prefill.py`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.leonar import LeonarError, Project
from bot.slack.add_prefill import preselect, preselect_contact
from bot.slack.context import leonar, modal, services, user_lang, workspace
from bot.slack.modals import open_view
from bot.store import StoreUnavailable
from bot.views import add_create_contact as create
from bot.views.add_modal import CONTACT_BLOCK, PREFILLED_BLOCK, Picked, add_modal, contact_block_of, read_submission
from bot.views.errors import describe
from bot.views.metadata import ModalContext
from bot.views.options import CREATE_PREFIX, NOTICE_VALUE, contact_option, project_option

log = logging.getLogger(__name__)


async def open_add(
    client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, ctx: ModalContext,
    context: dict[str, Any], lang: Lang, *, contact_id: str | None = None,
    preset: tuple[str, str] | None = None, stage_id: str | None = None,
) -> None:
    """The add modal, with the user's last project preselected (and its stages, when already known), then the
    candidate the seed names, when exactly one contact matches it; or the candidate `contact_id` (a Leonar link's
    "Add to a project"), shown at once when a recent read knows it, else once read. `preset` (project id, name) and
    `stage_id`: an @Leonar add's understanding, preselected instead of the last project."""
    store, here = services(context).store.workspaces, workspace(context)
    try:
        last = preset or await store.last_project(here, str(context.get("user_id")))
        # Cards go where the admins chose, unless the user picks another conversation; carried in the modal's
        # metadata, so every rebuild of the view keeps it.
        ctx = replace(ctx, default_channel=(await store.settings(here)).default_channel)
    except StoreUnavailable as exc:  # the form still opens, without what the database would have preselected
        log.warning("add form opened without the last project or default channel: %s", exc)
        last = preset
    leonar_client = leonar(context)
    picked, known, block = Picked(stage_id=stage_id if preset else None), None, CONTACT_BLOCK
    contact = leonar_client.cached_contact(contact_id) if contact_id and leonar_client is not None else None
    if contact is not None:
        picked, block = replace(picked, contact=contact_option(contact)), PREFILLED_BLOCK
    if last is not None and leonar_client is not None:
        picked = replace(picked, project=project_option(Project(id=last[0], name=last[1])))
        ctx = ctx.with_project(*last)
        known = leonar_client.cached_project(last[0])
    opened = await open_view(client, respond, trigger_id,
                             add_modal(ctx, project=known, picked=picked, lang=lang, contact_block=block), lang)
    if opened is None or leonar_client is None:
        return
    if last is not None and known is None:
        # The stages come after the modal (the trigger cannot wait for Leonar); the hash keeps a project the
        # user picked meanwhile from being overwritten.
        try:
            project = await leonar_client.get_project(last[0])
            response = await client.views_update(view_id=opened["id"], hash=opened.get("hash"),
                                                 view=add_modal(ctx, project=project, picked=picked, lang=lang,
                                                                contact_block=block))
            opened = response.get("view") or opened
        except (LeonarError, SlackApiError) as exc:
            log.info("stages of the remembered project not shown: %s", type(exc).__name__)
    if contact_id and contact is None:
        await preselect_contact(client, leonar_client, opened, ctx, picked, lang, contact_id)
    elif ctx.seed:
        await preselect(client, leonar_client, opened, ctx, picked, lang)


async def show_stages(client: AsyncWebClient, view: dict[str, Any], selected: dict[str, Any],
                      context: dict[str, Any]) -> None:
    """A project picked: the form again, with that project's stages (or why they could not be read)."""
    project_id = selected.get("value")
    leonar_client = leonar(context)
    if not project_id or project_id == NOTICE_VALUE or leonar_client is None:
        return
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


async def offer_creation(client: AsyncWebClient, body: dict[str, Any], value: str, context: dict[str, Any]) -> None:
    """Choosing "Create …" in the candidate menu pushes the creation form; any other choice needs nothing."""
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
