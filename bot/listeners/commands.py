"""/leonar-add and its sub-commands: help, connect, disconnect, status."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.leonar import LeonarError, Project
from bot.listeners.context import connection, leonar, services, workspace
from bot.listeners.guard import guarded
from bot.listeners.permissions import RoleUnknown, is_admin, user_lang
from bot.listeners.prefill import preselect, seed_from
from bot.views import admin
from bot.views.add_modal import Picked, add_modal
from bot.views.connect_modal import connect_modal
from bot.views.errors import describe
from bot.views.i18n import Lang, t
from bot.views.messages import COMMAND, ephemeral, help_message
from bot.views.metadata import ModalContext
from bot.views.options import project_option

log = logging.getLogger(__name__)
SUBCOMMANDS = {"help", "status", "connect", "disconnect"}
TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


async def leonar_add(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: dict[str, Any]
) -> None:
    words = (command.get("text") or "").strip().split()
    sub = words[0].lower() if words else ""
    if sub == "help":
        await ack(**help_message(await user_lang(client, context)))
        return
    await ack()
    ctx = ModalContext(channel_id=command.get("channel_id"), response_url=command.get("response_url"))
    if sub not in SUBCOMMANDS and (seed := seed_from(" ".join(words))):
        ctx = ctx.with_seed(seed)  # /leonar-add <name, email or LinkedIn URL>
    conn = connection(context)
    if sub == "status":
        await respond(**await _status(context, await user_lang(client, context)))
        return
    if conn is not None and sub not in ("connect", "disconnect"):
        # The common path: the trigger_id lives 3 s and works once, so open the modal before any Leonar call
        # (the user's language is cached after their first request).
        lang = await user_lang(client, context)
        await open_add(client, respond, command["trigger_id"], ctx, context, lang)
        return
    # Changing the connection is for admins and owners; users.info is the one call allowed before the modal.
    try:
        allowed = await is_admin(client, command["user_id"], context.get("team_id"))
    except RoleUnknown as exc:
        await respond(**admin.role_unknown(str(exc)))
        return
    lang = await user_lang(client, context)  # known from that same call
    if sub == "disconnect":
        if conn is None:
            await respond(**admin.not_connected(allowed, lang))
        elif not allowed:
            await respond(**admin.admins_only("disconnect", conn, lang))
        else:
            await _open(client, respond, command["trigger_id"], admin.disconnect_modal(ctx, conn, lang), lang)
        return
    if not allowed:
        await respond(**(admin.admins_only("connect", conn, lang) if conn or sub == "connect"
                         else admin.not_connected(False, lang)))
        return
    await _open(client, respond, command["trigger_id"], connect_modal(ctx, lang), lang)


async def open_add(
    client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, ctx: ModalContext,
    context: dict[str, Any], lang: Lang,
) -> None:
    """The add modal, with the user's last project preselected (and its stages, when already known), then the
    candidate the seed names, when exactly one contact matches it."""
    store, here = services(context).store, workspace(context)
    last = store.last_project(here, str(context.get("user_id")))
    leonar_client = leonar(context)
    # Cards go where the admins chose, unless the user picks another conversation; carried in the modal's
    # metadata, so every rebuild of the view keeps it.
    ctx = replace(ctx, default_channel=store.settings(here).default_channel)
    picked, known = Picked(), None
    if last is not None and leonar_client is not None:
        picked = replace(picked, project=project_option(Project(id=last[0], name=last[1])))
        ctx = ctx.with_project(*last)
        known = leonar_client.cached_project(last[0])
    opened = await _open(client, respond, trigger_id, add_modal(ctx, project=known, picked=picked, lang=lang), lang)
    if opened is None or leonar_client is None:
        return
    if last is not None and known is None:
        # The stages come after the modal (the trigger cannot wait for Leonar); the hash keeps a project the
        # user picked meanwhile from being overwritten.
        try:
            project = await leonar_client.get_project(last[0])
            response = await client.views_update(view_id=opened["id"], hash=opened.get("hash"),
                                                 view=add_modal(ctx, project=project, picked=picked, lang=lang))
            opened = response.get("view") or opened
        except (LeonarError, SlackApiError) as exc:
            log.info("stages of the remembered project not shown: %s", type(exc).__name__)
    if ctx.seed:
        await preselect(client, leonar_client, opened, ctx, picked, lang)


async def _open(
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
    return opened if isinstance(opened, dict) else None


async def _status(context: dict[str, Any], lang: Lang) -> dict[str, Any]:
    conn, client = connection(context), leonar(context)
    if conn is None or client is None:
        return admin.status_message(None, None, None, lang)
    try:
        return admin.status_message(conn, await client.missing_scopes(), None, lang)
    except LeonarError as exc:
        return admin.status_message(conn, None, describe(exc, lang), lang)


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(guarded(leonar_add))
