"""The Workflow Builder step "Add candidate to Leonar": from the step's inputs to functions.completeSuccess or
functions.completeError.

The step is acknowledged at once (bot/listeners/functions.py) and runs after the ack: Slack lets a step complete
later, and the workflow token it brings (`xwfp-…`, the client's token here) lives 15 minutes or until the step
completes, whichever comes first. So everything that needs Slack (the card) is done before `complete`/`fail`,
and the run is bounded well within those 15 minutes. Slack may deliver the same `function_executed` twice (Events
API retries): an execution already started here is not run again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cachetools import TTLCache
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import DEFAULT_LANG, Lang, t
from bot.leonar import AlreadyInProject, Contact, Entry, LeonarClient, LeonarError, Project, resolve
from bot.slack.card_delivery import deliver_card
from bot.store import AddRecord, Store, StoreUnavailable, Workspace
from bot.views import workflow_step as say

log = logging.getLogger(__name__)
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_started: TTLCache[str, bool] = TTLCache(maxsize=10_000, ttl=3600)


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


class StepFailed(Exception):
    """The step cannot go on; the message is for the workflow's people."""


def first_run(execution_id: str) -> bool:
    if execution_id in _started:
        return False
    _started[execution_id] = True
    return True


async def add_candidate(leonar: LeonarClient, inputs: StepInputs, lang: Lang) -> Added:
    """Resolve the project, stage and candidate, create the contact if Leonar has none, add it exactly once."""
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
        entry = await leonar.add_entry(project.id, contact.id, stage.id if stage else None)
    except AlreadyInProject as exc:
        at = exc.entry.stage.name if exc.entry and exc.entry.stage else None
        return Added(project, exc.entry.contact if exc.entry and exc.entry.contact else contact, exc.entry, at,
                     already_in=True)
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


async def post_card(slack: AsyncWebClient, store: Store, workspace: Workspace, added: Added, inputs: StepInputs,
                    lang: Lang) -> str:
    assert inputs.channel is not None
    try:
        details = (await store.settings(workspace)).show_contact_details
    except StoreUnavailable:
        details = False  # the admins' choice unknown: contact details stay out
    card = say.step_card(added.contact, added.project.name, added.stage, inputs.added_by, lang, details=details)
    how = await deliver_card(slack, card, channel_id=inputs.channel, user_id=inputs.added_by or "",
                             response_urls=[], command_channel_id=None, command_response_url=None, lang=lang)
    log.info("workflow step card: %s", how)
    return how


async def record(store: Store, workspace: Workspace, added: Added, inputs: StepInputs) -> None:
    """Listed in the App Home's recent adds, like an add from the modal, when the workflow says by whom (the list
    names who added each candidate)."""
    if not inputs.added_by:
        return
    try:
        await store.record_add(workspace, AddRecord(inputs.added_by, added.contact.full_name, added.project.name,
                                                    added.stage, datetime.now(UTC)))
    except StoreUnavailable as exc:  # the candidate is in Leonar: the App Home's list is what misses it
        log.warning("workflow step: add not listed in the App Home (%s)", exc)


async def run(*, leonar: LeonarClient | None, slack: AsyncWebClient, store: Store, workspace: Workspace,
              inputs: StepInputs, complete: AsyncComplete, fail: AsyncFail, timeout: float,
              lang: Lang = DEFAULT_LANG) -> None:
    """`timeout` (Limits.step_seconds) well within the workflow token's 15 minutes: fail() still has a live token."""
    if leonar is None:
        await _finish(fail(error=say.not_connected(lang)))
        return
    try:
        added = await asyncio.wait_for(add_candidate(leonar, inputs, lang), timeout)
    except StepFailed as exc:
        await _finish(fail(error=str(exc)))
        return
    except TimeoutError:
        await _finish(fail(error=say.interrupted(inputs.candidate, lang)))
        return
    except asyncio.CancelledError:  # shutdown outlasted its drain: say so while the token still works
        await _finish(fail(error=say.interrupted(inputs.candidate, lang)))
        raise
    if not added.already_in:
        await record(store, workspace, added, inputs)
        if inputs.note:
            await save_note(leonar, slack, added, inputs, lang)
    if inputs.channel:
        await post_card(slack, store, workspace, added, inputs, lang)
    await _finish(complete(outputs=added.outputs(lang)))


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
