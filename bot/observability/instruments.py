"""Where the bot's own objects are measured without their code knowing: every store call timed, and each
workspace's Leonar budget watched for the /metrics scrape."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from bot.observability.metrics import BUDGETS, STORE_SECONDS
from bot.store import Store


class TimedStore:
    """The store, each public method timed into leonar_bot_store_seconds{operation}: a perf_counter pair and a
    histogram bucket per call (about a microsecond). Coroutine methods are timed to their end."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if name.startswith("_") or not callable(value):
            return value
        histogram = STORE_SECONDS.labels(name)
        if inspect.iscoroutinefunction(value):
            @functools.wraps(value)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await value(*args, **kwargs)
                finally:
                    histogram.observe(time.perf_counter() - start)

            wrapper: Callable[..., Any] = timed_async
        else:
            @functools.wraps(value)
            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return value(*args, **kwargs)
                finally:
                    histogram.observe(time.perf_counter() - start)

            wrapper = timed
        self.__dict__[name] = wrapper  # looked up once: later calls find it without __getattr__
        return wrapper


def timed_store(store: Store) -> Store:
    return cast(Store, TimedStore(store))


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
