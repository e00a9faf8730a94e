"""The steps of an add submission after its checks: add the entry within Slack's window (or behind a pending
view), remember the project, post the card, save the note.

A submission is recorded as a job (bot/durable) before Leonar is asked, and each step is saved as done: an add
whose process died (behind its pending view, or before its card) is resumed by whichever instance is alive once its
lease has run out (`Resume`), and lands once (an entry Leonar made for it before the crash is recognised as its
own), or its user is told (`Resume.give_up`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.durable.runner import Kind, Progress, Retry
from bot.i18n import Lang, lang_of, t
from bot.leonar import AlreadyInProject, Contact, Entry, LeonarClient, LeonarError
from bot.leonar.errors import retry_in
from bot.leonar.links import contact_url
from bot.services import ChannelMemory, Services
from bot.slack import channels
from bot.slack.card_delivery import card_recorder, deliver_card, deliver_privately
from bot.slack.installations import bot_client
from bot.slack.modals import show
from bot.store import AddRecord, Workspace
from bot.store.cards import Cards
from bot.store.jobs import Job
from bot.store.workspaces import Workspaces
from bot.views import add_modal as add
from bot.views.card import candidate_card, display_name
from bot.views.errors import describe, explain_add_error
from bot.views.member_keys import link_first_text
from bot.views.messages import ephemeral
from bot.views.metadata import ModalContext
from bot.views.options import option_text
from bot.views.text import escape

log = logging.getLogger(__name__)
KIND = "add"  # its jobs (bot/durable)


@dataclass(frozen=True)
class Adding:
    """One add submission: what was chosen, from which modal, by whom, for which workspace."""

    slack: AsyncWebClient
    leonar: LeonarClient
    store: Workspaces
    channels: ChannelMemory
    workspace: Workspace
    user: dict[str, Any]  # the submission's `user`: id, name
    choice: add.Submission
    ctx: ModalContext
    view_id: str
    response_urls: list[dict[str, Any]]
    lang: Lang
    cards: Cards  # the cards posted, recorded
    # A submit must be answered within 3 s: past this (Limits.submit_seconds) Leonar is still allowed to finish
    # behind a "pending" view.
    window: float

    @property
    def project_name(self) -> str | None:
        """The name the modal's metadata recorded for that project, else the menu's label."""
        if self.ctx.project_id == self.choice.entry.project_id:
            return self.ctx.project_name
        return option_text(self.choice.project) or None

    @property
    def card_project(self) -> str:
        return self.project_name or "Leonar"

    @property
    def project_label(self) -> str:
        """How the user is told of the project: its name, else "this project"."""
        return self.project_name or t(self.lang, "add.this_project")

    def candidate_name(self, entry: Entry | None = None) -> str | None:
        """The candidate's name as Leonar gave it: in the entry, else from the search that offered them."""
        contact = (entry.contact if entry else None) or self.leonar.cached_contact(self.choice.entry.contact_id)
        return display_name(contact, self.lang) if contact else None

    @staticmethod
    def payload(view: dict[str, Any], body: dict[str, Any], lang: Lang) -> dict[str, Any]:
        """What the job keeps of the submission, to make it again elsewhere (`of`)."""
        user = body.get("user") or {}
        return {"values": (view.get("state") or {}).get("values") or {}, "metadata": view.get("private_metadata"),
                "view_id": view["id"], "response_urls": body.get("response_urls") or [], "lang": lang,
                "user": {k: user[k] for k in ("id", "name", "username", "team_id") if k in user}}

    @classmethod
    def of(cls, job: Job, *, slack: AsyncWebClient, leonar: LeonarClient, services: Services) -> Adding:
        data = job.payload
        return cls(slack=slack, leonar=leonar, store=services.store.workspaces, channels=services.channels,
                   workspace=job.workspace, user=dict(data["user"]), choice=add.read_submission(data["values"]),
                   ctx=ModalContext.loads(data.get("metadata")), view_id=str(data["view_id"]),
                   response_urls=list(data.get("response_urls") or []), lang=lang_of(str(data.get("lang"))),
                   cards=services.store.cards, window=services.settings.limits.submit_seconds)


async def submitted(job: Adding, progress: Progress, ack: AsyncAck) -> None:
    """The add as the submission makes it, from the form's request (its first step answers Slack)."""
    entry = await add_entry(job, ack)
    if entry is None:
        return  # the user was shown why
    await remember_project(job)  # first: the user's next form, opened at once, already has it
    await progress.done("entry", entry.model_dump(mode="json"))
    await progress.done("remembered")
    await carry_on(job, progress, entry)


async def carry_on(job: Adding, progress: Progress, entry: Entry) -> None:
    """The steps after the entry, each once."""
    if not progress.get("remembered"):
        await remember_project(job)
        await progress.done("remembered")
    contact: Contact | None = None
    if not progress.get("card"):
        contact = await contact_of(job, entry)
        outcome = await post_card(job, entry, contact)
        log.info("entry %s added; card %s", entry.id, outcome)
        await progress.done("card")
    if job.choice.note and not progress.get("noted"):
        await save_note(job, contact or await contact_of(job, entry))
        await progress.done("noted")


