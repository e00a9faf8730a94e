"""The Workflow Builder step "Add candidate to Leonar": from the step's inputs to functions.completeSuccess or
functions.completeError.

The step is recorded as a job (bot/durable) before it is acknowledged (bot/listeners/workflow_step.py) and runs
after the ack: Slack lets a step complete later, and does not send an acknowledged step again. So a step is never
lost: a process killed mid-run leaves the job to whichever instance is alive once its lease has run out, which
resumes it where it was (the add already made is not made again: `Step.run`'s progress), and a redelivered
`function_executed` is not run twice, on any instance. The workflow token it brings (`xwfp-…`) lives 15 minutes
or until the step completes: the run is bounded well within that (`Limits.step_seconds`), the job keeps the token
(encrypted) until then. The card is posted with the installation's bot token, so its buttons keep working once
the step has completed and its token is gone.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.runner import Kind, Progress
from bot.i18n import DEFAULT_LANG, Lang, t
from bot.leonar import AlreadyInProject, Contact, Entry, LeonarClient, LeonarError, NewEntry, Project, resolve
from bot.services import Services
from bot.slack import channels
from bot.slack.card_delivery import card_recorder, deliver_card, deliver_privately
from bot.slack.installations import bot_client
from bot.store import AddRecord, StoreUnavailable, Workspace, WorkspaceSettings
from bot.store.jobs import Job
from bot.store.workspaces import Workspaces
from bot.views import workflow_step as say

log = logging.getLogger(__name__)
KIND = "workflow_step"  # its jobs (bot/durable)
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
# Inputs are whatever a workflow's form or an earlier step produced: bounded before anything reaches Leonar.
MAX_NAME = 200  # the project, the candidate (a name, an email, a LinkedIn URL), the stage
MAX_NOTE = 5_000


@dataclass(frozen=True)
class StepInputs:
    project: str
    candidate: str
    stage: str | None = None
    note: str | None = None
    channel: str | None = None
    added_by: str | None = None

    @classmethod
    def of(cls, inputs: dict[str, Any] | None) -> StepInputs:
        """Slack checks the declared types; ids are checked again before they go into mrkdwn or a post."""
        raw = inputs if isinstance(inputs, dict) else {}

        def text(name: str) -> str | None:
            value = raw.get(name)
            return " ".join(value.split()) if isinstance(value, str) and value.strip() else None

        note = raw.get("note")
        channel, user = text("channel"), text("added_by")
        return cls(project=text("project") or "", candidate=text("candidate") or "", stage=text("stage"),
                   note=note.strip() if isinstance(note, str) and note.strip() else None,
                   channel=channel if channel and CHANNEL_ID.match(channel) else None,
                   added_by=user if user and USER_ID.match(user) else None)

    def too_long(self) -> tuple[str, int, int] | None:
        """(input, its length, the most accepted) of the first input over its bound."""
        for name, value, most in (("project", self.project, MAX_NAME), ("candidate", self.candidate, MAX_NAME),
                                  ("stage", self.stage, MAX_NAME), ("note", self.note, MAX_NOTE)):
            if value is not None and len(value) > most:
                return name, len(value), most
        return None


@dataclass(frozen=True)
class Added:
    project: Project
    contact: Contact
    entry: Entry | None
    stage: str | None
    already_in: bool

    def outputs(self, lang: Lang) -> dict[str, Any]:
        """As the manifest declares them; entry_id and stage_name only when Leonar told them."""
        found: dict[str, Any] = {"candidate_name": self.contact.full_name, "project_name": self.project.name,
                                 "already_in_project": self.already_in}
        if self.entry is not None:
            found["entry_id"] = self.entry.id
        if self.stage:
            found["stage_name"] = self.stage
        return found


    def to_json(self) -> dict[str, Any]:
        return {"project": self.project.model_dump(mode="json"), "contact": self.contact.model_dump(mode="json"),
                "entry": self.entry.model_dump(mode="json") if self.entry else None, "stage": self.stage,
                "already_in": self.already_in}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Added:
        entry = data.get("entry")
        return cls(Project.model_validate(data["project"]), Contact.model_validate(data["contact"]),
                   Entry.model_validate(entry) if entry else None, data.get("stage"), bool(data.get("already_in")))


class StepFailed(Exception):
    """The step cannot go on; the message is for the workflow's people."""


