"""The "Ask for feedback" form: opened from a candidate's button or `/leonar-add feedback [project]`, its project and
stage picks, and its submission, which records the request and accepts its sending as durable work.

The modal opens before any Leonar call (the trigger lives 3 s); then one update brings what Leonar said: the
candidate's name (from a button), the project a name designates, and whether the key lacks `notes:write` (every
answer becomes a note), which the form says at once and which keeps it from being sent.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.feedback import schedule
from bot.i18n import Lang, t
from bot.leonar import Contact, LeonarClient, LeonarError, Project
from bot.leonar.scopes import NOTES_WRITE
from bot.manifest import COMMAND
from bot.slack.context import leonar, services, user, workspace
from bot.slack.feedback_jobs import SEND
from bot.slack.following import only_match
from bot.slack.modals import open_view, show
from bot.slack.users import SlackUser
from bot.slack.whose_key import unavailable
from bot.store import StoreUnavailable
from bot.store.feedback import Candidate, FeedbackRequest
from bot.views.card import display_name
from bot.views.errors import describe
from bot.views.feedback import sent_modal
from bot.views.feedback_modal import (
    ERROR_BLOCK,
    MAX_CANDIDATES,
    PROJECT_BLOCK,
    REVIEWERS_BLOCK,
    FeedbackForm,
    feedback_modal,
    read_feedback,
)

log = logging.getLogger(__name__)


def candidate_of(contact: Contact, lang: Lang) -> Candidate:
    role = " — ".join(part for part in (contact.title, contact.current_company) if part)
    return Candidate(contact.id, display_name(contact, lang), role)


def _due(who: SlackUser) -> date:
    return schedule.default_due(schedule.today_in(who.tz, schedule.now()))


def missing_notes(lang: Lang) -> str:
    return t(lang, "feedback.missing_scope", scope=NOTES_WRITE, command=COMMAND)


async def open_form(client: AsyncWebClient, respond: AsyncRespond | None, trigger_id: str, context: dict[str, Any],
                    *, project_name: str = "", contact_id: str | None = None, project_id: str | None = None) -> None:
    who = await user(context)  # the access gate asked users.info already in this request
    leonar_client = leonar(context)
    form = FeedbackForm(workspace=workspace(context).key)
    if contact_id:
        cached = leonar_client.cached_contact(contact_id) if leonar_client else None
        form = replace(form, fixed=True).with_candidates(
            [candidate_of(cached, who.lang) if cached else Candidate(contact_id, "…")])
    opened = await open_view(client, respond, trigger_id, feedback_modal(form, due=_due(who), lang=who.lang), who.lang)
    if opened is None or leonar_client is None:
        return
    wanted = (leonar_client.read_contact(contact_id) if contact_id
              else _named(leonar_client, project_name) if project_name.strip() else asyncio.sleep(0))
    # A card's button names the candidate's project too: read (and cached) for the request to name it.
    carded = leonar_client.get_project(project_id) if contact_id and project_id else asyncio.sleep(0)
    lacking, found, of_card = await asyncio.gather(leonar_client.lacks_notes_write(), wanted, carded,
                                                   return_exceptions=True)
    for failed in (lacking, found, of_card):
        if isinstance(failed, BaseException):
            log.info("feedback form opened without what Leonar would tell: %s", type(failed).__name__)
    project = found if isinstance(found, Project) else None
    if isinstance(found, Contact):
        form = form.with_candidates([candidate_of(found, who.lang)])
        if isinstance(of_card, Project):
            form = replace(form, project_id=of_card.id, project_name=of_card.name)
    elif project is not None:
        form = replace(form, project_id=project.id, project_name=project.name)
    error = missing_notes(who.lang) if lacking is True else None
    if error is None and not isinstance(found, Contact | Project):
        return
    await show(client, opened["id"], feedback_modal(form, due=_due(who), lang=who.lang, project=project, error=error),
               hash=opened.get("hash"))


async def _named(client: LeonarClient, name: str) -> Project | None:
    project = only_match((await client.list_projects()).items, name)
    return await client.get_project(project.id) if project else None


async def project_picked(client: AsyncWebClient, view: dict[str, Any], project_id: str, context: dict[str, Any]
                         ) -> None:
    """A project picked: the form again with its stages (the warning kept, the candidates of another stage gone)."""
    leonar_client, who = leonar(context), await user(context)
    if leonar_client is None:
        return
    try:
        project = await leonar_client.get_project(project_id)
    except LeonarError as exc:
        log.info("stages of the feedback project not shown: %s", exc.code)
        return
    form = replace(FeedbackForm.loads(view.get("private_metadata")), project_id=project.id,
                   project_name=project.name, stage_id=None, candidates=())
    await show(client, view["id"], feedback_modal(form, due=_due(who), lang=who.lang, project=project,
                                                  error=_warning(view)), hash=view.get("hash"))


async def stage_picked(client: AsyncWebClient, view: dict[str, Any], stage_id: str, context: dict[str, Any]) -> None:
    """A stage picked: its first MAX_CANDIDATES candidates, all ticked."""
    leonar_client, who = leonar(context), await user(context)
    form = FeedbackForm.loads(view.get("private_metadata"))
    if leonar_client is None or not form.project_id:
        return
    try:
        project, entries = await asyncio.gather(leonar_client.get_project(form.project_id),
                                                leonar_client.stage_entries(form.project_id, stage_id,
                                                                            limit=MAX_CANDIDATES))
    except LeonarError as exc:
        log.info("candidates of the feedback stage not shown: %s", exc.code)
        return
    form = replace(form, stage_id=stage_id).with_candidates(
        [candidate_of(e.contact, who.lang) for e in entries if e.contact])
    await show(client, view["id"], feedback_modal(form, due=_due(who), lang=who.lang, project=project,
                                                  error=_warning(view), empty_stage=not entries),
               hash=view.get("hash"))


def _warning(view: dict[str, Any]) -> str | None:
    block = next((b for b in view.get("blocks") or [] if b.get("block_id") == ERROR_BLOCK), None)
    return str(block["text"]["text"]).removeprefix(":warning: ") if block else None


def _project_title(client: LeonarClient, form: FeedbackForm) -> str | None:
    """How the notes name the project: "Backend Engineer — Paris" (its location from the project as last read)."""
    project = client.cached_project(form.project_id) if form.project_id else None
    if project is not None and project.location:
        return f"{project.name} — {project.location}"
    return form.project_name


async def submit(view: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The submission's ack: the form saying where the request goes, once it is recorded and its sending accepted;
    else errors, or the form again saying that the key lacks notes:write."""
    who = await user(context)
    lang, found, here = who.lang, services(context), workspace(context)
    form = FeedbackForm.loads(view.get("private_metadata"))
    now = schedule.now()
    choice = read_feedback((view.get("state") or {}).get("values") or {}, form, lang, schedule.today_in(who.tz, now))
    first = PROJECT_BLOCK if not form.fixed else REVIEWERS_BLOCK
    leonar_client = leonar(context)
    if leonar_client is None:
        return {"response_action": "errors", "errors": {first: unavailable(context, lang, plain=True)}}
    if choice.problems:
        return {"response_action": "errors", "errors": choice.problems}
    try:
        lacking = await asyncio.wait_for(leonar_client.lacks_notes_write(), found.settings.limits.follow_check_seconds)
    except (TimeoutError, LeonarError) as exc:
        why = describe(exc, lang) if isinstance(exc, LeonarError) else t(lang, "options.slow")
        return {"response_action": "errors", "errors": {REVIEWERS_BLOCK: why}}
    if lacking:
        project = leonar_client.cached_project(form.project_id) if form.project_id else None
        return {"response_action": "update", "view": feedback_modal(form, due=choice.due or _due(who), lang=lang,
                                                                    project=project, error=missing_notes(lang))}
    assert choice.due is not None
    request = FeedbackRequest(
        id=uuid.uuid4().hex[:16], workspace=here, requester=who.id, question=choice.question,
        candidates=tuple(c for c in form.candidates if c.id in choice.contact_ids), reviewers=choice.reviewers,
        channel=choice.channel, due_at=schedule.summary_moment(choice.due, who.tz), due_day=choice.due.isoformat(),
        lang=lang, project=_project_title(leonar_client, form), requester_tz=who.tz, created_at=now)
    try:
        await found.store.feedback.create(request)
        # A crash between the two leaves the request unsent: the sweep (feedback_jobs.py) sends it a minute later.
        await found.runner.accept(f"feedback-send:{request.id}", here, SEND, {"request": request.id})
    except StoreUnavailable as exc:
        log.error("feedback request not recorded: %s", exc)
        return {"response_action": "errors", "errors": {REVIEWERS_BLOCK: t(lang, "access.store_down")}}
    return {"response_action": "update", "view": sent_modal(request, lang)}
