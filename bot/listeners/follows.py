"""Follows of Leonar projects: the follow modal's submission, and the buttons that remove a follow (a channel's
list, and the App Home's, which only admins may use)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import t
from bot.manifest import COMMAND
from bot.slack import following
from bot.slack.context import leonar, services, user, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.views import follows as views
from bot.views.add_modal import PROJECT_BLOCK
from bot.views.follow_modal import CALLBACK_ID, read_follow
from bot.views.messages import failure_ack

log = logging.getLogger(__name__)


async def follow_submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    lang = await user_lang(context)
    choice = read_follow(view["state"]["values"])
    problems = choice.problems(lang)
    leonar_client = leonar(context)
    if leonar_client is None:
        problems[PROJECT_BLOCK] = t(lang, "add.not_connected", command=COMMAND)
    if problems or leonar_client is None:
        await ack(response_action="errors", errors=problems)
        return
    await ack(**await following.save(client, leonar_client, context, choice, lang))


async def unfollow_clicked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """From `/leonar-add unfollow`: only a follow of the channel the list was shown in is removed."""
    await ack()
    channel_id = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    follows, here = services(context).store.follows, workspace(context)
    listed = await follows.list_follows(here, channel_id=channel_id)
    target = next((f for f in listed if f.id == action.get("value")), None)
    removed = await follows.remove_follow(here, target.id) if target else None
    lang = await user_lang(context)
    await respond(replace_original=True, **views.unfollow_message(
        channel_id, [f for f in listed if removed is None or f.id != removed.id], lang))
    if removed is not None:
        await following.tell_unfollowed(client, removed, str(body["user"]["id"]))


async def home_unfollow_clicked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The App Home only shows these buttons to admins: a forged click from anyone else is refused here."""
    await ack()
    user_id = str(body["user"]["id"])
    if not (await user(context)).is_admin:
        log.warning("home_unfollow refused: %s is not an admin", user_id)
        return
    removed = await services(context).store.follows.remove_follow(workspace(context), str(action.get("value") or ""))
    if removed is not None:
        await following.tell_unfollowed(client, removed, user_id)
    await publish(client, context, user_id)


def register(app: AsyncApp) -> None:
    app.view(CALLBACK_ID)(guarded(follow_submitted, fallback=failure_ack()))
    app.action(views.UNFOLLOW_ACTION)(guarded(unfollow_clicked))
    app.action(views.HOME_UNFOLLOW_ACTION)(guarded(home_unfollow_clicked))
