"""A wrapper for every listener: an exception is logged, and the request is still acknowledged.

Bolt (async) answers 404 after 3 s when a listener raises, even one that had already acked, because it
resets the ack on error; and an unacked request leaves the user with Slack's generic failure.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


def guarded(listener: Listener, *, fallback: dict[str, Any] | None = None) -> Listener:
    """`fallback` is what to ack with when the listener fails before acking (default: an empty ack)."""

    # functools.wraps keeps the parameter names Bolt reads to decide which arguments to inject.
    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        try:
            await listener(**kwargs)
        except Exception:
            log.exception("%s failed", listener.__name__)
            if ack is not None and ack.response is None:
                await ack(**(fallback or {}))

    return run
