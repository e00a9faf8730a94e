"""Members' own Leonar keys: linked from the App Home (or `/leonar-add connect me`, commands.py), unlinked by their
owner, removed by an admin, and when Slack says the person was deactivated (`user_change`).

The key is checked within Slack's 3 s (`linking.py`); a problem is said under the key field. The role is checked
again at every admin control: the Home only hides them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.slack.context import connection, services, user, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.home_tab import publish
from bot.slack.linking import key_problem, open_link, unlink_own
from bot.slack.users import UserLookup
from bot.views import member_keys as views
from bot.views.connect_modal import key_format_problem
from bot.views.messages import failure_ack

log = logging.getLogger(__name__)


async def link_clicked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    await ack()
    await open_link(client, None, body["trigger_id"], context)


async def link_submitted(ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
                         ) -> None:
    api_key = str(view["state"]["values"].get(views.KEY_BLOCK, {}).get(views.KEY_ACTION, {}).get("value") or "")
    api_key = api_key.strip()
    if key_format_problem(api_key) is not None:  # checked in English first: no users.info before Leonar
        await ack(response_action="errors", errors={views.KEY_BLOCK: str(key_format_problem(
            api_key, await user_lang(context)))})
        return
    found, here, user_id = services(context), workspace(context), str(context.get("user_id") or "")
    try:
        lang = await user_lang(context)
        problem = await asyncio.wait_for(key_problem(found, connection(context), api_key, user_id, lang),
                                         found.settings.limits.key_check_seconds)
    except TimeoutError:
        problem = t(await user_lang(context), "connect.timeout")
    if problem:
        await ack(response_action="errors", errors={views.KEY_BLOCK: problem})
        return
    await found.store.member_keys.link(here, user_id, api_key)
    log.info("a member linked their own Leonar key in workspace %s: %s", here.key, user_id)
    await ack(response_action="update", view=views.linked_modal(lang))
    await publish(client, context, user_id)


async def unlink_clicked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
                         ) -> None:
    await ack()
    await unlink_own(context)
    await publish(client, context, body["user"]["id"])


async def remove_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                         context: dict[str, Any]) -> None:
    await ack()
    who = await user(context)
    member = str(action.get("value") or "")
    if not who.is_admin or not member:
        log.info("a member's key removal refused: %s is not an admin", who.id)
        return
    here = workspace(context)
    if await services(context).store.member_keys.unlink(here, member):
        log.info("an admin (%s) removed the Leonar key of %s in workspace %s", who.id, member, here.key)
        await _tell(client, member, views.removed_text(who.id, await _lang_of(client, context, member)))
    await publish(client, context, who.id)


async def require_changed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                          context: dict[str, Any]) -> None:
    await ack()
    who = await user(context)
    if not who.is_admin:
        return
    required = bool(action.get("selected_options"))
    await services(context).store.workspaces.update_settings(workspace(context), require_member_keys=required)
    log.info("workspace %s: members must link their own Leonar key: %s (by %s)", workspace(context).key, required,
             who.id)
    await publish(client, context, who.id)


async def user_changed(ack: AsyncAck, event: dict[str, Any], context: dict[str, Any]) -> None:
    """A deactivated person's key goes at once (Slack sends `user_change` with `deleted`). Slack sends the event for
    every profile change of everyone (a status, a photo): the rest are dropped here, unread."""
    await ack()
    person = event.get("user") if isinstance(event.get("user"), dict) else {}
    if not person or not person.get("deleted") or not person.get("id"):
        return
    here = workspace(context)
    gone = await services(context).store.member_keys.deactivated(here, str(person["id"]))
    if gone:
        log.info("deactivated user %s: their Leonar key deleted from %s", person["id"],
                 ", ".join(w.key for w in gone))


async def _lang_of(client: AsyncWebClient, context: dict[str, Any], member: str) -> Lang:
    found = services(context)
    return await UserLookup(client, workspace(context), member, found.people,
                            found.settings.limits.users_info_seconds).lang()


async def _tell(client: AsyncWebClient, member: str, text: str) -> None:
    try:
        await client.chat_postMessage(channel=member, text=text)
    except SlackApiError as exc:
        log.info("member not told their key was removed: %s", exc.response.get("error"))


def register(app: AsyncApp) -> None:
    app.action(views.LINK_ACTION)(guarded(link_clicked))
    app.action(views.UNLINK_ACTION)(guarded(unlink_clicked))
    app.action(views.REMOVE_ACTION)(guarded(remove_clicked))
    app.action(views.REQUIRE_ACTION)(guarded(require_changed))
    app.view(views.LINK_CALLBACK)(guarded(link_submitted, fallback=failure_ack()))
    app.event("user_change")(guarded(user_changed))
