"""The App Home: published when opened; its buttons and settings are for workspace admins."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.leonar.links import slug_from
from bot.slack.context import connection, new_modal, services, user, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.views import admin, home
from bot.views.connect_modal import connect_modal


async def opened(ack: AsyncAck, event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack()
    if event.get("tab") == "home":
        await publish(client, context, event["user"])


# Every admin control checks the role again: the Home only hides them, a crafted request must still be refused.

async def connect_clicked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack()
    who = await user(context)
    if who.is_admin:
        await client.views_open(trigger_id=body["trigger_id"], view=connect_modal(new_modal(context), who.lang))


async def disconnect_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    conn = connection(context)
    if conn is not None and (who := await user(context)).is_admin:
        await client.views_open(trigger_id=body["trigger_id"], view=admin.disconnect_modal(new_modal(context), conn,
                                                                                           who.lang))


async def setting_changed(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    if not (await user(context)).is_admin:
        return
    store, here = services(context).store.workspaces, workspace(context)
    if action["action_id"] == home.CHANNEL_ACTION:
        await store.update_settings(here, default_channel=action.get("selected_conversation"))
    elif action["action_id"] == home.GUESTS_ACTION:
        await store.update_settings(here, allow_guests=bool(action.get("selected_options")))
    elif action["action_id"] == home.SHARED_ACTION:
        await store.update_settings(here, allow_shared_channels=bool(action.get("selected_options")))
    else:
        await store.update_settings(here, show_contact_details=bool(action.get("selected_options")))
    await publish(client, context, body["user"]["id"])


async def slug_changed(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The workspace's Leonar address, typed as the slug or as any dashboard address; only a valid slug is kept
    (it ends up in every "Open in Leonar" URL)."""
    await ack()
    if not (await user(context)).is_admin:
        return
    store, here = services(context).store.workspaces, workspace(context)
    typed = str(action.get("value") or "") if action["action_id"] == home.SLUG_ACTION else ""
    slug = slug_from(typed) if typed else None
    if typed and slug is None:
        await publish(client, context, body["user"]["id"], slug_problem=typed)
        return
    await store.update_settings(here, leonar_slug=slug)
    await publish(client, context, body["user"]["id"])


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(guarded(opened))
    app.action(home.CONNECT_ACTION)(guarded(connect_clicked))
    app.action(home.DISCONNECT_ACTION)(guarded(disconnect_clicked))
    app.action(home.CHANNEL_ACTION)(guarded(setting_changed))
    app.action(home.DETAILS_ACTION)(guarded(setting_changed))
    app.action(home.GUESTS_ACTION)(guarded(setting_changed))
    app.action(home.SHARED_ACTION)(guarded(setting_changed))
    app.action(home.SLUG_ACTION)(guarded(slug_changed))
    app.action(home.SLUG_CLEAR_ACTION)(guarded(slug_changed))