async def add_candidate(leonar: LeonarClient, inputs: StepInputs, lang: Lang, *, since: float | None = None
                        ) -> Added:
    """Resolve the project, stage and candidate, create the contact if Leonar has none, add it exactly once.
    `since`: when a resumed step was first accepted; an entry Leonar made after it is this step's own."""
    try:
        project = await resolve.find_project(leonar, inputs.project)
        stage = resolve.match_stage(project, inputs.stage)
        query = resolve.parse_candidate(inputs.candidate)
        contact = await resolve.find_contact(leonar, query)
    except resolve.Unresolved as exc:
        raise StepFailed(say.unresolved(exc, lang)) from exc
    except LeonarError as exc:
        raise StepFailed(say.add_failed(exc, inputs.candidate, inputs.project, lang)) from exc
    if contact is None:
        try:
            contact = await leonar.create_contact(query.fields)
        except LeonarError as exc:
            raise StepFailed(say.add_failed(exc, inputs.candidate, project.name, lang, creating=True)) from exc
        log.info("workflow step created a Leonar contact")
    try:
        entry = await leonar.add_entry(NewEntry(project.id, contact.id, stage.id if stage else None))
    except AlreadyInProject as exc:
        at = exc.entry.stage.name if exc.entry and exc.entry.stage else None
        return Added(project, exc.entry.contact if exc.entry and exc.entry.contact else contact, exc.entry, at,
                     already_in=not exc.made_since(since))
    except LeonarError as exc:
        raise StepFailed(say.add_failed(exc, contact.full_name, project.name, lang)) from exc
    first = project.stages[0].name if project.stages else None
    named = (entry.stage.name if entry.stage else None) or (stage.name if stage else first)
    return Added(project, entry.contact or contact, entry, named, already_in=False)


async def save_note(leonar: LeonarClient, slack: AsyncWebClient, added: Added, inputs: StepInputs, lang: Lang
                    ) -> None:
    """Like the modal's note: prefixed with who and where. A failure never fails the step (the candidate is in)."""
    assert inputs.note is not None
    who = await _name_of(slack, inputs.added_by) if inputs.added_by else t(lang, "step.a_workflow")
    prefix = t(lang, "note.prefix", user=who, project=added.project.name)
    try:
        await leonar.add_note(added.contact.id, f"{prefix}\n{inputs.note}")
    except LeonarError as exc:
        log.warning("workflow step: note not saved (%s)", exc.code)


async def post_card(slack: AsyncWebClient, services: Services, workspace: Workspace, added: Added,
                    inputs: StepInputs, lang: Lang) -> str:
    """In the step's channel; in one shared with another organisation only when the admins allowed it (without
    emails or phones), else to whoever the workflow says added the candidate, privately, with why."""
    assert inputs.channel is not None
    try:
        settings = await services.store.workspaces.settings(workspace)
    except StoreUnavailable:
        settings = WorkspaceSettings()  # the admins' choices unknown: the most private ones
    where = await channels.reach(slack, services.channels, workspace, inputs.channel)
    card = say.step_card(added.contact, added.project.name, added.stage, inputs.added_by, lang,
                         details=channels.details_allowed(where, settings))
    if (why := channels.refusal(where, settings)) is not None:
        how = "withheld"
        if inputs.added_by:
            how = await deliver_privately(slack, card, channel_id=inputs.channel, user_id=inputs.added_by,
                                          response_urls=[], command_response_url=None, reason=t(lang, why),
                                          lang=lang)
    else:
        how = await deliver_card(slack, card, channel_id=inputs.channel, user_id=inputs.added_by or "",
                                 response_urls=[], command_channel_id=None, command_response_url=None, lang=lang,
                                 posted=card_recorder(services.store.cards, workspace, added.contact.id))
    log.info("workflow step card: %s", how)
    return how


async def record(store: Workspaces, workspace: Workspace, added: Added, inputs: StepInputs) -> None:
    """Listed in the App Home's recent adds, like an add from the modal, when the workflow says by whom (the list
    names who added each candidate)."""
    if not inputs.added_by:
        return
    try:
        await store.record_add(workspace, AddRecord(inputs.added_by, added.contact.full_name, added.project.name,
                                                    added.stage, datetime.now(UTC)))
    except StoreUnavailable as exc:  # the candidate is in Leonar: the App Home's list is what misses it
        log.warning("workflow step: add not listed in the App Home (%s)", exc)


