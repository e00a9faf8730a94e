"""Socket Mode (SLACK_APP_TOKEN): Slack's requests arrive over a WebSocket the bot opens.

Shutting down, the socket must not close under requests still being answered: their acks travel back over it, and a
request Slack sent but never got acknowledged is shown to its user as an error (or, for an event, sent again only
after a long wait). So `stop` waits until everything received has been acknowledged, answering what still arrives
meanwhile, then closes (bounded by `Limits.requests_grace_seconds`); the drain of acknowledged work comes after.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger(__name__)


class SocketMode(AsyncSocketModeHandler):
    """Bolt's handler, counting the requests received and not yet acknowledged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answering: set[asyncio.Task[Any]] = set()

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
        try:
            await super().handle(client, req)  # Bolt's dispatch returns at the ack, which it sends back
        finally:
            if task is not None:
                self._answering.discard(task)

    async def stop(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (answering := set(self._answering)) and (left := deadline - loop.time()) > 0:
            await asyncio.wait(answering, timeout=left)
        if self._answering:
            log.warning("shutting down: %d Socket Mode requests not acknowledged within %.0f s", len(self._answering),
                        timeout)
        await self.close_async()  # type: ignore[no-untyped-call]
