"""The add form's listeners: the message shortcut that opens it (the command and an unfurled contact's button open it
too: `commands.py`, `unfurls.py`), its menus, its picks, its submission, and the pushed form that creates a
candidate. The form is filled in with `bot/slack/add_form.py`; a submission's steps are `bot/slack/adding.py`."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.i18n import t
from bot.leonar import Contact, LeonarClient, LeonarError, Listing, ValidationFailed
from bot.manifest import SHORTCUT_CALLBACK
from bot.observability import requests
from bot.slack import add_form, adding
from bot.slack.add_prefill import SEARCH_LIMIT, matches, seed_from
from bot.slack.context import (
    connection,
    creation_return,
    leonar,
    modal,
    new_modal,
    services,
    user_lang,
    workspace,
)
from bot.slack.guard import guarded
from bot.slack.menus import answer, projects
from bot.slack.modals import of_modal, show
from bot.slack.whose_key import unavailable
from bot.store import StoreUnavailable
from bot.views import add_create_contact as create
from bot.views import add_modal as add
from bot.views import admin
from bot.views.errors import describe
from bot.views.messages import failure_ack
from bot.views.metadata import ModalContext
from bot.views.options import contact_menu, contact_option, notice_option

log = logging.getLogger(__name__)


async def add_from_message(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The message shortcut "Add to Leonar": the form, started from the message, its card in the thread."""
    await ack()
    message = shortcut.get("message") or {}
    ctx = new_modal(context, channel_id=(shortcut.get("channel") or {}).get("id"),
                    response_url=shortcut.get("response_url"), thread_ts=message.get("thread_ts") or message.get("ts"))
    if seed := seed_from(str(message.get("text") or "")):
        ctx = ctx.with_seed(seed)  # a LinkedIn URL or a name in the message
    lang = await user_lang(context)
    if connection(context) is None:
        if ctx.response_url:
            await AsyncWebhookClient(ctx.response_url).send_dict(admin.not_connected(False, lang))
        return
    await add_form.open_add(client, None, shortcut["trigger_id"], ctx, context, lang)


async def contacts(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    query = " ".join(str(payload.get("value") or "").split())
    # Nothing typed yet in a seeded modal: the menu starts from the seed (a name, an email, a LinkedIn URL).
    seed = None if query else modal(context).seed

    async def load(leonar_client: LeonarClient) -> Listing[Contact]:
        if seed:
            return await matches(leonar_client, seed, limit=SEARCH_LIMIT)
        return await leonar_client.search_contacts(query, limit=SEARCH_LIMIT)

    await answer(ack, context, load, lambda found, lang: contact_menu(found, seed or query, lang))


async def stage_placeholder(ack: AsyncAck, context: dict[str, Any]) -> None:
    await ack(options=[notice_option(t(await user_lang(context), "options.pick_project_first"))])


async def project_picked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    await add_form.show_stages(client, body["view"], action.get("selected_option") or {}, context)


async def contact_picked(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    await add_form.offer_creation(client, body, str((action.get("selected_option") or {}).get("value") or ""),
                                  context)


async def add_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    choice = add.read_submission(view["state"]["values"])
    lang = await user_lang(context)
    problems = choice.problems(lang)
    leonar_client = leonar(context)
    if leonar_client is None:
        problems[add.PROJECT_BLOCK] = unavailable(context, lang, plain=True)
    if problems or leonar_client is None:
        await ack(response_action="errors", errors=problems)
        return
    found, here = services(context), workspace(context)
    # Recorded before Leonar is asked and Slack answered: a crash from here on is resumed (adding.Resume).
    try:
        record = await found.runner.accept_here(f"add:{uuid.uuid4().hex}", here, adding.KIND,
                                                adding.Adding.payload(view, body, lang))
    except StoreUnavailable:
        await ack(response_action="errors", errors={add.PROJECT_BLOCK: t(lang, "access.store_down")})
        return
    assert record is not None  # a new key
    # Leonar gets what is left of the answer's budget once the gate and the store have had theirs.
    window = found.settings.limits.submit_window(requests.elapsed())
    job = adding.Adding(slack=client, leonar=leonar_client, store=found.store.workspaces, channels=found.channels,
                        workspace=here, user=body["user"], choice=choice, ctx=modal(context), view_id=view["id"],
                        response_urls=body.get("response_urls") or [], lang=lang, cards=found.store.cards,
                        window=window)
    await found.runner.run_here(record, lambda progress: adding.submitted(job, progress, ack))


async def create_submitted(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The pushed creation form: create the contact, then back on the add modal with it selected."""
    lang = await user_lang(context)
    fields = create.read_fields(view["state"]["values"])
    back, leonar_client = creation_return(context), leonar(context)
    if leonar_client is None or back is None:
        await ack(response_action="errors", errors={create.FIRST_FIELD: unavailable(context, lang, plain=True)})
        return
    try:
        contact = await asyncio.wait_for(leonar_client.create_contact(fields),
                                         services(context).settings.limits.submit_window(requests.elapsed()))
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
    app.shortcut(SHORTCUT_CALLBACK)(guarded(add_from_message))
    # Also answers a follow form opened before it had ids of its own (follow_modal.OLD_PROJECT_ACTION): the same list.
    app.options(add.PROJECT_ACTION)(guarded(projects))
    app.options(add.CONTACT_ACTION)(guarded(contacts))
    app.options(add.STAGE_PLACEHOLDER_ACTION)(guarded(stage_placeholder))
    # Only from the add form: a follow form opened before the follow form had ids of its own sends this id too.
    app.action(add.PROJECT_ACTION, matchers=[of_modal(add.CALLBACK_ID)])(guarded(project_picked))
    app.action(add.CONTACT_ACTION)(guarded(contact_picked))
    app.view(add.CALLBACK_ID)(guarded(add_submitted, fallback=failure_ack()))
    app.view(create.CALLBACK_ID)(guarded(create_submitted, fallback=failure_ack()))