class Step:
    """A step's job: each of its steps done once, in order, the workflow told at the end (`Kind`, bot/durable)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up, max_attempts=3)

    async def run(self, job: Job, progress: Progress) -> None:
        services, lang = self._services, DEFAULT_LANG
        execution, workflow = str(job.payload["execution"]), self._workflow(job)
        inputs = StepInputs.of(job.payload.get("inputs"))
        if (too_long := inputs.too_long()) is not None:
            await _failed(workflow, execution, say.too_long(*too_long, lang=lang))
            return
        connection = await services.store.workspaces.get_connection(job.workspace)
        if connection is None:
            await _failed(workflow, execution, say.not_connected(lang))
            return
        # The workspace's key, not a member's: a workflow's run is no member's action (whoever built or started it,
        # the step adds on the workspace's behalf).
        leonar = services.leonar.client(connection.api_key)
        found = progress.get("added")
        if found:
            added = Added.from_json(found)
        else:
            try:
                added = await asyncio.wait_for(add_candidate(leonar, inputs, lang, since=job.created_at
                                                             if job.resumed else None),
                                               services.settings.limits.step_seconds)
            except StepFailed as exc:
                await _failed(workflow, execution, str(exc))
                return
            except TimeoutError:
                await _failed(workflow, execution, say.interrupted(inputs.candidate, lang))
                return
            await progress.done("added", added.to_json())
        slack = await self._bot(job) or workflow
        store = services.store.workspaces
        if not added.already_in:
            if not progress.get("recorded"):
                await record(store, job.workspace, added, inputs)
                await progress.done("recorded")
            if inputs.note and not progress.get("noted"):
                await save_note(leonar, slack, added, inputs, lang)
                await progress.done("noted")
        if inputs.channel and not progress.get("card"):
            await post_card(slack, services, job.workspace, added, inputs, lang)
            await progress.done("card")
        await _finish(workflow.functions_completeSuccess(function_execution_id=execution,
                                                         outputs=added.outputs(lang)))

    async def give_up(self, job: Job, error: BaseException) -> None:
        inputs = StepInputs.of(job.payload.get("inputs"))
        await _failed(self._workflow(job), str(job.payload["execution"]),
                      say.interrupted(inputs.candidate, DEFAULT_LANG))

    def _workflow(self, job: Job) -> AsyncWebClient:
        """Slack's client with the workflow token: completing the step (the token dies with it)."""
        return AsyncWebClient(token=str(job.payload["token"]), base_url=self._services.settings.slack_api_url)

    async def _bot(self, job: Job) -> AsyncWebClient | None:
        """The installation's bot: a card it posts keeps working buttons after the step completes."""
        return await bot_client(self._services.settings, self._services.store.installations, job.workspace)


async def _failed(workflow: AsyncWebClient, execution: str, error: str) -> None:
    await _finish(workflow.functions_completeError(function_execution_id=execution, error=error))


async def offer_projects(leonar: LeonarClient | None, query: str, complete: AsyncComplete, fail: AsyncFail,
                         window: float, lang: Lang = DEFAULT_LANG) -> None:
    """The Project menu of the step in Workflow Builder (dynamic options): the active projects matching what
    the builder typed, from the same cached list as the add form. Completed before the 3 s ack (Workflow Builder
    waits for it): Leonar gets `window` seconds (Limits.step_menu_seconds)."""
    if leonar is None:
        await _finish(fail(error=say.not_connected(lang)))
        return
    try:
        listing = await asyncio.wait_for(leonar.list_projects(), window)
    except (LeonarError, TimeoutError) as exc:
        await _finish(fail(error=say.menu_failed(exc if isinstance(exc, LeonarError) else None, lang)))
        return
    await _finish(complete(outputs={"options": say.project_menu(listing.items, query, lang)}))


async def _finish(call: Any) -> None:
    try:
        await call
    except SlackApiError as exc:  # e.g. the execution was completed meanwhile, or its token has expired
        log.warning("workflow step completion refused by Slack: %s", exc.response.get("error"))


async def _name_of(slack: AsyncWebClient, user_id: str) -> str:
    try:
        user = (await slack.users_info(user=user_id)).get("user") or {}
    except SlackApiError:
        return user_id
    return str(user.get("real_name") or user.get("name") or user_id)
