"""@Leonar requests: a mention in a channel or thread (`app_mention`), or a message in the app's DM (the Messages
tab, `message.im`), read with bot/slack/mention_grammar.py and answered in the thread (the DM: where it was asked).

`asked_of` keeps only a person's new message; the listener records it as a job (bot/durable) keyed by the event's
id before Slack is told the event arrived, so a redelivered event is answered once, by one instance. The job then
checks the asker (the workspace's own people; guests when admins allow them), reads the request and answers it:
the help, `find` and `pipeline` as `/leonar-add find` and `pipeline` answer them (`asking.py`), or an add's
confirmation (resolved like the Workflow Builder step) whose buttons only the asker may press
(`mention_press.py`). An add is never made from the mention itself. In a conversation shared with another
organisation, or one Slack will not describe, the answer is ephemeral: seen by the asker alone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, replace
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.runner import Kind, Progress
from bot.i18n import Lang, t
from bot.leonar import Contact, LeonarClient, LeonarError, NotFound, resolve
from bot.services import Services
from bot.slack import access, asking, channels
from bot.slack.installations import bot_client
from bot.slack.mention_grammar import Add, Find, Pipeline, Request, parse
from bot.slack.users import SlackUser, UserLookup
from bot.slack.whose_key import no_key_text
from bot.store import Workspace
from bot.store.jobs import Job
from bot.views import mentions as say
from bot.views.access import refusal_text
from bot.views.errors import describe
from bot.views.find import problem
from bot.views.options import contact_label
from bot.views.workflow_step import unresolved

log = logging.getLogger(__name__)
KIND = "mention"  # its jobs (bot/durable)


@dataclass(frozen=True)
class Asked:
    user: str
    channel: str
    ts: str
    thread_ts: str | None  # the thread it was asked in, if any
    text: str
    dm: bool  # the app's DM (Messages tab)

    @property
    def reply_in(self) -> str | None:
        """A mention is answered in its thread (its own, when it started none); the DM where it was asked."""
        return self.thread_ts if self.dm else self.thread_ts or self.ts


def asked_of(event: dict[str, Any], bot_user_id: str | None) -> Asked | None:
    """The person's request an `app_mention` or `message.im` event carries; None for the bot's own messages,
    other bots', edits, deletions and anything else (dropped unread)."""
    dm = event.get("type") == "message"
    if dm and event.get("channel_type") != "im":
        return None
    if not dm and str(event.get("channel") or "").startswith("D"):
        return None  # a mention in the app's DM: its message.im is the one answered, never both
    if event.get("subtype") not in (None, "file_share", "thread_broadcast"):
        return None
    user, channel, ts, text = event.get("user"), event.get("channel"), event.get("ts"), event.get("text")
    if event.get("bot_id") or event.get("bot_profile") or event.get("app_id") or user == bot_user_id:
        return None
    if not all(isinstance(v, str) and v for v in (user, channel, ts)) or not isinstance(text, str):
        return None
    thread = event.get("thread_ts")
    return Asked(str(user), str(channel), str(ts), thread if isinstance(thread, str) and thread else None, text, dm)


