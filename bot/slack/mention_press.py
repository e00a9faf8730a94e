"""The buttons of an @Leonar add's confirmation (bot/slack/mentions.py): **Add** makes the add and posts the card in
the request's thread; **Change…** opens the add form prefilled with what was understood.

The gate (bot/slack/access.py) has already refused guests and outsiders. Here, only the person who asked, in the
workspace they asked in, may press: anyone else sees the buttons (a public thread) but their press adds nothing.
The button's value says who asked; Slack signs the press and builds it from the message the bot posted.

An **Add** press that passes those checks is recorded as a job (bot/durable) keyed by the press itself (its
`action_ts`, the presser, the confirmation's ts: a press Slack delivers again does nothing twice) before Slack is
told it arrived, then run at once, each step saved as done (the entry, the confirmation replaced, the App Home's
record, the card). A process that dies midway leaves it to whichever instance is alive once its lease has run out
(`Pressing.run`): the entry Leonar made for it before the crash is recognised as its own, the card is posted once;
or the asker is told, privately (`Pressing.give_up`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.durable.runner import Kind, Progress
from bot.i18n import Lang, lang_of, t
from bot.leonar import AlreadyInProject, Contact, Entry, LeonarClient, LeonarError, NewEntry
from bot.leonar.links import contact_url
from bot.services import Services
from bot.slack import channels
from bot.slack.add_form import open_add
from bot.slack.card_delivery import card_recorder, deliver_card, deliver_privately
from bot.slack.context import leonar, new_modal, services, user_lang, workspace
from bot.slack.installations import bot_client
from bot.slack.whose_key import unavailable
from bot.store import AddRecord, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.jobs import Job
from bot.views import mentions as say
from bot.views.card import candidate_card, display_name
from bot.views.errors import describe
from bot.views.member_keys import link_first_text
from bot.views.metadata import ModalContext
from bot.views.text import escape

log = logging.getLogger(__name__)
KIND = "mention_add"  # its jobs (bot/durable)


def _by_asker(body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]) -> say.Understood | None:
    """What the pressed button carries, when the one pressing is who asked, in their workspace."""
    understood = say.Understood.loads(action.get("value"))
    presser = str((body.get("user") or {}).get("id") or "")
    if understood is None or understood.asker != presser or understood.workspace != workspace(context).key:
        return None
    return understood


async def _not_yours(action: dict[str, Any], respond: AsyncRespond, lang: Lang) -> None:
    log.warning("mention confirmation pressed by someone other than its asker: refused")
    understood = say.Understood.loads(action.get("value"))
    await respond(response_type="ephemeral", replace_original=False,
                  text=t(lang, "mention.not_yours", user=escape(understood.asker if understood else "")))


async def understood_by_asker(body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
                              context: dict[str, Any]) -> tuple[say.Understood, Lang] | None:
    """What the pressed button carries, when the one pressing is who asked, in their workspace; else they are told
    (privately) and None."""
    lang = await user_lang(context)
    understood = _by_asker(body, action, context)
    if understood is None:
        await _not_yours(action, respond, lang)
        return None
    return understood, lang


def press_key(body: dict[str, Any], action: dict[str, Any], here: Workspace) -> str:
    """The press itself: Slack's redelivery of it carries the same, a second press another `action_ts`."""
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts") or ""
    presser = (body.get("user") or {}).get("id") or ""
    return f"{KIND}:{here.key}:{action.get('action_ts') or ''}:{presser}:{message_ts}"


async def add(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond,
              context: dict[str, Any]) -> None:
    """The checks, then the press recorded (before the ack) and run at once (`Pressing`)."""
    lang = await user_lang(context)
    understood = _by_asker(body, action, context)
    if understood is None:
        await ack()
        await _not_yours(action, respond, lang)
        return
    if leonar(context) is None:
        await ack()
        await respond(response_type="ephemeral", replace_original=False, text=unavailable(context, lang))
        return
    if not (understood.contact and understood.project and understood.contact_name and understood.project_name):
        await ack()
        return  # only a confirmation carries an Add button, and it names both
    here = workspace(context)
    try:
        await services(context).runner.accept(press_key(body, action, here), here, KIND, {
            "understood": asdict(understood), "lang": lang, "response_url": body.get("response_url")})
    except StoreUnavailable:
        await ack()
        await respond(response_type="ephemeral", replace_original=False, text=t(lang, "access.store_down"))
        return
    await ack()


