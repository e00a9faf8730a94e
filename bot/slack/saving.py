"""A "Save to Leonar" submission: the note (the saver's text under who wrote the message, when, and the link back;
the thread's replies when asked) sent to Leonar within Slack's window or behind a pending view, then the ✓ on the
message, or the saver told privately why there is none.

The submission is recorded as a job (bot/durable) before anything is read or sent, and its steps are saved as done:
resumed elsewhere after a crash, it is never sent twice. Leonar has no way to find a note again ([GAP] no list of a
contact's notes), so a note whose sending began before the crash may have reached Leonar: it is not sent again, and
the saver is told to check rather than given a second copy.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.runner import Kind, Progress, Retry
from bot.i18n import Lang, lang_of, t
from bot.leonar import LeonarClient, LeonarError, NotFound
from bot.leonar.errors import retry_in
from bot.services import People, Services
from bot.slack.installations import bot_client
from bot.slack.modals import show
from bot.slack.save_form import unseal
from bot.slack.users import names_of
from bot.store import Workspace
from bot.store.jobs import Job
from bot.views import save_modal as form
from bot.views.errors import describe
from bot.views.member_keys import link_first_text
from bot.views.options import option_text
from bot.views.slack_notes import MENTION, SlackMessage, note_text
from bot.views.text import escape

log = logging.getLogger(__name__)
KIND = "save"  # its jobs (bot/durable)
CHECK = "white_check_mark"
REPLIES_PAGE = 200
REPLIES_MAX = 1000  # a longer thread is cut anyway (slack_notes.MAX_NOTE)
NAMES_MAX = 30
NAME_SECONDS = 1.0
NO_REACTION = {"not_in_channel": "save.no_reaction_channel", "channel_not_found": "save.no_reaction_channel",
               "missing_scope": "save.no_reaction_scope"}


class Refused(Exception):
    """Nothing was saved (or, `outcome` "unconfirmed", Leonar may have it), and the form can say why (`block`:
    where)."""

    def __init__(self, block: str, text: str, outcome: form.Outcome = "not_saved") -> None:
        super().__init__(text)
        self.block, self.text, self.outcome = block, text, outcome


@dataclass(frozen=True)
class Saving:
    slack: AsyncWebClient
    leonar: LeonarClient
    ctx: form.SaveContext
    choice: form.Choice
    view_id: str
    lang: Lang
    window: float  # Limits.submit_seconds: past it the submit is answered with a pending view
    workspace: Workspace
    people: People  # who Slack described lately: the note's names

    @property
    def candidate(self) -> str:
        return option_text(self.choice.contact) or t(self.lang, "save.the_candidate")

    @staticmethod
    def payload(view: dict[str, Any], sealed: str, lang: Lang) -> dict[str, Any]:
        return {"values": (view.get("state") or {}).get("values") or {}, "sealed": sealed, "view_id": view["id"],
                "lang": lang}


async def submitted(job: Saving, progress: Progress, ack: AsyncAck) -> None:
    """The save as the submission makes it (its first step answers Slack)."""
    sending = asyncio.create_task(send(job, progress))
    done, _ = await asyncio.wait({sending}, timeout=job.window)
    if done:
        try:
            sending.result()
        except Refused as refused:
            await ack(response_action="errors", errors={refused.block: refused.text})
            return
        await ack(response_action="update", view=form.done_modal(job.candidate, job.lang))
    else:
        await ack(response_action="update", view=form.pending_modal(job.candidate, job.lang))
        try:
            await sending
        except Refused as refused:
            await show(job.slack, job.view_id, form.done_modal(job.candidate, job.lang, told=escape(refused.text),
                                                               outcome=refused.outcome))
            return
        except asyncio.CancelledError:
            await show(job.slack, job.view_id, form.done_modal(job.candidate, job.lang, outcome="unconfirmed",
                                                               told=t(job.lang, "save.interrupted")))
            raise
        await show(job.slack, job.view_id, form.done_modal(job.candidate, job.lang))
    await mark(job, progress)


async def send(job: Saving, progress: Progress) -> None:
    """Compose the note and send it once: `sending` is recorded before it leaves, `noted` once Leonar has it."""
    note = await compose(job)
    await progress.done("sending")
    try:
        note_id = await job.leonar.add_note(job.choice.contact_id, note)
    except LeonarError as exc:
        block = job.choice.contact_block if isinstance(exc, NotFound) else form.NOTE_BLOCK
        if not _certainly_unsent(exc):  # saving again could make a second copy: the saver looks first
            raise Refused(form.NOTE_BLOCK, t(job.lang, "save.maybe_saved"), "unconfirmed") from exc
        await progress.done("sending", False)
        raise Refused(block, describe(exc, job.lang)) from exc
    await progress.done("noted", note_id or True)
    log.info("a Slack message saved as a note (%s)", note_id or "no id")


def _certainly_unsent(exc: LeonarError) -> bool:
    """Leonar answered that it did not take the note (a refusal, a budget spent), or was never reached: sending it
    again cannot double it. A timeout or a server error may have saved it."""
    return (exc.status is not None and 400 <= exc.status < 500) or retry_in(exc, repeatable=False) is not None


async def compose(job: Saving) -> str:
    """The note's text: the saver's words under the message's author, time and link, then the replies if asked."""
    ctx = job.ctx
    replies = await _replies(job) if job.choice.replies and ctx.thread_ts else []
    ids = {ctx.author} | {str(m.get("user")) for m in replies if m.get("user")}
    for reply in replies:
        ids.update(MENTION.findall(str(reply.get("text") or "")))
    ids.update(re.findall(r"@([UW][A-Z0-9]{2,})\b", job.choice.note))
    names = await names_of(job.slack, job.workspace, sorted(i for i in ids if i)[:NAMES_MAX], job.people,
                           NAME_SECONDS)
    text = job.choice.note
    for user_id, name in names.items():  # the form showed mentions as ids until their names were known
        text = re.sub(rf"@{user_id}\b", "@" + name.replace("\\", "\\\\"), text)
    message = SlackMessage(author=_author(ctx.author, names, job.lang), at=_moment(ctx.ts),
                           text=escape(text))  # the saver's plain text: nothing in it is Slack's markup
    permalink = ctx.permalink or await _permalink(job.slack, ctx)
    return note_text(message, permalink, job.lang, names=names, replies=[
        SlackMessage(author=_reply_author(m, names, job.lang), at=_moment(str(m.get("ts"))),
                     text=str(m.get("text") or "")) for m in replies])


