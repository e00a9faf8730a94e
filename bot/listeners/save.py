"""The "Save to Leonar" message shortcut's listeners: the shortcut that opens the form, its candidate menu, its
submission. The form is opened and filled in by `bot/slack/save_form.py`; a submission's steps are
`bot/slack/saving.py`."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.i18n import t
from bot.leonar import Contact, LeonarClient, Listing
from bot.manifest import SAVE_CALLBACK
from bot.observability import requests
from bot.slack import saving
from bot.slack.add_prefill import SEARCH_LIMIT
from bot.slack.context import connection, leonar, services, user_lang, workspace
from bot.slack.guard import guarded
from bot.slack.menus import answer
from bot.slack.save_form import open_save, unseal
from bot.slack.whose_key import unavailable
from bot.store import StoreUnavailable
from bot.views import admin
from bot.views import save_modal as form
from bot.views.messages import failure_ack
from bot.views.options import contact_menu

log = logging.getLogger(__name__)


async def save_from_message(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    await ack()
    lang = await user_lang(context)
    if connection(context) is None:
        if url := shortcut.get("response_url"):
            await AsyncWebhookClient(url).send_dict(admin.not_connected(False, lang))
        return
    await open_save(client, shortcut, context, lang)


async def contacts(ack: AsyncAck, payload: dict[str, Any], context: dict[str, Any]) -> None:
    query = " ".join(str(payload.get("value") or "").split())

    async def load(leonar_client: LeonarClient) -> Listing[Contact]:
        return await leonar_client.search_contacts(query, limit=SEARCH_LIMIT)

    # No "Create …" here: a note goes on a candidate Leonar already has.
    await answer(ack, context, load, lambda found, lang: contact_menu(found, query, lang, creatable=False))


async def save_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
) -> None:
    lang = await user_lang(context)
    found, here = services(context), workspace(context)
    sealed = form.sealed_of(view.get("private_metadata"))
    ctx = unseal(found.store.cipher, sealed)
    # Only the form the bot opened, for this saver in this workspace: its context cannot be made up or moved.
    if sealed is None or ctx is None or ctx.workspace != here.key or ctx.user != (body.get("user") or {}).get("id"):
        log.warning("save form refused: its context is not one the bot sealed for this user and workspace")
        await ack(response_action="errors", errors={form.NOTE_BLOCK: t(lang, "save.forged")})
        return
    choice = form.read_submission(view["state"]["values"])
    problems = choice.problems(lang)
    leonar_client = leonar(context)
    if leonar_client is None:
        problems[form.NOTE_BLOCK] = unavailable(context, lang, plain=True)
    if problems or leonar_client is None:
        await ack(response_action="errors", errors=problems)
        return
    # Recorded before anything is read or sent: a crash from here on is resumed (saving.Resume), never doubled.
    try:
        record = await found.runner.accept_here(f"save:{uuid.uuid4().hex}", here, saving.KIND,
                                                saving.Saving.payload(view, sealed, lang))
    except StoreUnavailable:
        await ack(response_action="errors", errors={form.NOTE_BLOCK: t(lang, "access.store_down")})
        return
    assert record is not None  # a new key
    # Leonar gets what is left of the answer's budget once the gate and the store have had theirs.
    job = saving.Saving(slack=client, leonar=leonar_client, ctx=ctx, choice=choice, view_id=view["id"], lang=lang,
                        window=found.settings.limits.submit_window(requests.elapsed()), workspace=here,
                        people=found.people)
    await found.runner.run_here(record, lambda progress: saving.submitted(job, progress, ack))


def register(app: AsyncApp) -> None:
    app.shortcut(SAVE_CALLBACK)(guarded(save_from_message))
    app.options(form.CONTACT_ACTION)(guarded(contacts))
    app.view(form.CALLBACK_ID)(guarded(save_submitted, fallback=failure_ack()))
