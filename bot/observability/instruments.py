"""Where the bot's own objects are measured without their code knowing: every store call timed (the store calls
`store_call`, wired in bot/app.py), and each workspace's Leonar budget watched for the /metrics scrape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.observability.metrics import BUDGETS, STORE_SECONDS


def store_call(operation: str, seconds: float) -> None:
    """Every store call that reached the database (bot/store/database.py `observe`), into
    leonar_bot_store_seconds{operation}; reads the cache answers are not counted."""
    STORE_SECONDS.labels(operation).observe(seconds)


async def watch_budget(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
    """A Bolt middleware after the per-request context: which workspace uses which Leonar budget (the object,
    never the key), so /metrics can show what is left of it per workspace."""
    workspace, connection = context.get("workspace"), context.get("connection")
    key = getattr(workspace, "key", None)
    if key:
        api_key = getattr(connection, "api_key", None)
        if isinstance(api_key, str):
            BUDGETS.watch(key, context["services"].leonar.budget(api_key))
        elif connection is None:
            BUDGETS.forget(key)
    await next()
