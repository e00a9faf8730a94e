"""Opening and updating modals: the add modal from a command or a shortcut, and what to tell the user when Slack
refuses to open one."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.leonar import LeonarError, Project
from bot.manifest import COMMAND
from bot.observability import requests
from bot.slack.add_prefill import preselect, preselect_contact
from bot.slack.context import leonar, services, workspace
from bot.store import StoreUnavailable
from bot.views.add_modal import CONTACT_BLOCK, PREFILLED_BLOCK, Picked, add_modal
from bot.views.messages import ephemeral
from bot.views.metadata import ModalContext
from bot.views.options import contact_option, project_option

log = logging.getLogger(__name__)
TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


async def open_view(
    client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, view: dict[str, Any], lang: Lang
) -> dict[str, Any] | None:
    """The opened view (with its id and hash), or None after telling the user why it could not open."""
    try:
        response = await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("views.open failed: %s", error)
        text = (t(lang, "msg.slow_trigger", command=COMMAND) if error in TRIGGER_ERRORS
                else t(lang, "msg.open_failed", error=error))
        if respond is not None:
            await respond(**ephemeral(text))
        return None
    opened = response.get("view")
    requests.opened(opened)
    return opened if isinstance(opened, dict) else None


async def show(client: AsyncWebClient, view_id: str, view: dict[str, Any], *, hash: str | None = None) -> None:
    """Update a modal the user may have closed or changed meanwhile: a refusal is logged, not raised."""
    try:
        await client.views_update(view_id=view_id, view=view, hash=hash)
    except SlackApiError as exc:
        log.info("views.update refused: %s", exc.response.get("error"))


def of_modal(callback_id: str) -> Callable[[dict[str, Any]], Awaitable[bool]]:
    """A listener matcher: the request comes from the modal `callback_id` (for an action id that another modal,
    opened before a deploy, may still send)."""

    async def matches(body: dict[str, Any]) -> bool:
        return (body.get("view") or {}).get("callback_id") == callback_id

    return matches


async def open_add(
    client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, ctx: ModalContext,
    context: dict[str, Any], lang: Lang, *, contact_id: str | None = None,
) -> None:
    """The add modal, with the user's last project preselected (and its stages, when already known), then the
    candidate the seed names, when exactly one contact matches it; or the candidate `contact_id` (a Leonar link's
    "Add to a project"), shown at once when a recent read knows it, else once read."""
    store, here = services(context).store, workspace(context)
    try:
        last = await store.last_project(here, str(context.get("user_id")))
        # Cards go where the admins chose, unless the user picks another conversation; carried in the modal's
        # metadata, so every rebuild of the view keeps it.
        ctx = replace(ctx, default_channel=(await store.settings(here)).default_channel)
    except StoreUnavailable as exc:  # the form still opens, without what the database would have preselected
        log.warning("add form opened without the last project or default channel: %s", exc)
        last = None
    leonar_client = leonar(context)
    picked, known, block = Picked(), None, CONTACT_BLOCK
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
