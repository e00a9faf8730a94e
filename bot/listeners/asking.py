"""The find and pipeline answers' buttons (bot/slack/asking.py): Share in channel, Add to a project, a project
among several, and the pulse's Open in Leonar (a URL button: an ack)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import t
from bot.leonar.links import UUID
from bot.slack import asking, sharing
from bot.slack.add_form import open_add
from bot.slack.context import action_channel, new_modal, services, user, workspace
from bot.slack.guard import guarded
from bot.views import find, pulse
from bot.views.find import private

log = logging.getLogger(__name__)


async def share_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                        respond: AsyncRespond, context: dict[str, Any]) -> None:
    await ack()
    who = await user(context)
    share = sharing.share_find if action.get("action_id") == find.SHARE_ACTION else sharing.share_pulse
    said = await share(client, services(context), workspace(context), who, str(action.get("value") or ""),
                       action_channel(body), body.get("response_url"), who.lang)
    if said is not None:
        await respond(**private(said))
    else:  # said where it went, so that a second press is not the only way to find out
        await respond(text=t(who.lang, "find.shared_here"), response_type="ephemeral", replace_original=False)


async def add_clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                      respond: AsyncRespond, context: dict[str, Any]) -> None:
    """The add form with the candidate preselected (the trigger lives 3 s: the modal opens first); the card goes
    to the channel the answer was given in."""
    await ack()
    contact_id = str(action.get("value") or "")
    if not UUID.fullmatch(contact_id):  # it reaches a Leonar path: a crafted value goes no further
        log.info("add from a find refused: not a Leonar id")
        return
    who = await user(context)
    ctx = new_modal(context, channel_id=action_channel(body) or None, response_url=body.get("response_url"))
    await open_add(client, respond, body["trigger_id"], ctx, context, who.lang, contact_id=contact_id.lower())


async def pick_clicked(ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    """A project among those a name matched: its pulse, to the presser, about their own workspace."""
    await ack()
    who = await user(context)
    await respond(**private(await asking.pipeline_answer(services(context), workspace(context), who,
                                                         str(action.get("value") or ""), who.lang)))


async def opened(ack: AsyncAck) -> None:
    await ack()


def register(app: AsyncApp) -> None:
    app.action(find.SHARE_ACTION)(guarded(share_clicked))
    app.action(pulse.SHARE_ACTION)(guarded(share_clicked))
    app.action(find.ADD_ACTION)(guarded(add_clicked))
    app.action(re.compile(f"^{find.PICK_ACTION}_\\d$"))(guarded(pick_clicked))
    app.action(pulse.OPEN_ACTION)(guarded(opened))
