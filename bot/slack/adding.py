"""The steps of an add submission after its checks: add the entry within Slack's window (or behind a pending
view), remember the project, post the card, save the note."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.i18n import Lang, t
from bot.leonar import Contact, Entry, LeonarClient, LeonarError
from bot.leonar.links import contact_url
from bot.slack.card_delivery import deliver_card
from bot.slack.modals import show
from bot.store import AddRecord, Store, Workspace
from bot.views import add_modal as add
from bot.views.card import candidate_card, display_name
from bot.views.errors import add_error_field, describe, explain_add_error
from bot.views.messages import ephemeral
from bot.views.metadata import ModalContext
from bot.views.text import escape

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Adding:
    """One add submission: what was chosen, from which modal, by whom, for which workspace."""

    slack: AsyncWebClient
    leonar: LeonarClient
    store: Store
    workspace: Workspace
    user: dict[str, Any]  # the submission's `user`: id, name
    choice: add.Submission
    ctx: ModalContext
    view_id: str
    response_urls: list[dict[str, Any]]
    lang: Lang
    # A submit must be answered within 3 s: past this (Limits.submit_seconds) Leonar is still allowed to finish
    # behind a "pending" view.
    window: float

    @property
    def project_name(self) -> str | None:
        """The name the modal's metadata recorded for that project, else the menu's label."""
        if self.ctx.project_id == self.choice.project_id:
            return self.ctx.project_name
        return add.option_text(self.choice.project) or None

    @property
    def card_project(self) -> str:
        return self.project_name or "Leonar"

    def candidate_name(self, entry: Entry | None = None) -> str | None:
        """The candidate's name as Leonar gave it: in the entry, else from the search that offered them."""
        contact = (entry.contact if entry else None) or self.leonar.cached_contact(self.choice.contact_id)
        return display_name(contact, self.lang) if contact else None


async def add_entry(job: Adding, ack: AsyncAck) -> Entry | None:
    """The entry, acking the submit; None once the user has been shown why it failed."""
    choice = job.choice
    adding = asyncio.create_task(job.leonar.add_entry(choice.project_id, choice.contact_id, choice.stage_id))
    done, _ = await asyncio.wait({adding}, timeout=job.window)
    if done:
        try:
            entry = adding.result()
        except LeonarError as exc:
            error = explain_add_error(exc, job.candidate_name(), job.project_name, job.lang)
            await ack(response_action="errors", errors={add_error_field(exc, choice): error})
            return None
        await ack()
        return entry
    # Leonar is slow: answer Slack now and let the add finish; the modal shows the outcome.
    candidate, project = add.option_text(choice.contact), job.project_name or t(job.lang, "add.this_project")
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
    return (entry.stage.name if entry.stage else None) or add.option_text(job.choice.stage) or None


async def remember_project(job: Adding) -> None:
    """Preselected at the user's next add."""
    name = job.project_name or add.option_text(job.choice.project)
    await job.store.remember_project(job.workspace, job.user["id"], job.choice.project_id, name)


async def contact_of(job: Adding, entry: Entry) -> Contact:
    """The full contact for the card: the one embedded in the entry, else fetched, else as the search showed it."""
    if entry.contact is not None:
        return entry.contact
    try:
        return await job.leonar.get_contact(job.choice.contact_id)
    except LeonarError:
        return job.leonar.cached_contact(job.choice.contact_id) or Contact(id=job.choice.contact_id)


async def post_card(job: Adding, entry: Entry, contact: Contact) -> str:
    """Post the card (recorded for the App Home) where the user chose; returns how it went out."""
    stage = stage_of(job, entry)
    settings = await job.store.settings(job.workspace)
    card = candidate_card(contact, job.card_project, stage, job.user["id"], job.lang,
                          details=settings.show_contact_details,
                          leonar_url=contact_url(settings.leonar_slug, contact.id))
    await job.store.record_add(job.workspace, AddRecord(job.user["id"], display_name(contact, job.lang),
                                                        job.card_project, stage, datetime.now(UTC)))
    assert job.choice.channel_id is not None
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
    )


async def save_note(job: Adding, contact: Contact) -> None:
    """The note goes on the contact, prefixed with who added it and where. A failure never undoes the entry:
    the user is told, and given the note back."""
    note, user = job.choice.note, job.user
    assert note is not None
    who = user.get("name") or user.get("username") or user.get("id")
    try:
        prefix = t(job.lang, "note.prefix", user=who, project=job.card_project)
        await job.leonar.add_note(job.choice.contact_id, f"{prefix}\n{note}")
        return
    except LeonarError as exc:
        reason = describe(exc, job.lang)
    log.info("note not saved for entry on %s: %s", job.choice.contact_id, reason)
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
        project = await job.leonar.get_project(job.choice.project_id)
    except LeonarError:
        project = None
    return add.add_modal(job.ctx, project=project, error=error, picked=job.choice.picked(), lang=job.lang)