class Resume:
    """An add whose instance died before its last step, resumed elsewhere (or after a restart)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up, max_attempts=4)

    async def run(self, job: Job, progress: Progress) -> None:
        adding = await self._adding(job, tell=not progress.get("entry"))  # "nothing added" only when true
        if adding is None:
            return  # disconnected meanwhile, or the member must link their key first: finished, nothing added
        found = progress.get("entry")
        if found:
            entry = Entry.model_validate(found)
        else:
            try:
                entry = await adding.leonar.add_entry(adding.choice.entry)
            except AlreadyInProject as exc:
                if exc.entry is None or not exc.made_since(job.created_at):
                    await self._refused(adding, exc)
                    return
                entry = exc.entry  # made for this add before the crash: it is ours
            except LeonarError as exc:
                if (later := retry_in(exc, repeatable=True)) is not None:
                    raise Retry(later, exc.code) from exc  # not now: the user still sees "pending"
                await self._refused(adding, exc)  # never, however often it is tried: the user is told why
                return
            await show(adding.slack, adding.view_id, add.done_modal(option_text(adding.choice.contact),
                                                                    adding.project_label, stage_of(adding, entry),
                                                                    adding.lang))
            await progress.done("entry", entry.model_dump(mode="json"))
        await carry_on(adding, progress, entry)

    async def give_up(self, job: Job, error: BaseException) -> None:
        adding = await self._adding(job)
        if adding is None:
            return
        candidate, project = option_text(adding.choice.contact), adding.project_label
        text = t(adding.lang, "add.interrupted", candidate=candidate, project=project)  # the form escapes it
        if not await show(adding.slack, adding.view_id, add.add_modal(adding.ctx, error=text,
                                                                      picked=adding.choice.picked(),
                                                                      lang=adding.lang)):
            # The form was closed: a direct message, mrkdwn, where Leonar's names are escaped.
            told = t(adding.lang, "add.interrupted", candidate=escape(candidate), project=escape(project))
            await adding.slack.chat_postMessage(channel=adding.user["id"], text=told)

    @staticmethod
    async def _refused(adding: Adding, exc: LeonarError) -> None:
        error = explain_add_error(exc, adding.candidate_name(), adding.project_name, adding.lang)
        await show(adding.slack, adding.view_id, await _form_again(adding, error))

    async def _adding(self, job: Job, *, tell: bool = False) -> Adding | None:
        """The add as recorded, with the key its member's calls use now (they may have linked or unlinked one since
        it was accepted); None when there is none. `tell`: a member who must link theirs first is told so."""
        services = self._services
        choice = await services.leonar_for(job.workspace, str(job.payload["user"].get("id")))
        slack = await bot_client(services.settings, services.store.installations, job.workspace)
        if choice.client is None or slack is None:
            if not choice.must_link or slack is None:
                log.warning("an add could not be resumed: workspace %s is no longer connected", job.workspace.key)
                return None
            log.info("an add was not resumed: its member must link their own Leonar key first")
            if tell:
                await _link_first(job, slack, services.slack_app.home_url(
                    job.workspace.team_id or job.payload["user"].get("team_id")))
            return None
        return Adding.of(job, slack=slack, leonar=choice.client, services=services)


async def _link_first(job: Job, slack: AsyncWebClient, home: str | None) -> None:
    """In the member's form (kept as they filled it), else in a DM: nothing was added, their own key comes first."""
    data, lang = job.payload, lang_of(str(job.payload.get("lang")))
    form = add.add_modal(ModalContext.loads(data.get("metadata")), error=link_first_text(lang, None),
                         picked=add.read_submission(data["values"]).picked(), lang=lang)
    if await show(slack, str(data["view_id"]), form):
        return
    try:
        await slack.chat_postMessage(channel=str(data["user"]["id"]), text=link_first_text(lang, home))
    except SlackApiError as exc:  # told nowhere: the job still ends (nothing was added), logged
        log.info("a member who must link their key not told: %s", exc.response.get("error"))


