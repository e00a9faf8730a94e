"""Waiting for the database no longer than a bound, whatever the database does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


async def within(seconds: float, work: Awaitable[T]) -> T:
    """`work`'s result, or TimeoutError once `seconds` have passed.

    Unlike `asyncio.timeout`, the caller does not wait for the cancelled work to wind down: cancelling a psycopg
    query sends the server a cancel request, which waits, too, on a link that stopped answering.
    """
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_retrieve)
        raise TimeoutError
    return task.result()


def _retrieve(task: asyncio.Future[Any]) -> None:
    # Its outcome no longer matters to anyone; taken so that asyncio does not log it as never retrieved.
    with contextlib.suppress(BaseException):
        task.exception()
