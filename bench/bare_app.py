"""The floor for P1 and P4 one member: a Bolt app that only acks /leonar-add and opens a fixed modal, and (with
BARE_OPTIONS, a JSON file {query: options}) answers the project menu with the options listed for the query typed.

Same stack as the bot (AsyncApp, Starlette adapter, uvicorn) and the same Slack client settings, so the
difference measured is what the bot itself adds.
"""

from __future__ import annotations

import json
import os
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

VIEW = {"type": "modal", "callback_id": "bare", "title": {"type": "plain_text", "text": "Bare"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}]}

app = AsyncApp(client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
               signing_secret=os.environ["SLACK_SIGNING_SECRET"])


@app.command("/leonar-add")
async def open_modal(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
    await ack()
    await client.views_open(trigger_id=command["trigger_id"], view=VIEW)


if "BARE_OPTIONS" in os.environ:
    with open(os.environ["BARE_OPTIONS"]) as file:
        OPTIONS: dict[str, list[dict[str, Any]]] = json.load(file)

    @app.options("project_select")
    async def project_menu(ack: AsyncAck, payload: dict[str, Any]) -> None:
        await ack(options=OPTIONS.get(payload.get("value") or "", []))


handler = AsyncSlackRequestHandler(app)


async def events(request: Request) -> Response:
    return await handler.handle(request)


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


web = Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])

if __name__ == "__main__":
    uvicorn.run(web, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
