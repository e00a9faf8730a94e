"""The App Home: published when opened; its buttons and settings are for workspace admins."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.context import connection, services, workspace
from bot.listeners.guard import guarded
from bot.listeners.permissions import RoleUnknown, is_admin, user_lang
from bot.views import admin, home
from bot.views.connect_modal import connect_modal
from bot.views.metadata import ModalContext

log = logging.getLogger(__name__)


async def publish(client: AsyncWebClient, context: dict[str, Any], user_id: str, *, admin: bool | None = None) -> None:
    """`admin`: the user's role when the caller has just checked it (saves a users.info call)."""
    store, here = services(context).store, workspace(context)
    if admin is None:
        admin = await _role(client, user_id, context)
    lang = await user_lang(client, context)
    view = home.home_view(connection(context), store.recent_adds(here), store.settings(here), admin=admin,
                          lang=lang)
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.info("home not published: %s", exc.response.get("error"))


async def opened(ack: AsyncAck, event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack()
    if event.get("tab") == "home":
        await publish(client, context, event["user"])


async def _admin(client: AsyncWebClient, body: dict[str, Any], context: dict[str, Any]) -> bool:
    """Checked for every admin control: the home only hides them, a crafted request must still be refused."""
    return await _role(client, body["user"]["id"], context)


async def _role(client: AsyncWebClient, user_id: str, context: dict[str, Any]) -> bool:
    try:
        return await is_admin(client, user_id, context.get("team_id"))
    except RoleUnknown:
        return False  # unknown is not admin: the home still shows, without the admin controls


async def connect_clicked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack()
    if await _admin(client, body, context):
        await client.views_open(trigger_id=body["trigger_id"],
                                view=connect_modal(ModalContext(), await user_lang(client, context)))


async def disconnect_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    conn = connection(context)
    if conn is not None and await _admin(client, body, context):
        view = admin.disconnect_modal(ModalContext(), conn, await user_lang(client, context))
        await client.views_open(trigger_id=body["trigger_id"], view=view)


async def setting_changed(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    if not await _admin(client, body, context):
        return
    store, here = services(context).store, workspace(context)
    settings = store.settings(here)
    if action["action_id"] == home.CHANNEL_ACTION:
        settings = replace(settings, default_channel=action.get("selected_conversation"))
    else:
        settings = replace(settings, show_contact_details=bool(action.get("selected_options")))
    store.save_settings(here, settings)
    await publish(client, context, body["user"]["id"])


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(guarded(opened))
    app.action(home.CONNECT_ACTION)(guarded(connect_clicked))
    app.action(home.DISCONNECT_ACTION)(guarded(disconnect_clicked))
    app.action(home.CHANNEL_ACTION)(guarded(setting_changed))
    app.action(home.DETAILS_ACTION)(guarded(setting_changed))
