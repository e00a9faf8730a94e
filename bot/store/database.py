"""The one boundary between the bot and its database, whichever it is (sqlite.py, postgres.py).

Repositories (workspaces.py, installations.py, follows.py) write each query once against `Tx` and hand it to
`Database`: a statement on its own (`one`, `all`, `execute`), or several in one transaction (`transaction`). Here,
for both backends alike, every call is bounded (`Limits.store_call_seconds`, queueing included), timed under its
operation's name, and a database that fails or is too slow becomes `StoreUnavailable` for the request that asked,
never a wait that holds up the event loop.

A transaction's work is an `async def` that awaits nothing but its `Tx`: PostgreSQL runs it on the event loop
over a pooled connection; SQLite runs the same coroutine to its end on the database's own thread (`drive`), where
each `Tx` call completes at once, so a transaction there is one hop to that thread and can never interleave.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar

from bot.limits import Limits
from bot.store.dialect import Dialect
from bot.store.models import StoreUnavailable

T = TypeVar("T")
Row = tuple[Any, ...]
Params = Sequence[Any]
Observer = Callable[[str, float], None]  # (operation, seconds): the store-latency metric


class Tx(Protocol):
    """A connection inside a transaction (or a single statement's). SQL uses `?` and the dialect's tokens."""

    async def execute(self, sql: str, params: Params = ()) -> int: ...  # rows changed
    async def one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def all(self, sql: str, params: Params = ()) -> list[Row]: ...


Work = Callable[[Tx], Coroutine[Any, Any, T]]


EVERYTHING = "*"  # what a Watch says when it cannot tell which workspaces changed: every cached entry goes


class Watch(Protocol):
    """How the cache learns what changed outside this process (cache.py)."""

    # `changed` hears each changed workspace's key, or EVERYTHING.
    def start(self, changed: Callable[[str], None]) -> None: ...
    # May cached entries be served now? Called before each cached read.
    def trusted(self) -> bool: ...
    def close(self) -> None: ...


class Database(abc.ABC):
    dialect: Dialect
    kind: str  # how errors name the backend: "SQLite", "PostgreSQL"

    def __init__(self, limits: Limits, observe: Observer | None) -> None:
        self.limits = limits
        self._observe = observe

    async def one(self, op: str, sql: str, params: Params = ()) -> Row | None:
        return await self._bounded(op, self._run(lambda tx: tx.one(sql, params), transaction=False,
                                                 again=_reads(sql)))

    async def all(self, op: str, sql: str, params: Params = ()) -> list[Row]:
        return await self._bounded(op, self._run(lambda tx: tx.all(sql, params), transaction=False,
                                                 again=_reads(sql)))

    async def execute(self, op: str, sql: str, params: Params = ()) -> int:
        return await self._bounded(op, self._run(lambda tx: tx.execute(sql, params), transaction=False))

    async def transaction(self, op: str, work: Work[T]) -> T:
        """`work` in one transaction: all of it or, on any error, none of it."""
        return await self._bounded(op, self._run(work, transaction=True))

    async def ping(self) -> None:
        await self.one("ping", "SELECT 1")

    async def announce(self, key: str) -> None:
        """Tell the other instances' caches that what they keep of workspace `key` changed, with no row written
        (what Slack said of it: bot/slack/channels.py). A backend one process uses alone has no one to tell."""
        return None

    @abc.abstractmethod
    def run_now(self, work: Work[T]) -> T:
        """`work` in one transaction, synchronously: at start, before serving (migrations, the cipher check)."""

    @abc.abstractmethod
    async def _run(self, work: Work[T], *, transaction: bool, again: bool = False) -> T:
        """`again`: the work may be run a second time on another connection when the first one was found dropped.
        Only reads: a write whose connection dropped may have been applied all the same (its answer lost)."""

    @abc.abstractmethod
    def _failure(self, error: Exception) -> str | None:
        """What to say of `error` when it means the database failed (None: a bug, raised as it is)."""

    # One holder of `name` at a time across the instances sharing the database.
    @abc.abstractmethod
    async def try_lock(self, name: str) -> bool: ...

    @abc.abstractmethod
    async def unlock(self, name: str) -> None: ...

    @abc.abstractmethod
    def watch(self) -> Watch: ...

    @abc.abstractmethod
    async def scrub(self) -> None:
        """After data was deleted for good (a workspace left): make sure its bytes leave the database's files too."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def abandon(self) -> None:
        """Closed without an event loop: a database that failed to start must not keep a thread alive."""

    async def _bounded(self, op: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        seconds = self.limits.store_call_seconds
        try:
            return await within(seconds, call)
        except TimeoutError as exc:
            raise StoreUnavailable(f"{self.kind} did not answer within {seconds:g} s") from exc
        except Exception as exc:
            said = self._failure(exc)
            if said is None:
                raise
            raise StoreUnavailable(f"{self.kind} failed: {said}") from exc
        finally:
            if self._observe is not None:
                self._observe(op, time.perf_counter() - started)


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


def drive(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run to its end, here, a coroutine whose every await completes at once (a transaction over a synchronous
    connection): the same `async def` then serves both the async pool and a database thread."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a store transaction awaited something other than its database connection")


def _reads(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT")