async def _replies(job: Saving) -> list[dict[str, Any]]:
    """The thread's messages other than the saved one, oldest first; Refused when Slack will not let the bot read it."""
    ctx = job.ctx
    assert ctx.thread_ts
    found: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    try:
        while len(found) < REPLIES_MAX:
            page = await job.slack.conversations_replies(channel=ctx.channel, ts=ctx.thread_ts, limit=REPLIES_PAGE,
                                                         cursor=cursor)
            for message in page.get("messages") or []:  # the parent comes again on every page
                found.setdefault(str(message.get("ts")), message)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                break
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        key = "save.replies_scope" if error == "missing_scope" else "save.replies_unreadable"
        raise Refused(form.REPLIES_BLOCK, t(job.lang, key, error=error)) from exc
    return sorted((m for ts, m in found.items() if ts != ctx.ts), key=lambda m: float(m.get("ts") or 0))


def _author(user_id: str | None, names: dict[str, str], lang: Lang) -> str:
    return names.get(user_id or "") or user_id or t(lang, "save.someone_plain")


def _reply_author(message: dict[str, Any], names: dict[str, str], lang: Lang) -> str:
    if message.get("user"):
        return _author(str(message["user"]), names, lang)
    bot = (message.get("bot_profile") or {}).get("name") or message.get("username")
    return str(bot) if bot else t(lang, "save.someone_plain")


