"""Submissions of the add flow's modals: the add itself, and the pushed form that creates a candidate."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import t
from bot.leonar import LeonarError, ValidationFailed
from bot.manifest import COMMAND
from bot.slack import adding
from bot.slack.context import creation_return, leonar, modal, services, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.modals import show
from bot.views import add_modal as add
from bot.views import create_contact as create
from bot.views.errors import describe
from bot.views.messages import failure_ack
from bot.views.metadata import ModalContext
from bot.views.options import contact_option

log = logging.getLogger(__name__)


async def add_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    choice = add.read_submission(view["state"]["values"])
    lang = await user_lang(context)
    problems = choice.problems(lang)
    leonar_client = leonar(context)
    if leonar_client is None:
        problems[add.PROJECT_BLOCK] = t(lang, "add.not_connected", command=COMMAND)
    if problems or leonar_client is None:
        await ack(response_action="errors", errors=problems)
        return
    job = adding.Adding(slack=client, leonar=leonar_client, store=services(context).store,
                        workspace=workspace(context), user=body["user"], choice=choice, ctx=modal(context),
                        view_id=view["id"], response_urls=body.get("response_urls") or [], lang=lang,
                        window=services(context).settings.limits.submit_seconds)
    entry = await adding.add_entry(job, ack)
    if entry is None:
        return
    await adding.remember_project(job)
    contact = await adding.contact_of(job, entry)
    outcome = await adding.post_card(job, entry, contact)
    log.info("entry %s added; card %s", entry.id, outcome)
    if choice.note:
        await adding.save_note(job, contact)


async def create_submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The pushed creation form: create the contact, then back on the add modal with it selected."""
    lang = await user_lang(context)
    fields = create.read_fields(view["state"]["values"])
    back, leonar_client = creation_return(context), leonar(context)
    if leonar_client is None or back is None:
        await ack(response_action="errors", errors={create.FIRST_FIELD: t(lang, "add.not_connected", command=COMMAND)})
        return
    try:
        contact = await asyncio.wait_for(leonar_client.create_contact(fields),
                                         services(context).settings.limits.submit_seconds)
    except TimeoutError:
        await ack(response_action="errors", errors={create.FIRST_FIELD: t(lang, "error.unconfirmed")})
        return
    except LeonarError as exc:
        # Leonar's "<field>: <reason>" shows on that field ("email" is the form's email field).
        field = exc.field if isinstance(exc, ValidationFailed) and exc.field in create.FIELDS else create.FIRST_FIELD
        await ack(response_action="errors", errors={field: describe(exc, lang)})
        return
    await ack()  # closes the form: the add modal is on top again
    project = leonar_client.cached_project(str((back.project or {}).get("value"))) if back.project else None
    picked = add.Picked(project=back.project, contact=contact_option(contact), stage_id=back.stage_id)
    await show(client, back.root_view_id, add.add_modal(ModalContext.loads(back.root_metadata), project=project,
                                                        picked=picked, lang=lang, contact_block=add.CREATED_BLOCK))


def register(app: AsyncApp) -> None:
    app.view(add.CALLBACK_ID)(guarded(add_submitted, fallback=failure_ack()))
    app.view(create.CALLBACK_ID)(guarded(create_submitted, fallback=failure_ack()))
