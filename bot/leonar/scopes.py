"""Which of the bot's scopes an API key has, found without changing anything in Leonar."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.leonar import errors
from bot.leonar.transport import Transport

REQUIRED_SCOPES = ("projects:read", "contacts:read", "pipeline:write")
# pipeline:read lets the bot see whether a candidate is already in a project before adding (else Leonar's
# answer tells); notes:write saves the optional note typed with an add; contacts:write creates a candidate
# Leonar does not know yet.
RECOMMENDED_SCOPES = ("pipeline:read", "notes:write", "contacts:write")
NIL_UUID = "00000000-0000-0000-0000-000000000000"


async def missing(transport: Transport) -> list[str]:
    """Which of REQUIRED_SCOPES + RECOMMENDED_SCOPES the key lacks.

    Raises for a key Leonar refuses outright (`InvalidApiKey`) or when Leonar cannot answer.
    [INF] The pipeline and notes scopes are probed on a project or contact that cannot exist, assuming Leonar
    checks the scope (403) before the resource (404) or the body (400); reads prove the other two directly.
    """
    nowhere = f"projects/{NIL_UUID}/entries"
    probes = [
        ("projects:read", "GET", "projects", {"status": "active", "limit": 1, "offset": 0}, None),
        ("contacts:read", "POST", "contacts/search", None, {"query": "", "limit": 1, "offset": 0}),
        ("pipeline:read", "GET", nowhere, {"limit": 1, "offset": 0}, None),
        ("pipeline:write", "POST", nowhere, None, {}),
        ("notes:write", "POST", f"contacts/{NIL_UUID}/notes", None, {}),
        ("contacts:write", "POST", "contacts", None, {}),  # refused for its missing first_name when allowed
    ]

    async def lacks(scope: str, method: str, path: str, params: Any, body: Any) -> str | None:
        try:
            await transport.request(method, path, params=params, json=body, retry_sent=method == "GET")
        except errors.InsufficientScope:
            return scope
        except (errors.NotFound, errors.ValidationFailed):
            return None  # refused past the scope check: the scope is there
        return None

    found = await asyncio.gather(*(lacks(*probe) for probe in probes))
    return [scope for scope in found if scope]
