"""Modal submissions: connecting a Leonar key, and adding a candidate to a project."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.leonar import AlreadyInProject, Contact, Entry, LeonarClient, LeonarError, NotFound, ValidationFailed
from bot.listeners import home
from bot.listeners.card_delivery import deliver_card
from bot.listeners.context import leonar, services, workspace
from bot.listeners.guard import guarded
from bot.listeners.permissions import RoleUnknown, is_admin, user_lang
from bot.services import Services
from bot.store import AddRecord
from bot.views import add_modal as add
from bot.views import admin
from bot.views import connect_modal as connect
from bot.views import create_contact as create
from bot.views.card import candidate_card, display_name
from bot.views.errors import describe, describe_key_check, missing_scopes_problem
from bot.views.i18n import Lang, t
from bot.views.messages import COMMAND, ephemeral, notice_modal
from bot.views.metadata import ModalContext
from bot.views.options import contact_option
from bot.views.text import escape

log = logging.getLogger(__name__)
# A submit must be answered within 3 s; past this Leonar is still allowed to finish behind a "pending" view.
SUBMIT_WINDOW = 2.3
KEY_CHECK_DEADLINE = 2.4


async def connect_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    value = view["state"]["values"].get(connect.KEY_BLOCK, {}).get(connect.KEY_ACTION, {}).get("value") or ""
    api_key = value.strip()
    if connect.key_format_problem(api_key) is None:
        # Who asks (Slack) and what the key may do (Leonar) are checked at once, within Slack's 3 s; the role
        # check's users.info also tells the user's language.
        try:
            role, scopes = await asyncio.wait_for(asyncio.gather(
                _role(client, body["user"]["id"], context), _scopes(services(context), api_key)
            ), KEY_CHECK_DEADLINE)
            lang = await user_lang(client, context)
            problem = _role_problem(role, lang) or (
                describe_key_check(scopes, lang) if isinstance(scopes, LeonarError)
                else missing_scopes_problem(scopes, lang))
        except TimeoutError:
            lang = await user_lang(client, context)
            problem = t(lang, "connect.timeout")
    else:
        lang = await user_lang(client, context)
        problem = connect.key_format_problem(api_key, lang)
    if problem:
        await ack(response_action="errors", errors={connect.KEY_BLOCK: problem})
        return
    context["connection"] = services(context).store.save_connection(workspace(context), api_key, body["user"]["id"])
    log.info("Leonar connected for workspace %s", workspace(context).key)
    ctx = ModalContext.loads(view.get("private_metadata"))
    await ack(response_action="update", view=add.add_modal(ctx, notice=t(lang, "add.connected"), lang=lang))
    await home.publish(client, context, body["user"]["id"], admin=True)  # the Home tab shows the new connection


async def disconnect_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    role = await _role(client, body["user"]["id"], context)
    lang = await user_lang(client, context)
    problem = _role_problem(role, lang)
    if problem:
        # The confirm modal has no input block to hang an error on: replace it with the explanation.
        await ack(response_action="update", view=notice_modal(t(lang, "admin.disconnect_title"), problem, lang))
        return
    services(context).store.delete_connection(workspace(context))
    log.info("Leonar disconnected for workspace %s by %s", workspace(context).key, body["user"]["id"])
    await ack()
    response_url = ModalContext.loads(view.get("private_metadata")).response_url
    if response_url:
        await AsyncWebhookClient(response_url).send_dict(admin.disconnected(lang))
    context["connection"] = None
    await home.publish(client, context, body["user"]["id"], admin=True)


async def _scopes(deps: Services, api_key: str) -> list[str] | LeonarError:
    try:
        return await deps.leonar.client(api_key).missing_scopes()
    except LeonarError as exc:
        return exc


async def _role(client: AsyncWebClient, user_id: str, context: dict[str, Any]) -> bool | RoleUnknown:
    """Checked again at submit: the modal only proves who opened it, not that they are still an admin."""
    try:
        return await is_admin(client, user_id, context.get("team_id"))
    except RoleUnknown as exc:
        return exc


def _role_problem(role: bool | RoleUnknown, lang: Lang) -> str | None:
    if isinstance(role, RoleUnknown):
        return t(lang, "connect.role_unknown", error=role)
    return None if role else t(lang, "connect.admins_only")


async def add_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    choice = add.read_submission(view["state"]["values"])
    lang = await user_lang(client, context)
    problems = choice.problems(lang)
    leonar_client = leonar(context)
    if leonar_client is None:
        problems[add.PROJECT_BLOCK] = t(lang, "add.not_connected", command=COMMAND)
    if problems:
        await ack(response_action="errors", errors=problems)
        return
    assert leonar_client is not None
    ctx = ModalContext.loads(view.get("private_metadata"))
    project_name = ctx.project_name if ctx.project_id == choice.project_id else add.option_text(choice.project)

    adding = asyncio.create_task(leonar_client.add_entry(choice.project_id, choice.contact_id, choice.stage_id))
    done, _ = await asyncio.wait({adding}, timeout=SUBMIT_WINDOW)
    if done:
        try:
            entry = adding.result()
        except LeonarError as exc:
            await ack(response_action="errors",
                      errors={_field_of(exc, choice): _explain(exc, choice, project_name, lang)})
            return
        await ack()
    else:
        # Leonar is slow: answer Slack now and let the add finish; the modal shows the outcome.
        candidate = add.option_text(choice.contact)
        project_label = project_name or t(lang, "add.this_project")
        await ack(response_action="update", view=add.pending_modal(ctx, candidate, project_label, lang))
        try:
            entry = await adding
        except LeonarError as exc:
            error = _explain(exc, choice, project_name, lang)
            await _show(client, view["id"], await _form_again(leonar_client, ctx, choice, error, lang))
            return
        stage = entry.stage.name if entry.stage else add.option_text(choice.stage) or None
        await _show(client, view["id"], add.done_modal(candidate, project_label, stage, lang))

    services(context).store.remember_project(workspace(context), body["user"]["id"], choice.project_id,
                                             project_name or add.option_text(choice.project))
    contact = await _contact_of(leonar_client, entry, choice.contact_id, add.option_text(choice.contact))
    stage_name = (entry.stage.name if entry.stage else None) or add.option_text(choice.stage) or None
    store, here = services(context).store, workspace(context)
    settings = store.settings(here)
    card = candidate_card(contact, project_name or "Leonar", stage_name, body["user"]["id"], lang,
                          details=settings.show_contact_details)
    store.record_add(here, AddRecord(body["user"]["id"], display_name(contact, lang), project_name or "Leonar",
                                     stage_name, datetime.now(UTC)))
    assert choice.channel_id is not None
    outcome = await deliver_card(
        client,
        card,
        channel_id=choice.channel_id,
        user_id=body["user"]["id"],
        response_urls=body.get("response_urls") or [],
        command_channel_id=ctx.channel_id,
        command_response_url=ctx.response_url,
        lang=lang,
        thread_ts=ctx.thread_ts if choice.channel_id == ctx.channel_id else None,
    )
    log.info("entry %s added; card %s", entry.id, outcome)
    if choice.note:
        await _save_note(leonar_client, client, contact, choice, body["user"], project_name or "Leonar", ctx, lang)


async def _save_note(
    client: LeonarClient, slack: AsyncWebClient, contact: Contact, choice: add.Submission, user: dict[str, Any],
    project: str, ctx: ModalContext, lang: Lang,
) -> None:
    """The note goes on the contact, prefixed with who added it and where. A failure never undoes the entry:
    the user is told, and given the note back."""
    assert choice.note is not None
    who = user.get("name") or user.get("username") or user.get("id")
    try:
        await client.add_note(choice.contact_id, f"{t(lang, 'note.prefix', user=who, project=project)}\n{choice.note}")
        return
    except LeonarError as exc:
        reason = describe(exc, lang)
    log.info("note not saved for entry on %s: %s", choice.contact_id, reason)
    text = t(lang, "note.failed", name=escape(display_name(contact, lang)), project=escape(project),
             reason=escape(reason), note=choice.note.replace("\n", "\n>"))
    if ctx.response_url:
        response = await AsyncWebhookClient(ctx.response_url).send_dict(ephemeral(text))
        if response.status_code == 200:
            return
    await slack.chat_postMessage(channel=user["id"], text=text)  # a DM, when the command's reply is gone


async def create_submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The pushed creation form: create the contact, then back on the add modal with it selected."""
    lang = await user_lang(client, context)
    fields = create.read_fields(view["state"]["values"])
    back = create.Return.loads(view.get("private_metadata"))
    leonar_client = leonar(context)
    if leonar_client is None or back is None:
        await ack(response_action="errors", errors={"first_name": t(lang, "add.not_connected", command=COMMAND)})
        return
    try:
        contact = await asyncio.wait_for(leonar_client.create_contact(fields), SUBMIT_WINDOW)
    except TimeoutError:
        await ack(response_action="errors", errors={"first_name": t(lang, "error.unconfirmed")})
        return
    except LeonarError as exc:
        # Leonar's "<field>: <reason>" shows on that field ("email" is the form's email field).
        field = exc.field if isinstance(exc, ValidationFailed) and exc.field in create.FIELDS else "first_name"
        await ack(response_action="errors", errors={field: describe(exc, lang)})
        return
    await ack()  # closes the form: the add modal is on top again
    ctx = ModalContext.loads(back.root_metadata)
    project = leonar_client.cached_project(str((back.project or {}).get("value"))) if back.project else None
    picked = add.Picked(project=back.project, contact=contact_option(contact), stage_id=back.stage_id)
    await _show(client, back.root_view_id,
                add.add_modal(ctx, project=project, picked=picked, lang=lang, contact_block="contact_created"))


