"""A feedback request's accepted work, as durable jobs (bot/durable): recorded before Slack hears "accepted", run
once by whichever instance holds the lease, resumed after a crash from the last step saved.

- `feedback.send` (`feedback-send:<request>`): one message per reviewer (the app's DM) and one in the channel, each
  recipient a step; then one reminder job per reviewer and reminder, and the summary job.
- `feedback.note` (`feedback-note:<request>:<candidate>:<reviewer>:<version>`): an answer's tally shown in every
  request message, then its note in Leonar: one job per answer version, so one note per answer. The answer row
  says which version was noted: one whose job was lost (a crash between the answer and its job) is found by
  `sweep`, a chore of every instance, and noted then.
- `feedback.remind` (`feedback-remind:<request>:<reviewer>:<n>`): waits for its moment (the reviewer's working
  hours, bot/feedback/schedule.py), decides (request open, reviewer not done), saves the decision, then posts. A
  restart after the decision posts it; one after the post (saved as a step) does not post again.
- `feedback.summary` (`feedback-summary:<request>`): the requester's one message, at the due date, or as soon as
  every named reviewer answered every candidate (the note's job hurries it).

A job not yet due gives itself back (`Retry`) until its moment, looking at the clock at least every
`Limits.feedback_check_seconds`.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.runner import Kind, Progress, Retry
from bot.feedback import schedule
from bot.i18n import LANGS, Lang, t
from bot.leonar import LeonarError
from bot.leonar.errors import retry_in
from bot.services import Services
from bot.slack import channels
from bot.slack.installations import bot_client
from bot.slack.users import user_of
from bot.store import Workspace
from bot.store.feedback import Answer, FeedbackRequest, Recipient
from bot.store.jobs import Job
from bot.views.feedback import note_text, reminder_message, request_message, summary_message
from bot.views.member_keys import link_first_text

log = logging.getLogger(__name__)
SEND, NOTE, REMIND, SUMMARY = "feedback.send", "feedback.note", "feedback.remind", "feedback.summary"
REMIND_NOW = "feedback.remind_now"  # the requester's Remind now: one job per click, a step per reviewer
TALLY_ROUNDS = 3  # an answer arriving while the tally is shown is shown by another round
# An answer this old whose note was never done lost its job (its instance died between the two): `sweep`.
UNNOTED_SECONDS = 60.0
SWEEP_SECONDS = 60.0
UNSENT_DAY = 86400.0


def summary_key(request_id: str) -> str:
    return f"feedback-summary:{request_id}"


def note_key(request_id: str, answer: Answer) -> str:
    return f"feedback-note:{request_id}:{answer.contact_id}:{answer.reviewer}:{answer.version}"


def note_payload(request_id: str, answer: Answer, *, outsider: bool = False) -> dict[str, Any]:
    """`outsider`: a reviewer of another organisation (a shared channel), who can link no key here."""
    return {"request": request_id, "contact": answer.contact_id, "reviewer": answer.reviewer,
            "verdict": answer.verdict, "comment": answer.comment, "version": answer.version, "at": answer.answered_at,
            "previous": answer.previous, "outsider": outsider}


def missing(request: FeedbackRequest, answers: list[Answer]) -> list[str]:
    """Named reviewers who have not answered every candidate."""
    done = {(a.reviewer, a.contact_id) for a in answers}
    return [r for r in request.reviewers if any((r, c.id) not in done for c in request.candidates)]


def counted(request: FeedbackRequest, answers: list[Answer]) -> tuple[int, int]:
    """(people who answered every candidate, people expected): the named reviewers, plus the channel's answerers."""
    everyone = {a.reviewer for a in answers} | set(request.reviewers)
    done = [r for r in everyone if all(any(a.reviewer == r and a.contact_id == c.id for a in answers)
                                       for c in request.candidates)]
    return len(done), len(everyone)


def lang_or(lang: str | None, fallback: Lang) -> Lang:
    return lang if lang in LANGS else fallback


