"""An async store driven from synchronous test code: each call runs to its end on an event loop of the adapter's own
(a PostgreSQL pool belongs to the loop that opened it, so one loop per store). `store.workspaces.get_connection(…)`
reads as in the bot, and returns the result."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from typing import Any, ClassVar, TypeVar

from bot.limits import Limits
from bot.store import Store, open_store

T = TypeVar("T")


class Blocking:
    opened: ClassVar[list[Blocking]] = []  # closed after each test (conftest), so no pool outlives its loop

    def __init__(self, store: Store) -> None:
        self.store = store
        self._loop = asyncio.new_event_loop()
        self.workspaces = Synchronous(store.workspaces, self)
        self.installations = Synchronous(store.installations, self)
        self.follows = Synchronous(store.follows, self)
        self.db = Synchronous(store.db, self)
        Blocking.opened.append(self)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Anything else that uses the store (Bolt's installation store, OAuth states), on the store's loop."""
        return self._loop.run_until_complete(coroutine)

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


class Synchronous:
    """A repository whose coroutine methods are run to their end on the store's loop."""

    def __init__(self, target: Any, owner: Blocking) -> None:
        self._target, self._owner = target, owner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not inspect.iscoroutinefunction(value):
            return value
        return lambda *args, **kwargs: self._owner.run(value(*args, **kwargs))


def open_blocking(database_url: str, encryption_key: str | None, *, limits: Limits | None = None) -> Blocking:
    return Blocking(open_store(database_url, encryption_key, limits=limits))
