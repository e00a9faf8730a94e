"""Modal submissions that change the workspace's Leonar connection: connect (or replace) a key, disconnect it.

The user's role is checked again at submit: the modal only proves who opened it, not that they are still an admin.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.i18n import t
from bot.leonar import LeonarError
from bot.slack.context import modal, services, user, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.slack.users import SlackUser
from bot.views import add_modal as add
from bot.views import admin
from bot.views import connect_modal as connect
from bot.views.errors import describe_key_check, missing_scopes_problem
from bot.views.messages import failure_ack, notice_modal

log = logging.getLogger(__name__)


async def connect_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    api_key = str(view["state"]["values"].get(connect.KEY_BLOCK, {}).get(connect.KEY_ACTION, {}).get("value") or "")
    api_key = api_key.strip()
    if connect.key_format_problem(api_key) is not None:  # checked in English first: no users.info before Leonar
        problem = connect.key_format_problem(api_key, await user_lang(context))
        await ack(response_action="errors", errors={connect.KEY_BLOCK: str(problem)})
        return
    try:  # who asks (Slack) and what the key may do (Leonar), both within Slack's 3 s
        who, scopes = await asyncio.wait_for(asyncio.gather(user(context), _missing_scopes(context, api_key)),
                                             services(context).settings.limits.key_check_seconds)
        problem = _role_problem(who) or (describe_key_check(scopes, who.lang) if isinstance(scopes, LeonarError)
                                         else missing_scopes_problem(scopes, who.lang))
    except TimeoutError:
        problem = t(await user_lang(context), "connect.timeout")
    if problem:
        await ack(response_action="errors", errors={connect.KEY_BLOCK: problem})
        return
    workspaces = services(context).store.workspaces
    context["connection"] = await workspaces.save_connection(workspace(context), api_key, who.id)
    log.info("Leonar connected for workspace %s", workspace(context).key)
    await ack(response_action="update", view=add.add_modal(modal(context), notice=t(who.lang, "add.connected"),
                                                           lang=who.lang))
    await publish(client, context, who.id)  # the Home tab shows the new connection


async def disconnect_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    who = await user(context)
    if problem := _role_problem(who):
        # The confirm modal has no input block to hang an error on: replace it with the explanation.
        await ack(response_action="update", view=notice_modal(t(who.lang, "admin.disconnect_title"), problem,
                                                               who.lang))
        return
    await services(context).store.workspaces.delete_connection(workspace(context))
    log.info("Leonar disconnected for workspace %s by %s", workspace(context).key, who.id)
    await ack()
    if response_url := modal(context).response_url:
        await AsyncWebhookClient(response_url).send_dict(admin.disconnected(who.lang))
    context["connection"] = None
    await publish(client, context, who.id)


async def _missing_scopes(context: dict[str, Any], api_key: str) -> list[str] | LeonarError:
    try:
        return await services(context).leonar.client(api_key).missing_scopes()
    except LeonarError as exc:
        return exc


def _role_problem(who: SlackUser) -> str | None:
    if who.role == "unknown":
        return t(who.lang, "connect.role_unknown", error=who.error)
    return None if who.is_admin else t(who.lang, "connect.admins_only")


def register(app: AsyncApp) -> None:
    app.view(connect.CALLBACK_ID)(guarded(connect_submitted, fallback=failure_ack()))
    app.view(admin.DISCONNECT_CALLBACK)(guarded(disconnect_submitted, fallback=failure_ack()))
