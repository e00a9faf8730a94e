"""The buttons of an @Leonar add's confirmation (bot/slack/mentions.py): **Add** makes the add and posts the card in
the request's thread; **Change…** opens the add form prefilled with what was understood.

The gate (bot/slack/access.py) has already refused guests and outsiders. Here, only the person who asked, in the
workspace they asked in, may press: anyone else sees the buttons (a public thread) but their press adds nothing.
The button's value says who asked; Slack signs the press and builds it from the message the bot posted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Lang, t
from bot.leonar import AlreadyInProject, LeonarError, NewEntry
from bot.leonar.links import contact_url
from bot.manifest import COMMAND
from bot.slack import channels
from bot.slack.add_form import open_add
from bot.slack.card_delivery import card_recorder, deliver_card, deliver_privately
from bot.slack.context import leonar, new_modal, services, user_lang, workspace
from bot.store import AddRecord, StoreUnavailable, WorkspaceSettings
from bot.views import mentions as say
from bot.views.card import candidate_card, display_name
from bot.views.errors import describe
from bot.views.metadata import ModalContext
from bot.views.text import escape

log = logging.getLogger(__name__)


async def understood_by_asker(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                              context: dict[str, Any]) -> tuple[say.Understood, Lang] | None:
    """What the pressed button carries, when the one pressing is who asked, in their workspace; else they are told
    (privately) and None."""
    lang = await user_lang(context)
    understood = say.Understood.loads(action.get("value"))
    presser = str((body.get("user") or {}).get("id") or "")
    if understood is None or understood.asker != presser or understood.workspace != workspace(context).key:
        log.warning("mention confirmation pressed by someone other than its asker: refused")
        asker = understood.asker if understood else ""
        await respond(response_type="ephemeral", replace_original=False,
                      text=t(lang, "mention.not_yours", user=escape(asker)))
        return None
    return understood, lang


async def add(body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
              context: dict[str, Any]) -> None:
    found = await understood_by_asker(body, action, respond, context)
    if found is None:
        return
    understood, lang = found
    leonar_client = leonar(context)
    if leonar_client is None:
        await respond(response_type="ephemeral", replace_original=False,
                      text=t(lang, "add.not_connected", command=COMMAND))
        return
    if not (understood.contact and understood.project and understood.contact_name and understood.project_name):
        return  # only a confirmation carries an Add button, and it names both
    try:
        entry = await leonar_client.add_entry(NewEntry(understood.project, understood.contact, understood.stage))
    except AlreadyInProject:
        await respond(replace_original=True, text=t(lang, "mention.already_in", candidate=escape(
            understood.contact_name), project=escape(understood.project_name)))
        return
    except LeonarError as exc:
        await respond(response_type="ephemeral", replace_original=False, text=describe(exc, lang))
        return
    contact = entry.contact or leonar_client.cached_contact(understood.contact)
    if contact is None:
        try:
            contact = await leonar_client.get_contact(understood.contact)
        except LeonarError:
            contact = None
    stage = (entry.stage.name if entry.stage else None) or understood.stage_name
    await respond(replace_original=True, text=t(lang, "mention.added", candidate=escape(understood.contact_name),
                                                project=escape(understood.project_name)))
    if contact is not None:
        await _card(client, context, understood, contact, stage, lang)


async def _card(client: AsyncWebClient, context: dict[str, Any], understood: say.Understood, contact: Any,
                stage: str | None, lang: Lang) -> None:
    """The card in the request's thread, like the message shortcut's; privately where the admins keep it out."""
    found, here = services(context), workspace(context)
    store = found.store.workspaces
    try:
        settings = await store.settings(here)
    except StoreUnavailable:
        settings = WorkspaceSettings()  # the admins' choices unknown: the most private ones
    where = await channels.reach(client, found.channels, here, understood.channel)
    assert understood.project_name and understood.project
    card = candidate_card(contact, understood.project_name, stage, understood.asker, lang,
                          details=channels.details_allowed(where, settings),
                          leonar_url=contact_url(settings.leonar_slug, contact.id), project_id=understood.project)
    try:
        await store.record_add(here, AddRecord(understood.asker, display_name(contact, lang),
                                               understood.project_name, stage, datetime.now(UTC)))
    except StoreUnavailable as exc:  # the candidate is in Leonar: the App Home's list is what misses it
        log.warning("mention add not listed in the App Home (%s)", exc)
    if (why := channels.refusal(where, settings)) is not None:
        how = await deliver_privately(client, card, channel_id=understood.channel, user_id=understood.asker,
                                      response_urls=[], command_response_url=None, reason=t(lang, why), lang=lang)
    else:
        how = await deliver_card(client, card, channel_id=understood.channel, user_id=understood.asker,
                                 response_urls=[], command_channel_id=None, command_response_url=None, lang=lang,
                                 thread_ts=understood.thread, posted=card_recorder(found.store.cards, here,
                                                                                    contact.id))
    log.info("mention card: %s", how)


async def change(body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond,
                 context: dict[str, Any]) -> None:
    """The add form, prefilled: the project and stage understood, the candidate (or the search for what was typed);
    its card goes in the request's thread."""
    found = await understood_by_asker(body, action, respond, context)
    if found is None:
        return
    understood, lang = found
    in_dm = understood.channel.startswith(("U", "W"))  # the app's DM: the form's own default conversation
    ctx: ModalContext = new_modal(context, channel_id=None if in_dm else understood.channel,
                                  thread_ts=None if in_dm else understood.thread)
    if not understood.contact and understood.who:
        ctx = ctx.with_seed(understood.who)
    project = (understood.project, understood.project_name or understood.project) if understood.project else None
    await open_add(client, None, body["trigger_id"], ctx, context, lang, contact_id=understood.contact,
                   preset=project, stage_id=understood.stage)
