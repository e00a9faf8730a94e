"""Adding a contact to a project's pipeline exactly once, whatever Leonar answers or fails to answer: what an add
sends (`NewEntry`, one value from the form or the Workflow Builder step to Leonar) and how it is sent (`add`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from bot.leonar import envelope, errors
from bot.leonar.models import Entry
from bot.leonar.scopes import PIPELINE_WRITE
from bot.leonar.transport import Reply, Transport

# A 200 (rather than 201) whose entry is older than this was not created by our request.
EXISTING_AFTER = 30.0

FindEntry = Callable[[str, str], Awaitable[Entry | None]]


@dataclass(frozen=True)
class NewEntry:
    """One add as asked for: the contact into the project's pipeline, at `stage_id` (else Leonar's first stage).
    Built once, from the add form's submission or the Workflow Builder step's inputs, and sent as it is. A note
    written with the add is not part of it: it goes afterwards (`LeonarClient.add_note`), and its failure never
    undoes the entry."""

    project_id: str
    contact_id: str
    stage_id: str | None = None

    def payload(self) -> dict[str, Any]:
        """The body of `POST /projects/{id}/entries`: what Leonar is told about the entry, and nothing else."""
        body: dict[str, Any] = {"contact_id": self.contact_id}
        if self.stage_id:
            body["stage_id"] = self.stage_id
        return body


async def add(transport: Transport, find_entry: FindEntry, new: NewEntry, *, read_timeout: float) -> Entry:
    """The entry made (or found made) by adding the contact to the project; without a stage Leonar uses the
    first one. The POST waits `read_timeout` for Leonar's answer (Limits.entry_read_seconds): the add may
    outlast Slack's 3-second window (the modal then shows a pending view), but cutting it short would leave the
    user not knowing whether the candidate was added.

    Raises `AlreadyInProject` when the contact is there already. [GAP] Leonar does not document its answer
    to a duplicate add, so all plausible ones are recognised: found by `find_entry` beforehand, a 409, a
    400 `validation_error` mentioning it, or a 200 (not 201) returning an entry created earlier. When the
    outcome of the POST is unknown (no answer, 5xx, garbage), the entry is looked up, and the POST is sent
    again only if it is certainly not there.
    """
    project_id, contact_id, payload = new.project_id, new.contact_id, new.payload()
    existing = await _lookup(find_entry, project_id, contact_id)
    if existing:
        raise errors.AlreadyInProject("already in this project", entry=existing)
    try:
        return await _post(transport, project_id, payload, read_timeout)
    except errors.AlreadyInProject as exc:
        exc.entry = await _lookup(find_entry, project_id, contact_id)
        raise
    except (errors.Unavailable, errors.ServerError, errors.UnexpectedResponse) as exc:
        if isinstance(exc, errors.Unavailable) and not exc.may_have_arrived:
            raise
        try:
            landed = await find_entry(project_id, contact_id)
        except errors.LeonarError:
            raise exc from None  # still unknown: the user is told it may have been added
        if landed:
            return landed
        return await _post(transport, project_id, payload, read_timeout)


async def _post(transport: Transport, project_id: str, payload: dict[str, Any], read_timeout: float) -> Entry:
    try:
        # Resent by the transport only when the first attempt never reached Leonar.
        reply = await transport.request("POST", f"projects/{project_id}/entries", json=payload, retry_unsent=True,
                                        read_timeout=read_timeout, writes=True, scope=PIPELINE_WRITE)
    except errors.ValidationFailed as exc:
        if "already" in exc.message.lower():
            raise errors.AlreadyInProject(exc.message, status=exc.status) from exc
        raise
    except errors.LeonarError as exc:
        if exc.status == 409:
            raise errors.AlreadyInProject(exc.message, status=409) from exc
        raise
    entry = envelope.parse(Entry, envelope.data(reply.body))
    if reply.status == 200 and _created_before(entry, reply, seconds=EXISTING_AFTER):
        raise errors.AlreadyInProject("already in this project", status=200, entry=entry)
    return entry


async def _lookup(find_entry: FindEntry, project_id: str, contact_id: str) -> Entry | None:
    """`find_entry` as a best effort: when it cannot answer (no `pipeline:read` scope, Leonar trouble),
    Leonar's answer to the POST decides instead."""
    try:
        return await find_entry(project_id, contact_id)
    except (errors.InvalidApiKey, errors.RateLimited, errors.CheckIncomplete):
        raise
    except errors.LeonarError:
        return None


def _created_before(entry: Entry, reply: Reply, *, seconds: float) -> bool:
    """Whether `entry` predates this reply by `seconds`, by Leonar's own clock (the Date header)."""
    if reply.date is None:
        return False
    try:
        now = parsedate_to_datetime(reply.date)
    except (TypeError, ValueError):
        return False
    created = entry.created_at
    if created is None:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (now - created).total_seconds() > seconds
