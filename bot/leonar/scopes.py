"""Which of the bot's scopes an API key has, as far as can be found without changing anything in Leonar.

Only read scopes can be checked that way. Leonar documents no dry run and no endpoint listing a key's scopes, and
a write sent to find out whether it is allowed (even an empty body, or an id that cannot exist) would create or
change something the day Leonar accepted it. So the write scopes are learnt at first use: the add, the note or
the creation that needs one is refused with 403 `insufficient_scope`, and the error names the scope
(`errors.InsufficientScope.scope`, set from the constants below on each call).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.leonar import errors
from bot.leonar.transport import Transport

# Which call needs which scope [INF]: Leonar's scope descriptions, not stated per endpoint (research section 0).
PROJECTS_READ = "projects:read"  # GET /projects, GET /projects/{id}
CONTACTS_READ = "contacts:read"  # POST /contacts/search, GET /contacts, GET /contacts/{id}
PIPELINE_READ = "pipeline:read"  # GET /projects/{id}/entries
PIPELINE_WRITE = "pipeline:write"  # POST /projects/{id}/entries
NOTES_WRITE = "notes:write"  # POST /contacts/{id}/notes
NOTES_READ = "notes:read"  # GET /contacts/{id}/notes [GAP]: a Work Object's flexpane, nothing the bot requires
CONTACTS_WRITE = "contacts:write"  # POST /contacts

REQUIRED_SCOPES = (PROJECTS_READ, CONTACTS_READ, PIPELINE_WRITE)
# pipeline:read lets the bot see whether a candidate is already in a project before adding (else Leonar's
# answer tells); notes:write saves the optional note typed with an add; contacts:write creates a candidate
# Leonar does not know yet.
RECOMMENDED_SCOPES = (PIPELINE_READ, NOTES_WRITE, CONTACTS_WRITE)
CHECKED_SCOPES = (PROJECTS_READ, CONTACTS_READ, PIPELINE_READ)
LEARNT_SCOPES = (PIPELINE_WRITE, NOTES_WRITE, CONTACTS_WRITE)
NIL_UUID = "00000000-0000-0000-0000-000000000000"


async def missing(transport: Transport) -> list[str]:
    """Which of CHECKED_SCOPES the key lacks (LEARNT_SCOPES are not checked: see the module's docstring).

    Raises for a key Leonar refuses outright (`InvalidApiKey`) or when Leonar cannot answer. Three reads, all
    idempotent: [INF] pipeline:read is probed on a project that cannot exist, assuming Leonar checks the scope
    (403) before the resource (404).
    """
    probes = [
        (PROJECTS_READ, "GET", "projects", {"status": "active", "limit": 1, "offset": 0}, None),
        # A read sent as a POST, documented as such: it searches, it creates nothing.
        (CONTACTS_READ, "POST", "contacts/search", None, {"query": "", "limit": 1, "offset": 0}),
        (PIPELINE_READ, "GET", f"projects/{NIL_UUID}/entries", {"limit": 1, "offset": 0}, None),
    ]

    found = await asyncio.gather(*(_lacks(transport, *probe) for probe in probes))
    return [scope for scope in found if scope]


async def lacks_pipeline_read(transport: Transport, project_id: str = NIL_UUID) -> bool:
    """Whether the key lacks `pipeline:read` (following a project needs it): one read of the project's entries,
    with the same [INF] as `missing` (the scope is checked before the project)."""
    return await _lacks(transport, PIPELINE_READ, "GET", f"projects/{project_id}/entries",
                        {"limit": 1, "offset": 0}, None) is not None


async def lacks_notes_write(transport: Transport) -> bool:
    """Whether the key lacks `notes:write`, asked before a feedback request is sent (every answer becomes a note).

    The one write probe, made so that it cannot write: [INF] a note without `content` (refused as invalid) on a
    contact that cannot exist (refused as not found), assuming, as for the reads, that the scope is checked before
    either. Leonar would have to accept an empty note on the nil id for it to create anything.
    """
    return await _lacks(transport, NOTES_WRITE, "POST", f"contacts/{NIL_UUID}/notes", None, {}) is not None


async def _lacks(transport: Transport, scope: str, method: str, path: str, params: Any, body: Any) -> str | None:
    try:
        await transport.request(method, path, params=params, json=body, retry_sent=True, scope=scope)
    except errors.InsufficientScope:
        return scope
    except (errors.NotFound, errors.ValidationFailed):
        return None  # refused past the scope check: the scope is there
    return None
