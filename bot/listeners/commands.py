"""/leonar-add and its sub-commands, as a table: each word, its handler and its help line."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.activity.follow import Follow
from bot.i18n import t
from bot.leonar import LeonarError
from bot.manifest import COMMAND
from bot.slack import asking, feedback_form, following, linking, thread_notes_setting
from bot.slack.add_form import open_add
from bot.slack.add_prefill import seed_from
from bot.slack.context import (
    connection,
    must_link,
    new_modal,
    services,
    user,
    user_lang,
    workspace,
    workspace_leonar,
)
from bot.slack.guard import guarded
from bot.slack.modals import open_view
from bot.slack.typos import closest
from bot.store import StoreUnavailable
from bot.views import admin
from bot.views import follows as views_follows
from bot.views import member_keys as member_views
from bot.views.connect_modal import connect_modal
from bot.views.errors import describe
from bot.views.find import private
from bot.views.messages import did_you_mean, ephemeral, help_message
from bot.views.metadata import ModalContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One /leonar-add request, as each sub-command's handler receives it."""

    ack: AsyncAck
    command: dict[str, Any]
    client: AsyncWebClient
    respond: AsyncRespond
    context: dict[str, Any]
    text: str  # what follows the sub-command's word (all of it for the add)

    @property
    def modal(self) -> ModalContext:
        return new_modal(self.context, channel_id=self.command.get("channel_id"),
                         response_url=self.command.get("response_url"))


async def add(call: Call) -> None:
    await call.ack()
    ctx = call.modal
    if seed := seed_from(call.text):
        ctx = ctx.with_seed(seed)  # /leonar-add <name, email or LinkedIn URL>
    if connection(call.context) is None:
        await _offer_connect(call, first_use=True)  # the first /leonar-add in a workspace connects it
        return
    # The trigger_id lives 3 s and works once, so the modal opens before any Leonar call (the user's language
    # is cached after their first request).
    lang = await user_lang(call.context)
    await open_add(call.client, call.respond, call.command["trigger_id"], ctx, call.context, lang)


async def status(call: Call) -> None:
    await call.ack()
    who = await user(call.context)  # the key's last four characters are shown to admins only
    conn, client = connection(call.context), workspace_leonar(call.context)  # the workspace's connection
    if conn is None or client is None:
        await call.respond(**admin.status_message(None, None, None, who.lang))
        return
    mine = await services(call.context).store.member_keys.get(workspace(call.context), who.id)
    own = member_views.status_line(mine.linked_at if mine else None, required=must_link(call.context),
                                   lang=who.lang)
    try:
        message = admin.status_message(conn, await client.missing_scopes(), None, who.lang, admin=who.is_admin,
                                       own=own)
    except LeonarError as exc:
        message = admin.status_message(conn, None, describe(exc, who.lang), who.lang, admin=who.is_admin, own=own)
    await call.respond(**message)


async def connect(call: Call) -> None:
    await call.ack()
    if call.text.lower() == "me":  # a member links their own key: no admin needed
        await linking.open_link(call.client, call.respond, call.command["trigger_id"], call.context)
        return
    await _offer_connect(call, first_use=False)


async def _offer_connect(call: Call, *, first_use: bool) -> None:
    # Changing the connection is for admins and owners; users.info is the one call allowed before the modal.
    who, conn = await user(call.context), connection(call.context)
    if who.role == "unknown":
        await call.respond(**admin.role_unknown(str(who.error), who.lang))
    elif not who.is_admin:
        await call.respond(**(admin.not_connected(False, who.lang) if first_use
                              else admin.admins_only("connect", conn, who.lang)))
    else:
        await open_view(call.client, call.respond, call.command["trigger_id"], connect_modal(call.modal, who.lang),
                        who.lang)


async def disconnect(call: Call) -> None:
    await call.ack()
    if call.text.lower() == "me":
        removed = await linking.unlink_own(call.context)
        await call.respond(**ephemeral(t(await user_lang(call.context),
                                         "member.unlinked" if removed else "member.not_linked")))
        return
    who, conn = await user(call.context), connection(call.context)
    if who.role == "unknown":
        await call.respond(**admin.role_unknown(str(who.error), who.lang))
    elif conn is None:
        await call.respond(**admin.not_connected(who.is_admin, who.lang))
    elif not who.is_admin:
        await call.respond(**admin.admins_only("disconnect", conn, who.lang))
    else:
        await open_view(call.client, call.respond, call.command["trigger_id"],
                        admin.disconnect_modal(call.modal, conn, who.lang), who.lang)


