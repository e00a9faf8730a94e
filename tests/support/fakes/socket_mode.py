"""A fake Slack Socket Mode endpoint: a real WebSocket server on 127.0.0.1 (aiohttp, in its own thread).

The bot connects to `url` (handed out by the fake Slack's apps.connections.open); `send()` pushes an envelope
the way Slack does and returns the bot's acknowledgement, with its response payload.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any

from aiohttp import WSMsgType, web

JSON = dict[str, Any]


class FakeSocketMode:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._socket: web.WebSocketResponse | None = None
        self._acks: dict[str, asyncio.Future[JSON]] = {}
        self.connected = threading.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _shutdown(self) -> None:
        # Close the bot's socket first (as Slack does when it rotates connections): the runner would otherwise
        # wait for the client to hang up.
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        assert self._runner is not None
        await self._runner.cleanup()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def send(self, kind: str, payload: JSON, timeout: float = 5.0) -> JSON:
        """Push an envelope ("slash_commands", "interactive", "events_api") and return the bot's ack."""
        assert self.connected.wait(timeout), "the bot never connected over Socket Mode"
        return asyncio.run_coroutine_threadsafe(self._send(kind, payload), self._loop).result(timeout)

    async def _send(self, kind: str, payload: JSON) -> JSON:
        assert self._socket is not None
        envelope_id = str(uuid.uuid4())
        self._acks[envelope_id] = self._loop.create_future()
        await self._socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": kind != "events_api",
                                      "retry_attempt": 0, "retry_reason": ""})
        return await self._acks[envelope_id]

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                                "connection_info": {"app_id": "A0001"}})
        self.connected.set()
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            future = self._acks.pop(ack.get("envelope_id"), None)
            if future is not None and not future.done():
                future.set_result(ack)
        return socket