class FeedbackWork:
    def __init__(self, services: Services) -> None:
        self._services = services

    def kinds(self) -> dict[str, Kind]:
        return {SEND: Kind(self.send, self._not_sent), NOTE: Kind(self.note, self._gave_up),
                REMIND: Kind(self.remind, self._gave_up), SUMMARY: Kind(self.summary, self._gave_up),
                REMIND_NOW: Kind(self.remind_each, self._gave_up)}

    # ---------------------------------------------------------------- send
    async def send(self, job: Job, progress: Progress) -> None:
        request = await self._request(job)
        client = await self._client(job.workspace)
        if request is None or client is None:
            return
        settings = await self._services.store.workspaces.settings(job.workspace)
        skipped: list[tuple[str, str]] = []
        for recipient in request.recipients:
            step = f"sent:{recipient}"
            outcome = progress.get(step)
            if outcome is None:
                outcome = await self._send_one(client, request, recipient, settings.allow_guests,
                                               settings.allow_shared_channels)
                await progress.done(step, outcome)
            if outcome != "ok":
                skipped.append((recipient, outcome))
        zones = {r.recipient: r.tz for r in await self._services.store.feedback.recipients(request.id)}
        for reviewer in request.reviewers:
            if progress.get(f"sent:{reviewer}") != "ok":
                continue
            tz = zones.get(reviewer)
            for n, at in enumerate(schedule.reminder_moments(date.fromisoformat(request.due_day), tz), start=1):
                await self._services.runner.accept(f"feedback-remind:{request.id}:{reviewer}:{n}", job.workspace,
                                                   REMIND, {"request": request.id, "reviewer": reviewer, "at": at})
        await self._services.runner.accept(summary_key(request.id), job.workspace, SUMMARY,
                                           {"request": request.id, "at": request.due_at})
        if skipped and not progress.get("told_skipped"):
            await self._tell_skipped(client, request, skipped)
            await progress.done("told_skipped")

    async def _send_one(self, client: AsyncWebClient, request: FeedbackRequest, recipient: str, allow_guests: bool,
                        allow_outsiders: bool) -> str:
        """"ok" once posted, else why not (a catalog key's last part)."""
        tz, lang = None, request.lang
        if recipient.startswith(("U", "W")):
            try:
                info = user_of({"id": recipient, **((await client.users_info(user=recipient, include_locale=True))
                                                    .get("user") or {})})
            except SlackApiError as exc:
                if exc.response.get("error") not in ("user_not_found", "user_not_visible"):
                    raise
                return "skipped_outsider"
            if info.role == "guest" and not allow_guests:
                return "skipped_guest"
            if not info.belongs_to(request.workspace) and not allow_outsiders:
                return "skipped_outsider"
            tz, lang = info.tz, info.lang
        else:
            where = await channels.reach(client, self._services.channels, request.workspace, recipient)
            if where is channels.Reach.SHARED and not allow_outsiders:
                return "skipped_outsider"
            if where is not channels.Reach.INTERNAL and where is not channels.Reach.SHARED:
                return "skipped_channel"
        try:
            posted = await client.chat_postMessage(channel=recipient, unfurl_links=False, unfurl_media=False,
                                                   **request_message(request, [], lang))
        except SlackApiError as exc:
            log.info("feedback request not posted to a recipient: %s", exc.response.get("error"))
            return "skipped_channel"
        await self._services.store.feedback.posted(request.id, Recipient(recipient, str(posted["channel"]),
                                                                         str(posted["ts"]), tz, lang))
        return "ok"

    async def _tell_skipped(self, client: AsyncWebClient, request: FeedbackRequest,
                            skipped: list[tuple[str, str]]) -> None:
        lang = request.lang
        lines = [t(lang, "feedback.skipped", who=f"<@{who}>" if who.startswith(("U", "W")) else f"<#{who}>",
                   why=t(lang, f"feedback.{why}")) for who, why in skipped]
        await self._post(client, request.requester, {"text": "\n".join(lines)})

    # ---------------------------------------------------------------- an answer
    async def note(self, job: Job, progress: Progress) -> None:
        request = await self._request(job, even_closed=True)
        client = await self._client(job.workspace)
        if request is None or client is None:
            return
        if not progress.get("tally"):
            await self.show_tally(client, request)
            await progress.done("tally")
        if not progress.get("noted"):
            if progress.get("sending"):
                # Asked before its instance stopped: Leonar may hold it, and a note twice is worse than one missing.
                log.warning("a feedback answer's note was being saved when its instance stopped: not sent again")
            else:
                await progress.done("sending")
                await self._note(client, request, job.payload, progress)
            await progress.done("noted")
        await self._services.store.feedback.noted(request.id, _answer_of(job.payload))
        answers = await self._services.store.feedback.answers(request.id)
        if not request.channel and not missing(request, answers):
            await self._services.store.jobs.hurry(summary_key(request.id))

    async def show_tally(self, client: AsyncWebClient, request: FeedbackRequest) -> None:
        """Every request message, rebuilt with the answers as they are now (again while they change meanwhile)."""
        store = self._services.store.feedback
        shown: list[Answer] | None = None
        for _ in range(TALLY_ROUNDS):
            request = await store.get(request.workspace, request.id) or request  # closed meanwhile: no buttons
            answers = await store.answers(request.id)
            if answers == shown:
                return
            for recipient in await store.recipients(request.id):
                if recipient.channel_id and recipient.ts:
                    message = request_message(request, answers, lang_or(recipient.lang, request.lang))
                    try:
                        await client.chat_update(channel=recipient.channel_id, ts=recipient.ts, **message)
                    except SlackApiError as exc:
                        log.info("feedback tally not shown: %s", exc.response.get("error"))
            shown = answers

    async def _note(self, client: AsyncWebClient, request: FeedbackRequest, payload: dict[str, Any],
                    progress: Progress) -> None:
        candidate, answer = request.candidate(str(payload["contact"])), _answer_of(payload)
        # The reviewer's own key when they linked one: Leonar then attributes the verdict to them.
        # Someone of another organisation can link no key here: theirs is noted with the workspace's, as before.
        member = None if payload.get("outsider") else answer.reviewer
        choice = await self._services.leonar_for(request.workspace, member)
        if candidate is None or (leonar := choice.client) is None:
            log.warning("feedback answer not noted: %s", "no candidate" if candidate is None else
                        "the reviewer must link their own key" if choice.must_link else "not connected")
            if candidate is not None and choice.must_link:  # unlinked since answering: said, not retried
                await self._post(client, answer.reviewer, {"text": link_first_text(
                    await self._lang(request, answer.reviewer),
                    self._services.slack_app.home_url(request.workspace.team_id))})
            return
        reviewer, requester = await self._name(client, answer.reviewer), await self._name(client, request.requester)
        text = note_text(request, candidate, answer, reviewer, requester, request.lang)
        try:
            await leonar.add_note(candidate.id, text)
        except LeonarError as exc:
            later = retry_in(exc, repeatable=False)
            if later is not None:
                await progress.done("sending", False)  # turned away, so not made: asked again later
                raise Retry(later, exc.code) from exc
            log.warning("feedback answer not noted in Leonar: %s", exc.code)  # never will be: tried again, no use

    async def _lang(self, request: FeedbackRequest, reviewer: str) -> Lang:
        """The language the request was posted to `reviewer` in."""
        langs = {r.recipient: r.lang for r in await self._services.store.feedback.recipients(request.id)}
        return lang_or(langs.get(reviewer), request.lang)

    async def _name(self, client: AsyncWebClient, user_id: str) -> str:
        """How the note names someone: the project's one naming rule (bot/slack/users.py, never an email)."""
        try:
            info = (await client.users_info(user=user_id)).get("user") or {}
        except SlackApiError:
            return user_id
        return user_of({**info, "id": user_id}).name or user_id

    async def sweep(self) -> None:
        """A request or an answer whose job was never recorded (the instance died between the row and its job) gets
        it now; a chore of every instance, harmless on several: a job's key is accepted once (and kept for days, so
        only requests of the last day are looked at: one sent to nobody is not sent again once its key is gone)."""
        now = schedule.now()
        for request in await self._services.store.feedback.unsent(now - UNSENT_DAY, now - UNNOTED_SECONDS):
            if await self._services.runner.accept(f"feedback-send:{request.id}", request.workspace, SEND,
                                                  {"request": request.id}):
                log.warning("feedback request left unsent: sent now")
        left = await self._services.store.feedback.unnoted(now - UNNOTED_SECONDS)
        for workspace, request_id, answer in left:
            if await self._services.runner.accept(note_key(request_id, answer), workspace, NOTE,
                                                  note_payload(request_id, answer)):
                log.warning("feedback answer left without its note: noted now")

    # ---------------------------------------------------------------- reminders and the summary
    async def remind(self, job: Job, progress: Progress) -> None:
        reviewer = str(job.payload["reviewer"])
        if not progress.get("decided"):
            _wait_for(float(job.payload["at"]), self._services.settings.limits.feedback_check_seconds)
            request = await self._request(job)
            if request is None:
                return
            if reviewer not in missing(request, await self._services.store.feedback.answers(request.id)):
                return
            await progress.done("decided")
        if progress.get("posted"):
            return
        await self._remind(job.workspace, str(job.payload["request"]), reviewer)
        await progress.done("posted")

    async def remind_each(self, job: Job, progress: Progress) -> None:
        """Remind now: each reviewer's reminder a step of its own, so that a restart posts only those not posted."""
        for reviewer in [str(r) for r in job.payload.get("reviewers") or []]:
            if not progress.get(f"posted:{reviewer}"):
                await self._remind(job.workspace, str(job.payload["request"]), reviewer)
                await progress.done(f"posted:{reviewer}")

    async def _remind(self, workspace: Workspace, request_id: str, reviewer: str) -> None:
        """A reminder to `reviewer`, in the language their request was posted to them in."""
        request = await self._services.store.feedback.get(workspace, request_id)
        client = await self._client(workspace)
        if request is None or client is None:
            return
        await self._post(client, reviewer, reminder_message(request, await self._lang(request, reviewer)))

    async def summary(self, job: Job, progress: Progress) -> None:
        request = await self._request(job)
        client = await self._client(job.workspace)
        if request is None or client is None:
            return
        answers = await self._services.store.feedback.answers(request.id)
        absent = missing(request, answers)
        if absent or request.channel:
            _wait_for(float(job.payload["at"]), self._services.settings.limits.feedback_check_seconds)
        await self._post(client, request.requester, summary_message(request, answers, absent, request.lang))

    # ---------------------------------------------------------------- shared
    async def _request(self, job: Job, *, even_closed: bool = False) -> FeedbackRequest | None:
        request = await self._services.store.feedback.get(job.workspace, str(job.payload["request"]))
        if request is None or (request.closed_at is not None and not even_closed):
            return None  # deleted with its workspace, or closed: nothing more to do
        return request

    async def _client(self, workspace: Workspace) -> AsyncWebClient | None:
        client = await bot_client(self._services.settings, self._services.store.installations, workspace)
        if client is None:
            log.warning("feedback work left: the app is no longer installed in %s", workspace.key)
        return client

    async def _post(self, client: AsyncWebClient, channel: str, message: dict[str, Any]) -> None:
        try:
            await client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **message)
        except SlackApiError as exc:
            log.info("feedback message not posted: %s", exc.response.get("error"))

    async def _not_sent(self, job: Job, error: BaseException) -> None:
        """Slack kept failing: the requester hears that the request did not go out (whoever got it keeps it)."""
        await self._gave_up(job, error)
        request = await self._request(job)
        client = await self._client(job.workspace)
        if request is not None and client is not None:
            await self._post(client, request.requester, {"text": t(request.lang, "feedback.not_sent")})

    async def _gave_up(self, job: Job, error: BaseException) -> None:
        log.warning("feedback work %s given up: %s", job.kind, type(error).__name__)


def _answer_of(payload: dict[str, Any]) -> Answer:
    return Answer(str(payload["contact"]), str(payload["reviewer"]), str(payload["verdict"]), payload.get("comment"),
                  int(payload["version"]), float(payload["at"]), previous=payload.get("previous"))


def _wait_for(at: float, most: float) -> None:
    """Not before `at`: the job is given back until then (looking again at least every `most` seconds)."""
    left = at - schedule.now()
    if left > 0:
        raise Retry(min(left, most), "not due yet")