async def follow(call: Call) -> None:
    """/leonar-add follow [project name]: the follow modal for this channel, opened before any Leonar call."""
    await call.ack()
    if connection(call.context) is None:
        await _offer_connect(call, first_use=True)
        return
    await following.open_follow(call.client, call.respond, call.command["trigger_id"], call.modal, call.context,
                                call.text)


async def feedback(call: Call) -> None:
    """/leonar-add feedback [project]: the "Ask for feedback" form, opened before any Leonar call."""
    await call.ack()
    if connection(call.context) is None:
        await _offer_connect(call, first_use=True)
        return
    await feedback_form.open_form(call.client, call.respond, call.command["trigger_id"], call.context,
                                  project_name=call.text)


async def following_(call: Call) -> None:
    await _listed(call, views_follows.following_message)


async def unfollow(call: Call) -> None:
    await _listed(call, views_follows.unfollow_message)  # the same list, with a button per follow


async def _listed(call: Call, build: Callable[[str, list[Follow], str], dict[str, Any]]) -> None:
    await call.ack()
    lang, channel_id = await user_lang(call.context), str(call.command.get("channel_id") or "")
    try:
        found = await services(call.context).store.follows.list_follows(workspace(call.context), channel_id=channel_id)
    except StoreUnavailable as exc:
        log.error("follows not listed: %s", exc)
        await call.respond(**ephemeral(t(lang, "access.store_down")))
        return
    await call.respond(**build(channel_id, found, lang))


async def thread_notes(call: Call) -> None:
    """/leonar-add thread-notes on|off, in the channel whose card threads are saved as notes (admins)."""
    await call.ack()
    answer = await thread_notes_setting.switch(call.client, services(call.context), workspace(call.context),
                                               await user(call.context), str(call.command.get("channel_id") or ""),
                                               call.text)
    await call.respond(**answer)


async def find(call: Call) -> None:
    """/leonar-add find <name, email or LinkedIn URL>: acked at once, answered privately through the response_url."""
    await call.ack()
    who = await user(call.context)
    await call.respond(**private(await asking.find_answer(
        services(call.context), workspace(call.context), who, call.text, who.lang,
        details=await asking.details_here(call.client, services(call.context), workspace(call.context),
                                          str(call.command.get("channel_id") or "")))))


async def pipeline(call: Call) -> None:
    """/leonar-add pipeline <project>: the project's pulse, privately."""
    await call.ack()
    who = await user(call.context)
    await call.respond(**private(await asking.pipeline_answer(services(call.context), workspace(call.context), who,
                                                              call.text, who.lang)))


async def help_(call: Call) -> None:
    await call.ack(**help_message(HELP_LINES, await user_lang(call.context)))


@dataclass(frozen=True)
class Sub:
    handler: Callable[[Call], Awaitable[None]]
    help: str  # catalog key of its line in /leonar-add help


# "" is /leonar-add alone (or followed by a candidate to search for). The help lists them in this order.
SUBCOMMANDS: dict[str, Sub] = {
    "": Sub(add, "help.add"),
    "status": Sub(status, "help.status"),
    "connect": Sub(connect, "help.connect"),
    "disconnect": Sub(disconnect, "help.disconnect"),
    "follow": Sub(follow, "help.follow"),
    "following": Sub(following_, "help.following"),
    "unfollow": Sub(unfollow, "help.unfollow"),
    "thread-notes": Sub(thread_notes, "help.thread_notes"),
    "feedback": Sub(feedback, "help.feedback"),
    "find": Sub(find, "help.find"),
    "pipeline": Sub(pipeline, "help.pipeline"),
    "help": Sub(help_, "help.help"),
}
HELP_LINES = tuple(sub.help for sub in SUBCOMMANDS.values())


async def leonar_add(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: dict[str, Any]
) -> None:
    text = " ".join((command.get("text") or "").split())
    word, _, rest = text.partition(" ")
    sub = SUBCOMMANDS.get(word.lower())
    if sub is not None and word:
        await sub.handler(Call(ack, command, client, respond, context, rest))
        return
    if not rest and (meant := closest(word.lower(), [w for w in SUBCOMMANDS if w])):
        # "/leonar-add conect" is a typo, not a candidate named Conect.
        await ack(**did_you_mean(word, meant, await user_lang(context)))
        return
    await add(Call(ack, command, client, respond, context, text))


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(guarded(leonar_add))
