"""Bolt's Starlette handler, with an interaction's payload decoded in C rather than one Python step per escape.

Slack posts every interaction (an options load at each keystroke, an action, a submission) as a form with one
field, `payload`: the JSON percent-encoded, about a thousand escapes in a menu load's 5 KB. Bolt decodes it with
urllib's unquote, a Python loop over the escapes: 0.4 ms of CPU, a quarter of what a menu load cost the bot
(bench/README.md, P4 one member). Here such a body is decoded by `codecs.escape_decode` (the C decoder of
backslash escapes, "%22" read as "\\x22") and handed to Bolt parsed; any other body, or one that does not decode
cleanly, is parsed by Bolt as before, so what Bolt sees, accepts and refuses is unchanged. Bolt checks the
signature on the raw body as before (the HTTP guard checked it first).
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler, to_starlette_response
from slack_bolt.request.async_request import AsyncBoltRequest
from starlette.requests import Request
from starlette.responses import Response

FORM = "application/x-www-form-urlencoded"
FIELD = b"payload="


def decoded_payload(raw: bytes) -> dict[str, Any] | None:
    """The payload of a form body that is `payload=…` and nothing else, as Bolt would parse it; None otherwise."""
    # Backslashes would be read as escapes of their own; Slack encodes them (%5C), so a raw one is left to Bolt.
    if not raw.startswith(FIELD) or b"&" in raw or b"\\" in raw:
        return None
    escaped = raw[len(FIELD):].replace(b"+", b" ").replace(b"%", b"\\x")
    try:
        payload = json.loads(codecs.escape_decode(escaped)[0].decode("utf-8"))
    except ValueError:  # a malformed escape, bytes that are not UTF-8, or not JSON: Bolt's own parsing decides
        return None
    return payload if isinstance(payload, dict) else None


class SlackRequestHandler(AsyncSlackRequestHandler):
    async def handle(self, req: Request, addition_context_properties: dict[str, Any] | None = None) -> Response:
        content_type = req.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if req.method != "POST" or content_type != FORM or addition_context_properties:
            return await super().handle(req, addition_context_properties)
        raw = await req.body()  # kept by Starlette: Bolt's handler reads the same bytes if it parses after all
        payload = decoded_payload(raw)
        if payload is None:
            return await super().handle(req)
        # Bolt takes a parsed body only from Socket Mode: then this is an HTTP request again, with its raw body for
        # the signature check.
        request = AsyncBoltRequest(body=payload, query=req.query_params,  # type: ignore[arg-type]  # as Bolt's
                                   headers=req.headers, mode="socket_mode")  # type: ignore[arg-type]
        request.raw_body, request.mode = raw.decode("utf-8"), "http"
        return to_starlette_response(await self.app.async_dispatch(request))
