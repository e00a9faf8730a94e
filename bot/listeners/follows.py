"""Follows of Leonar projects: the follow modal's project menu and pick, its submission, and the buttons that remove
a follow (a channel's list, and the App Home's, which only admins may use)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import following
from bot.slack.context import action_channel, services, user, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.slack.menus import followable_projects
from bot.slack.modals import of_modal
from bot.slack.whose_key import unavailable
from bot.views import follow_modal as form
from bot.views import follows as views
from bot.views.messages import failure_ack
from bot.views.options import NOTICE_VALUE

log = logging.getLogger(__name__)


async def project_picked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    selected = action.get("selected_option") or {}
    if selected.get("value") not in (None, "", NOTICE_VALUE):
        await following.project_picked(client, body["view"], selected, context)


async def follow_submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    lang = await user_lang(context)
    choice = form.read_follow(view["state"]["values"])
    problems = choice.problems(lang)
    leonar_client = following.follow_leonar(context)  # the poller's key: what it will read is what is checked
    if leonar_client is None:
        problems[choice.project_block] = unavailable(context, lang, plain=True)
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
    channel_id = action_channel(body)
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
    app.options(form.PROJECT_ACTION)(guarded(followable_projects))
    app.action(form.PROJECT_ACTION)(guarded(project_picked))
    # A form opened before the follow form had ids of its own (follow_modal.OLD_PROJECT_ACTION): the add form's
    # listener serves its menu (the same projects), and leaves its pick to this one.
    app.action(form.OLD_PROJECT_ACTION, matchers=[of_modal(form.CALLBACK_ID)])(guarded(project_picked))
    app.view(form.CALLBACK_ID)(guarded(follow_submitted, fallback=failure_ack()))
    app.action(views.UNFOLLOW_ACTION)(guarded(unfollow_clicked))
    app.action(views.HOME_UNFOLLOW_ACTION)(guarded(home_unfollow_clicked))
