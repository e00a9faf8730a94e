"""A card thread reply's job (bot/slack/thread_notes.py accepts it): its note added — or, for an edit, updated, or
corrected where Leonar cannot update a note — once, whatever the restarts, then the ✓ reaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.runner import Kind, Progress, Retry
from bot.i18n import Lang, lang_of
from bot.leonar import LeonarClient, LeonarError
from bot.leonar.errors import retry_in
from bot.services import Services
from bot.slack.installations import bot_client
from bot.slack.thread_notes import Reply
from bot.slack.users import names_of
from bot.store import Workspace
from bot.store.jobs import Job
from bot.views.slack_notes import MENTION, SlackMessage, note_text

log = logging.getLogger(__name__)
REACTION = "white_check_mark"
MAX_NAMED = 10  # people mentioned in a reply whose names are looked up (users.info, cached); the rest stay ids


class Saving:
    """A reply's job: its note added (or, for an edit, updated or corrected) once, then the ✓ reaction."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up, max_attempts=4)

    async def run(self, job: Job, progress: Progress) -> None:
        services, data = self._services, job.payload
        reply = Reply(**data["reply"])
        # The author's own key when they linked one: Leonar attributes the note to them. An edit is the author's
        # too (Slack lets no one else edit a message): its update goes with the key that made the note, unless the
        # author linked or unlinked theirs in between (then `_edited` corrects where the update is refused).
        choice = await services.leonar_for(job.workspace, reply.user)
        if choice.must_link:  # nothing said in the channel: the thread is everyone's, the key the author's business
            log.info("a card thread reply by %s in %s was not saved: its author must link their own Leonar key",
                     reply.user, job.workspace.key)
            return
        slack = await bot_client(services.settings, services.store.installations, job.workspace)
        if (leonar := choice.client) is None or slack is None:
            log.info("a card thread reply was not saved: workspace %s is not connected", job.workspace.key)
            return
        lang, contact = lang_of(str(data.get("lang"))), str(data["contact"])
        if not progress.get("noted"):
            link = await _permalink(slack, reply)
            message = SlackMessage(str(data["author"]), datetime.fromtimestamp(float(reply.ts), UTC), reply.text)
            names = await self._names(job.workspace, slack, reply.text)
            if reply.edited:
                await self._edited(job, progress, leonar, reply, contact, message, link, lang, names)
            else:
                if not progress.get("sent"):
                    await _add_once(progress, leonar, contact,
                                    note_text(message, link, lang, names=names, heading_key="notes.slack_reply"))
                if sent := progress.get("sent"):  # its id kept, for an edit to update that note
                    await services.store.thread_notes.saved(job.workspace, reply.channel, reply.ts, contact,
                                                            sent.get("id"))
            await progress.done("noted")
        if not reply.edited and progress.get("sent") and not progress.get("reacted"):
            await _react(slack, reply)
            await progress.done("reacted")

    async def _names(self, workspace: Workspace, slack: AsyncWebClient, text: str) -> dict[str, str]:
        """The names of the people the reply mentions: a note is read in Leonar, where `<@U…>` means nothing."""
        services = self._services
        return await names_of(slack, workspace, list(dict.fromkeys(MENTION.findall(text)))[:MAX_NAMED],
                              services.people, services.settings.limits.users_info_seconds)

    async def _edited(self, job: Job, progress: Progress, leonar: LeonarClient, reply: Reply, contact: str,
                      message: SlackMessage, link: str | None, lang: Lang, names: dict[str, str]) -> None:
        saved = await self._services.store.thread_notes.saved_reply(job.workspace, reply.channel, reply.ts)
        if saved is not None and saved.note_id:
            try:
                if await leonar.update_note(saved.contact_id, saved.note_id,
                                            note_text(message, link, lang, names=names,
                                                      heading_key="notes.slack_reply")):
                    return
            except LeonarError as exc:
                if not _refused_to_this_key(exc):
                    _retry_or_raise(exc)
                log.info("a saved reply's note not updated with this key (%s): corrected instead", exc.code)
        await _add_once(progress, leonar, contact,
                        note_text(message, link, lang, names=names, heading_key="notes.slack_reply_corrected"))

    async def give_up(self, job: Job, error: BaseException) -> None:
        log.warning("a card thread reply could not be saved in Leonar (%s)", type(error).__name__)


async def _add_once(progress: Progress, leonar: LeonarClient, contact: str, content: str) -> None:
    """The note added, its id (None when Leonar named none) saved as the step "sent". Once asked, never asked again:
    a job resumed after a crash while Leonar was being asked leaves it (Leonar may hold it: never a second copy)."""
    if progress.get("sending"):
        log.warning("a card thread reply's note was being saved when its instance stopped: not sent again")
        return
    await progress.done("sending")
    try:
        note_id = await leonar.add_note(contact, content)
    except LeonarError as exc:
        if (later := retry_in(exc, repeatable=False)) is not None:
            await progress.done("sending", False)  # certainly not made: asked again later
            raise Retry(later, exc.code) from exc
        log.warning("a card thread reply was not saved in Leonar: %s", exc.code)
        return
    await progress.done("sent", {"id": note_id})


def _refused_to_this_key(exc: LeonarError) -> bool:
    """Leonar refused this key the change (403): the note may have been made with another key (the workspace's,
    before the author linked theirs, or theirs before they unlinked it), which Leonar's permissions may keep this
    one from changing. A correction is then added instead; should the key lack notes:write altogether, the
    correction meets the same refusal and is logged, where retrying the update would change nothing."""
    return exc.status == 403


def _retry_or_raise(exc: LeonarError) -> None:
    if (later := retry_in(exc, repeatable=False)) is not None:
        raise Retry(later, exc.code) from exc
    raise exc


async def _permalink(slack: AsyncWebClient, reply: Reply) -> str | None:
    try:
        found = (await slack.chat_getPermalink(channel=reply.channel, message_ts=reply.ts)).get("permalink")
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.info("no link back to a card thread reply: %s", _slack_error(exc))
        return None
    return str(found) if found else None


async def _react(slack: AsyncWebClient, reply: Reply) -> None:
    """✓ on the saved reply; where Slack refuses (no reactions:write yet, not in the channel, already there), the
    note is saved all the same."""
    try:
        await slack.reactions_add(channel=reply.channel, timestamp=reply.ts, name=REACTION)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.info("saved reply not marked: %s", _slack_error(exc))


def _slack_error(exc: Exception) -> str:
    return str(exc.response.get("error")) if isinstance(exc, SlackApiError) else type(exc).__name__