class Answering:
    """A request's job: the asker checked, the request read and answered once (`Kind`, bot/durable)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up, max_attempts=3)

    async def run(self, job: Job, progress: Progress) -> None:
        if progress.get("answered"):
            return
        services, asked = self._services, Asked(**job.payload["asked"])
        client = await bot_client(services.settings, services.store.installations, job.workspace)
        if client is None:
            log.warning("mention in workspace %s, which no installation serves", job.workspace.key)
            return
        lookup = UserLookup(client, job.workspace, asked.user, services.people,
                            services.settings.limits.users_info_seconds)
        refused = await access.refusal("command", job.workspace, None, lookup, services.store.workspaces)
        request = parse(asked.text, job.payload.get("bot_user_id"))
        lang: Lang = request.lang if request.lang in ("en", "fr") else (refused[1] if refused else await lookup.lang())
        # A refusal is always private: the channel is looked at only for an answer that may be public.
        private = refused is not None or (not asked.dm and await channels.reach(
            client, services.channels, job.workspace, asked.channel) is not channels.Reach.INTERNAL)
        if refused is not None:
            message = say.notice(refusal_text(refused[0], refused[1]))
        elif isinstance(request, Find | Pipeline):
            try:
                message = await asyncio.wait_for(self.ask(client, request, asked, job.workspace, await lookup.user(),
                                                          lang, private=private),
                                                 services.settings.limits.mention_seconds)
            except TimeoutError:
                message = say.notice(t(lang, "mention.slow_asking"))
        else:
            message = await self.answer(request, asked, job.workspace, lang)
        await _post(client, asked, message, private=private)
        await progress.done("answered")

    async def ask(self, client: AsyncWebClient, request: Find | Pipeline, asked: Asked, workspace: Workspace,
                  who: SlackUser, lang: Lang, *, private: bool) -> dict[str, Any]:
        """`/leonar-add find` and `pipeline`'s answers (bot/slack/asking.py), in the thread: emails and phones where
        a card there would show them; "Share in channel" only on a private answer (a public one is shared)."""
        share = private and not asked.dm
        if isinstance(request, Pipeline):
            return await asking.pipeline_answer(self._services, workspace, who, request.project, lang, share=share)
        where = asked.user if asked.dm else asked.channel  # the app's DM: the asker alone
        details = await asking.details_here(client, self._services, workspace, where)
        return await asking.find_answer(self._services, workspace, who, request.who, lang, details=details,
                                        share=share)

    async def answer(self, request: Request, asked: Asked, workspace: Workspace, lang: Lang) -> dict[str, Any]:
        if not isinstance(request, Add):
            return say.help_message(lang)
        # The asker's own key when they linked one (Leonar shows what they may see), within their fair share.
        choice = await self._services.leonar_for(workspace, asked.user)
        if (leonar := choice.client) is None:
            text = no_key_text(lang, must_link=choice.must_link, home=self._services.slack_app.home_url(
                workspace.team_id), not_connected="step.not_connected")
            return problem(text) if choice.must_link else say.notice(text)  # ours, mrkdwn: the App Home link works
        understood = say.Understood(asked.user, workspace.key, asked.user if asked.dm else asked.channel,
                                    asked.reply_in, request.who)
        try:
            return await asyncio.wait_for(_resolved(leonar, request, understood, lang),
                                          self._services.settings.limits.mention_seconds)
        except resolve.Unresolved as exc:
            return say.unresolved(unresolved(exc, lang), understood, lang)
        except LeonarError as exc:
            return say.notice(describe(exc, lang))
        except TimeoutError:
            return say.notice(t(lang, "mention.slow"))

    async def give_up(self, job: Job, error: BaseException) -> None:
        log.warning("mention not answered: %s", type(error).__name__)


async def _resolved(leonar: LeonarClient, request: Add, understood: say.Understood, lang: Lang) -> dict[str, Any]:
    """The add as understood: project, stage and candidate resolved like the Workflow Builder step's. Once the
    project is known, Change… carries it, whatever the candidate turns out to be."""
    project = await resolve.find_project(leonar, request.project)
    stage = resolve.match_stage(project, request.stage)
    first = project.stages[0] if project.stages else None
    understood = say.Understood(**asdict(understood) | {
        "project": project.id, "project_name": project.name, "stage": stage.id if stage else None,
        "stage_name": stage.name if stage else first.name if first else None})
    contact: Contact | None
    try:
        if request.contact_id:
            try:
                contact = await leonar.read_contact(request.contact_id)
            except NotFound:
                contact = None
        else:
            contact = await resolve.find_contact(leonar, resolve.parse_candidate(request.who))
    except resolve.Unresolved as exc:
        return say.unresolved(unresolved(exc, lang), understood, lang)
    if contact is None:
        return say.unresolved(t(lang, "mention.no_candidate", candidate=request.who), understood, lang)
    return say.confirmation(replace(understood, contact=contact.id, contact_name=contact_label(contact)), lang)


async def _post(client: AsyncWebClient, asked: Asked, message: dict[str, Any], *, private: bool) -> None:
    if private:
        await client.chat_postEphemeral(channel=asked.channel, user=asked.user, thread_ts=asked.reply_in,
                                        text=message["text"], blocks=message["blocks"])
    else:
        await client.chat_postMessage(channel=asked.channel, thread_ts=asked.reply_in, text=message["text"],
                                      blocks=message["blocks"])


def payload(asked: Asked, bot_user_id: str | None) -> dict[str, Any]:
    return {"asked": asdict(asked), "bot_user_id": bot_user_id}

