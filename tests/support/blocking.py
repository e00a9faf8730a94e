"""An async store driven from synchronous test code: each call runs to its end on an event loop of the
adapter's own (a PostgreSQL pool belongs to the loop that opened it, so one loop per store)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from typing import Any, ClassVar, TypeVar

from bot.store import Store, open_store

T = TypeVar("T")


class Blocking:
    opened: ClassVar[list[Blocking]] = []  # closed after each test (conftest), so no pool outlives its loop

    def __init__(self, store: Store) -> None:
        self.store = store
        self._loop = asyncio.new_event_loop()
        Blocking.opened.append(self)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Anything else that uses the store (Bolt's installation store, OAuth states), on the store's loop."""
        return self._loop.run_until_complete(coroutine)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.store, name)
        if not inspect.iscoroutinefunction(value):
            return value
        return lambda *args, **kwargs: self.run(value(*args, **kwargs))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self.run(self.store.close())
        finally:
            self._loop.close()

    @classmethod
    def close_all(cls) -> None:
        while cls.opened:
            cls.opened.pop().close()


def open_blocking(database_url: str, encryption_key: str | None) -> Blocking:
    return Blocking(open_store(database_url, encryption_key))