class Pressing:
    """An Add press's job: the entry, the confirmation replaced, the card in the thread, each once (`Kind`)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up, max_attempts=3)

    async def run(self, job: Job, progress: Progress) -> None:
        found = self._services
        understood, lang = say.Understood(**job.payload["understood"]), lang_of(str(job.payload.get("lang")))
        assert understood.contact and understood.project
        # The asker's key as it is now (linked or unlinked since the press), within their fair share.
        choice = await found.leonar_for(job.workspace, understood.asker)
        client = await bot_client(found.settings, found.store.installations, job.workspace)
        if choice.must_link:  # unlinked since the press, and admins require members' own keys
            log.info("a mention's add was not carried on: its asker must link their own Leonar key first")
            if not progress.get("entry"):  # "nothing added" only when true
                await _reply(job, response_type="ephemeral", replace_original=False,
                             text=link_first_text(lang, found.slack_app.home_url(job.workspace.team_id)))
            return
        if (leonar_client := choice.client) is None or client is None:
            log.warning("a mention's add could not be made: workspace %s is no longer connected", job.workspace.key)
            return
        fields = {"candidate": escape(understood.contact_name or ""), "project": escape(understood.project_name or "")}
        done = progress.get("entry")
        if done:
            entry = Entry.model_validate(done)
        else:
            try:
                entry = await leonar_client.add_entry(NewEntry(understood.project, understood.contact,
                                                               understood.stage))
            except AlreadyInProject as exc:
                # Resumed: an entry Leonar made after the press was accepted is the one this press asked for.
                if exc.entry is None or not exc.made_since(job.created_at if job.resumed else None):
                    await _reply(job, replace_original=True, text=t(lang, "mention.already_in", **fields))
                    return
                entry = exc.entry
            except LeonarError as exc:
                await _reply(job, response_type="ephemeral", replace_original=False, text=describe(exc, lang))
                return
            await progress.done("entry", entry.model_dump(mode="json"))
        if not progress.get("told"):
            stage = entry.stage.name if entry.stage else None
            said = (t(lang, "mention.added_stage", stage=escape(stage), **fields) if stage
                    else t(lang, "mention.added", **fields))
            await _reply(job, replace_original=True, text=said)
            await progress.done("told")
        if not progress.get("card"):
            contact = await _contact(leonar_client, understood, entry)
            if contact is not None:
                stage = (entry.stage.name if entry.stage else None) or understood.stage_name
                await _card(client, found, job.workspace, understood, contact, stage, lang, progress)
            await progress.done("card")

    async def give_up(self, job: Job, error: BaseException) -> None:
        """The asker, privately: the add may have been made, the card was not posted."""
        understood, lang = say.Understood(**job.payload["understood"]), lang_of(str(job.payload.get("lang")))
        text = t(lang, "add.interrupted", candidate=escape(understood.contact_name or ""),
                 project=escape(understood.project_name or ""))
        if await _reply(job, response_type="ephemeral", replace_original=False, text=text):
            return
        client = await bot_client(self._services.settings, self._services.store.installations, job.workspace)
        if client is not None:
            await client.chat_postMessage(channel=understood.asker, text=text)  # the app's DM


async def _reply(job: Job, **message: Any) -> bool:
    """Through the press's response_url (as `respond` would); False when Slack no longer takes it."""
    url = job.payload.get("response_url")
    if not url:
        return False
    response = await AsyncWebhookClient(str(url)).send_dict(message)
    if response.status_code != 200:
        log.warning("mention press: response_url answered %s", response.status_code)
    return response.status_code == 200


async def _contact(leonar_client: LeonarClient, understood: say.Understood, entry: Entry) -> Contact | None:
    assert understood.contact
    contact = entry.contact or leonar_client.cached_contact(understood.contact)
    if contact is None:
        try:
            contact = await leonar_client.get_contact(understood.contact)
        except LeonarError:
            contact = None
    return contact


async def _card(client: AsyncWebClient, found: Services, here: Workspace, understood: say.Understood,
                contact: Contact, stage: str | None, lang: Lang, progress: Progress) -> None:
    """The card in the request's thread, like the message shortcut's; privately where the admins keep it out."""
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
    if not progress.get("listed"):
        try:
            await store.record_add(here, AddRecord(understood.asker, display_name(contact, lang),
                                                   understood.project_name, stage, datetime.now(UTC)))
        except StoreUnavailable as exc:  # the candidate is in Leonar: the App Home's list is what misses it
            log.warning("mention add not listed in the App Home (%s)", exc)
        await progress.done("listed")
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