async def add_entry(job: Adding, ack: AsyncAck) -> Entry | None:
    """The entry, acking the submit; None once the user has been shown why it failed."""
    choice = job.choice
    adding = asyncio.create_task(job.leonar.add_entry(choice.entry))
    done, _ = await asyncio.wait({adding}, timeout=job.window)
    if done:
        try:
            entry = adding.result()
        except LeonarError as exc:
            error = explain_add_error(exc, job.candidate_name(), job.project_name, job.lang)
            await ack(response_action="errors", errors={choice.error_block(exc): error})
            return None
        await ack()
        return entry
    # Leonar is slow: answer Slack now and let the add finish; the modal shows the outcome.
    candidate, project = option_text(choice.contact), job.project_label
    await ack(response_action="update", view=add.pending_modal(job.ctx, candidate, project, job.lang))
    try:
        entry = await adding
    except LeonarError as exc:
        error = explain_add_error(exc, job.candidate_name(), job.project_name, job.lang)
        await show(job.slack, job.view_id, await _form_again(job, error))
        return None
    except asyncio.CancelledError:
        # Shutdown outlasted its bound (bot/slack/guard.py drain): say so rather than leave "pending" for ever.
        error = t(job.lang, "add.interrupted", candidate=candidate, project=project)
        await show(job.slack, job.view_id, add.add_modal(job.ctx, error=error, picked=job.choice.picked(),
                                                         lang=job.lang))
        raise
    await show(job.slack, job.view_id, add.done_modal(candidate, project, stage_of(job, entry), job.lang))
    return entry


def stage_of(job: Adding, entry: Entry) -> str | None:
    return (entry.stage.name if entry.stage else None) or option_text(job.choice.stage) or None


async def remember_project(job: Adding) -> None:
    """Preselected at the user's next add."""
    name = job.project_name or option_text(job.choice.project)
    await job.store.remember_project(job.workspace, job.user["id"], job.choice.entry.project_id, name)


async def contact_of(job: Adding, entry: Entry) -> Contact:
    """The full contact for the card: the one embedded in the entry, else fetched, else as the search showed it."""
    if entry.contact is not None:
        return entry.contact
    try:
        return await job.leonar.get_contact(job.choice.entry.contact_id)
    except LeonarError:
        contact_id = job.choice.entry.contact_id
        return job.leonar.cached_contact(contact_id) or Contact(id=contact_id)


async def post_card(job: Adding, entry: Entry, contact: Contact) -> str:
    """Post the card (recorded for the App Home) where the user chose; returns how it went out. In a conversation
    shared with another organisation only when the admins allowed it, and without emails or phones there; else
    the user gets it privately, with why (bot/slack/channels.py)."""
    stage = stage_of(job, entry)
    assert job.choice.channel_id is not None
    settings = await job.store.settings(job.workspace)
    where = await channels.reach(job.slack, job.channels, job.workspace, job.choice.channel_id)
    card = candidate_card(contact, job.card_project, stage, job.user["id"], job.lang,
                          details=channels.details_allowed(where, settings),
                          leonar_url=contact_url(settings.leonar_slug, contact.id),
                          project_id=job.choice.entry.project_id)
    await job.store.record_add(job.workspace, AddRecord(job.user["id"], display_name(contact, job.lang),
                                                        job.card_project, stage, datetime.now(UTC)))
    if (why := channels.refusal(where, settings)) is not None:
        return await deliver_privately(job.slack, card, channel_id=job.choice.channel_id, user_id=job.user["id"],
                                       response_urls=job.response_urls, command_response_url=job.ctx.response_url,
                                       reason=t(job.lang, why), lang=job.lang)
    return await deliver_card(
        job.slack,
        card,
        channel_id=job.choice.channel_id,
        user_id=job.user["id"],
        response_urls=job.response_urls,
        command_channel_id=job.ctx.channel_id,
        command_response_url=job.ctx.response_url,
        lang=job.lang,
        thread_ts=job.ctx.thread_ts if job.choice.channel_id == job.ctx.channel_id else None,
        posted=card_recorder(job.cards, job.workspace, contact.id),
    )


async def save_note(job: Adding, contact: Contact) -> None:
    """The note goes on the contact, prefixed with who added it and where. A failure never undoes the entry:
    the user is told, and given the note back."""
    note, user, new = job.choice.note, job.user, job.choice.entry
    assert note is not None
    who = user.get("name") or user.get("username") or user.get("id")
    try:
        prefix = t(job.lang, "note.prefix", user=who, project=job.card_project)
        await job.leonar.add_note(new.contact_id, f"{prefix}\n{note}")
        return
    except LeonarError as exc:
        reason = describe(exc, job.lang)
    log.info("note not saved for entry on %s: %s", new.contact_id, reason)
    text = t(job.lang, "note.failed", name=escape(display_name(contact, job.lang)), project=escape(job.card_project),
             reason=escape(reason), note=note.replace("\n", "\n>"))
    if job.ctx.response_url:
        response = await AsyncWebhookClient(job.ctx.response_url).send_dict(ephemeral(text))
        if response.status_code == 200:
            return
    await job.slack.chat_postMessage(channel=user["id"], text=text)  # a DM, when the command's reply is gone


async def _form_again(job: Adding, error: str) -> dict[str, Any]:
    """The add form with the user's choices and the error, after a slow add failed."""
    try:
        project = await job.leonar.get_project(job.choice.entry.project_id)
    except LeonarError:
        project = None
    return add.add_modal(job.ctx, project=project, error=error, picked=job.choice.picked(), lang=job.lang)