def _explain(error: LeonarError, choice: add.Submission, project_name: str | None, lang: Lang) -> str:
    if isinstance(error, AlreadyInProject):
        name = add.option_text(choice.contact).split(" — ")[0] or t(lang, "add.this_candidate")
        stage = error.entry.stage.name if error.entry and error.entry.stage and error.entry.stage.name else None
        project = project_name or t(lang, "add.this_project")
        where = t(lang, "add.already_in_at", project=project, stage=stage) if stage else project
        return t(lang, "add.already_in", name=name, where=where)
    return describe(error, lang)


def _field_of(error: LeonarError, choice: add.Submission) -> str:
    """The input block an add error belongs to, judged from Leonar's "<field>: <reason>" message."""
    if isinstance(error, AlreadyInProject):
        return choice.contact_block
    text = error.message.lower()
    if isinstance(error, ValidationFailed) and error.field == "stage_id" and choice.stage_block:
        return choice.stage_block
    if isinstance(error, ValidationFailed | NotFound) and "contact" in text:
        return choice.contact_block
    return add.PROJECT_BLOCK


async def _contact_of(client: LeonarClient, entry: Entry, contact_id: str, label: str) -> Contact:
    """The full contact for the card: the one embedded in the entry, else fetched, else just its label."""
    if entry.contact is not None:
        return entry.contact
    try:
        return await client.get_contact(contact_id)
    except LeonarError:
        return Contact(id=contact_id, first_name=label.split(" — ")[0] or None)


async def _form_again(
    client: LeonarClient, ctx: ModalContext, choice: add.Submission, error: str, lang: Lang
) -> dict[str, Any]:
    """The add form with the user's choices and the error, after a slow add failed."""
    try:
        project = await client.get_project(choice.project_id)
    except LeonarError:
        project = None
    return add.add_modal(ctx, project=project, error=error, picked=choice.picked(), lang=lang)


async def _show(client: AsyncWebClient, view_id: str, view: dict[str, Any]) -> None:
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:
        log.warning("views.update with the add outcome failed: %s", exc.response.get("error"))


def register(app: AsyncApp) -> None:
    # A submit that fails unexpectedly must not just close the modal as if it had worked.
    failed = {"response_action": "update", "view": notice_modal("Leonar", t("en", "add.failed"))}
    app.view(connect.CALLBACK_ID)(guarded(connect_submitted, fallback=failed))
    app.view(admin.DISCONNECT_CALLBACK)(guarded(disconnect_submitted, fallback=failed))
    app.view(add.CALLBACK_ID)(guarded(add_submitted, fallback=failed))
    app.view(create.CALLBACK_ID)(guarded(create_submitted, fallback=failed))