def _moment(ts: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (ValueError, OverflowError):
        return datetime.now(UTC)


async def _permalink(slack: AsyncWebClient, ctx: form.SaveContext) -> str | None:
    try:
        link = (await slack.chat_getPermalink(channel=ctx.channel, message_ts=ctx.ts)).get("permalink")
    except SlackApiError:
        return None
    return link if isinstance(link, str) else None


async def mark(job: Saving, progress: Progress) -> None:
    """The ✓ on the saved message; where the bot cannot react, the saver is told privately (the form, else an
    ephemeral message, else the bot's DM)."""
    if progress.get("reacted"):
        return
    ctx = job.ctx
    told: str | None = None
    try:
        await job.slack.reactions_add(channel=ctx.channel, timestamp=ctx.ts, name=CHECK)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if error != "already_reacted":
            log.info("saved message not marked: %s", error)
            told = t(job.lang, NO_REACTION.get(error, "save.no_reaction"), error=error)
    await progress.done("reacted")
    if told is not None:
        await tell(job, told)


async def tell(job: Saving, text: str, *, outcome: form.Outcome = "saved") -> None:
    """`text` (mrkdwn) in the saver's form, else in an ephemeral message where the message is, else in a DM."""
    await _tell(job.slack, job.view_id, job.ctx, job.candidate, job.lang, text, outcome)


async def _tell(slack: AsyncWebClient, view_id: str, ctx: form.SaveContext, candidate: str, lang: Lang, text: str,
                outcome: form.Outcome) -> None:
    if await show(slack, view_id, form.done_modal(candidate, lang, told=text, outcome=outcome)):
        return
    said = t(lang, form.OUTCOME_KEYS[outcome], candidate=escape(candidate)) + "\n" + text
    try:
        await slack.chat_postEphemeral(channel=ctx.channel, user=ctx.user, text=said)
    except SlackApiError:
        await slack.chat_postMessage(channel=ctx.user, text=said)


class Resume:
    """A save whose instance died before its last step, resumed elsewhere (or after a restart)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up, max_attempts=4)

    async def run(self, job: Job, progress: Progress) -> None:
        # "Not saved" only when certainly so: not once its sending began.
        saving = await self._saving(job, tell=not (progress.get("noted") or progress.get("sending")))
        if saving is None:
            return  # disconnected meanwhile, or the saver must link their key first: finished
        if progress.get("noted") == "unconfirmed":
            return  # no ✓ on a note nobody knows was saved
        if not progress.get("noted"):
            if progress.get("sending"):
                # It may be in Leonar already: a second copy is worse than asking the saver to look.
                await tell(saving, t(saving.lang, "save.unconfirmed"), outcome="unconfirmed")
                await progress.done("noted", "unconfirmed")
                return
            try:
                await send(saving, progress)
            except Refused as refused:
                cause = refused.__cause__
                if isinstance(cause, LeonarError) and (later := retry_in(cause, repeatable=False)) is not None:
                    raise Retry(later, "Leonar turned it away for now") from refused
                await show(saving.slack, saving.view_id, form.done_modal(saving.candidate, saving.lang,
                                                                         told=escape(refused.text),
                                                                         outcome=refused.outcome))
                return
            await show(saving.slack, saving.view_id, form.done_modal(saving.candidate, saving.lang))
        await mark(saving, progress)

    async def give_up(self, job: Job, error: BaseException) -> None:
        saving = await self._saving(job)
        if saving is not None:
            await tell(saving, t(saving.lang, "save.interrupted"), outcome="unconfirmed")

    async def _saving(self, job: Job, *, tell: bool = False) -> Saving | None:
        """The save as recorded, with the key its saver's calls use now (they may have linked or unlinked one since
        it was accepted); None when there is none. `tell`: a saver who must link theirs first is told so."""
        services = self._services
        data = job.payload
        ctx = unseal(services.store.cipher, str(data.get("sealed") or ""))
        slack = await bot_client(services.settings, services.store.installations, job.workspace)
        choice = await services.leonar_for(job.workspace, ctx.user) if ctx is not None else None
        if ctx is None or slack is None or choice is None or choice.client is None:
            if ctx is None or slack is None or choice is None or not choice.must_link:
                log.warning("a save could not be resumed: workspace %s is no longer connected", job.workspace.key)
                return None
            log.info("a save was not resumed: its saver must link their own Leonar key first")
            if tell:
                await _link_first(job, slack, ctx, services.slack_app.home_url(job.workspace.team_id))
            return None
        return Saving(slack=slack, leonar=choice.client, ctx=ctx, choice=form.read_submission(data["values"]),
                      view_id=str(data["view_id"]), lang=lang_of(str(data.get("lang"))),
                      window=services.settings.limits.submit_seconds, workspace=job.workspace, people=services.people)


async def _link_first(job: Job, slack: AsyncWebClient, ctx: form.SaveContext, home: str | None) -> None:
    """Nothing was saved: the saver's own key comes first. In their form, else privately where the message is."""
    data, lang = job.payload, lang_of(str(job.payload.get("lang")))
    text = link_first_text(lang, home)
    candidate = option_text(form.read_submission(data["values"]).contact) or t(lang, "save.the_candidate")
    try:
        await _tell(slack, str(data["view_id"]), ctx, candidate, lang, text, "not_saved")
    except SlackApiError as exc:  # told nowhere: the job still ends (nothing was saved), logged
        log.info("a saver who must link their key not told: %s", exc.response.get("error"))
