"""/leonar-add and its sub-commands: help, connect, disconnect, status."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.leonar import LeonarError
from bot.listeners.context import connection, leonar
from bot.listeners.guard import guarded
from bot.listeners.permissions import RoleUnknown, is_admin
from bot.views import admin
from bot.views.add_modal import add_modal
from bot.views.connect_modal import connect_modal
from bot.views.errors import describe
from bot.views.messages import COMMAND, ephemeral, help_message
from bot.views.metadata import ModalContext

log = logging.getLogger(__name__)
TRIGGER_ERRORS = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}


async def leonar_add(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: dict[str, Any]
) -> None:
    words = (command.get("text") or "").strip().split()
    sub = words[0].lower() if words else ""
    if sub == "help":
        await ack(**help_message())
        return
    await ack()
    ctx = ModalContext(channel_id=command.get("channel_id"), response_url=command.get("response_url"))
    conn = connection(context)
    if sub == "status":
        await respond(**await _status(context))
        return
    if conn is not None and sub not in ("connect", "disconnect"):
        # The common path: the trigger_id lives 3 s and works once, so open the modal before any other call.
        await _open(client, respond, command["trigger_id"], add_modal(ctx))
        return
    # Changing the connection is for admins and owners; users.info is the one call allowed before the modal.
    try:
        allowed = await is_admin(client, command["user_id"])
    except RoleUnknown as exc:
        await respond(**admin.role_unknown(str(exc)))
        return
    if sub == "disconnect":
        if conn is None:
            await respond(**admin.not_connected(allowed))
        elif not allowed:
            await respond(**admin.admins_only("disconnect", conn))
        else:
            await _open(client, respond, command["trigger_id"], admin.disconnect_modal(ctx, conn))
        return
    if not allowed:
        await respond(**(admin.admins_only("connect", conn) if conn or sub == "connect"
                         else admin.not_connected(for_admin=False)))
        return
    await _open(client, respond, command["trigger_id"], connect_modal(ctx))


async def _open(client: AsyncWebClient, respond: AsyncRespond, trigger_id: str, view: dict[str, Any]) -> None:
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("views.open failed: %s", error)
        text = (f"Slack took too long to open the form. Please run `{COMMAND}` again."
                if error in TRIGGER_ERRORS else f"Slack could not open the form ({error}). Please try again.")
        await respond(**ephemeral(text))


async def _status(context: dict[str, Any]) -> dict[str, Any]:
    conn, client = connection(context), leonar(context)
    if conn is None or client is None:
        return admin.status_message(None, None, None)
    try:
        return admin.status_message(conn, await client.missing_scopes(), None)
    except LeonarError as exc:
        return admin.status_message(conn, None, describe(exc))


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(guarded(leonar_add))
