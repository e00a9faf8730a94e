"""How every listener runs: answered to Slack as soon as it acks, the rest of its work continuing after.

Bolt's own way (process_before_response=False) polls for the ack every 10 ms, which added 10-15 ms to every
answer and queued up under load; and it turns a listener failing after its ack into a 404 three seconds later.
So the app runs with process_before_response=True, and this wrapper returns to Bolt the moment the listener
acks, keeping the listener going as a tracked task. A failure is logged; one before the ack still gets an ack
(`fallback`), so Slack never shows the user its generic error.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.observability import requests

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]
_running: set[asyncio.Task[None]] = set()


def guarded(listener: Listener, *, fallback: dict[str, Any] | None = None) -> Listener:
    """`fallback` is what to ack with when the listener fails before acking (default: an empty ack)."""

    # functools.wraps keeps the parameter names Bolt reads to decide which arguments to inject.
    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        # Done at the ack or at the listener's end, whichever comes first. One future: an Event with a task waiting
        # on it and asyncio.wait over both cost three more objects and two more loop turns on every request.
        answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def settle(_: object = None) -> None:
            if not answered.done():
                answered.set_result(None)

        if ack is not None:
            async def ack_now(*args: Any, **fields: Any) -> Any:
                try:
                    return await ack(*args, **fields)
                finally:
                    settle()
                    requests.answered("acked")

            kwargs["ack"] = ack_now
        task = asyncio.create_task(_logged(listener, kwargs))
        _running.add(task)
        task.add_done_callback(_running.discard)
        task.add_done_callback(settle)
        await answered
        if ack is not None and ack.response is None:
            await ack(**(fallback or {}))
        requests.answered("acked")  # Bolt's own ack (events), or the fallback's after a listener that did not fail

    return run


async def _logged(listener: Listener, kwargs: dict[str, Any]) -> None:
    try:
        await listener(**kwargs)
    except Exception:
        log.exception("%s failed", listener.__name__)
        requests.failed()


def later(work: Awaitable[None], name: str) -> None:
    """Run `work` after the ack, tracked like a listener (drained at shutdown, failures logged)."""

    async def run() -> None:
        await work

    run.__name__ = name
    task = asyncio.create_task(_logged(run, {}))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def drain(timeout: float, *, tell: float) -> None:
    """Let work already acknowledged (cards being posted, slow adds) finish before the process exits.

    Past `timeout`, what is left is cancelled and gets `tell` more seconds, clients still open, to tell its user
    that it was interrupted (an add waiting for Leonar does): left alone, it would die with the event loop and
    leave the user in front of a "pending" modal for ever.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # Work may start more work (`later`): wait again until nothing is tracked, or the bound.
    while (ours := _of(loop)) and (left := deadline - loop.time()) > 0:
        await asyncio.wait(ours, timeout=left)
    interrupted = _of(loop)
    if not interrupted:
        return
    log.warning("shutting down: %d acknowledged tasks still running after %.0f s are interrupted",
                len(interrupted), timeout)
    for task in interrupted:
        task.cancel()
    await asyncio.wait(interrupted, timeout=tell)


def _of(loop: asyncio.AbstractEventLoop) -> set[asyncio.Task[None]]:
    """This loop's tracked work: apps served side by side in one process (the tests) each drain only their own."""
    return {task for task in _running if task.get_loop() is loop}
