"""Running accepted jobs (bot/store/jobs.py): at once on the instance that accepted one, and, when its holder died,
on whichever instance looks next (every `work_tick_seconds`, once the lease has run out).

A job's kind says how to run it (`Kind.run`, which saves each step's outcome through `Progress` before the next, so
a resumed job skips what was done) and whom to tell when it cannot be done (`Kind.give_up`, after `max_attempts`
runs that failed). While a job runs its lease is renewed; if renewing fails (another instance took it), the run is
stopped. At shutdown, jobs still running after the drain are given back at once, for another instance to resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bot.limits import Limits
from bot.store.jobs import Job, Jobs
from bot.store.models import StoreUnavailable, Workspace

log = logging.getLogger(__name__)
CONCURRENCY = 16  # jobs one instance runs at once
MAX_BACKOFF_SECONDS = 600.0  # a job failing again and again is tried a lease later, then twice that…, at most this


class Retry(Exception):
    """Not now (Leonar rate-limited or down, Slack unreachable): run the job again after `seconds`."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


class Lost(Exception):
    """The job is no longer this instance's (its lease ran out and another took it, or its workspace left)."""


class Progress:
    """The steps of a job done so far. `done` saves one before the next begins: a resumed job skips it."""

    def __init__(self, jobs: Jobs, job: Job, holder: str) -> None:
        self._jobs, self._job, self._holder = jobs, job, holder
        self._steps: dict[str, Any] = dict(job.progress)

    def get(self, step: str) -> Any:
        return self._steps.get(step)

    async def done(self, step: str, outcome: Any = True) -> None:
        self._steps[step] = outcome
        if not await self._jobs.save_progress(self._job.key, self._holder, self._steps):
            raise Lost(self._job.key)


@dataclass(frozen=True)
class Kind:
    run: Callable[[Job, Progress], Coroutine[Any, Any, None]]
    # Tell whoever waits that it will not be done (the step's workflow, the user of an add).
    give_up: Callable[[Job, BaseException], Awaitable[None]]
    max_attempts: int = 5


@dataclass
class Chore:
    seconds: float
    name: str
    work: Callable[[], Awaitable[object]]
    last: float = float("-inf")

    async def run_if_due(self) -> None:
        now = time.monotonic()
        if now - self.last < self.seconds:
            return
        self.last = now
        try:
            await self.work()
        except Exception as exc:  # tried again at its next turn
            log.warning("durable work: %s failed: %s", self.name, type(exc).__name__)


class Runner:
    def __init__(self, jobs: Jobs, limits: Limits, *, holder: str | None = None) -> None:
        self._jobs, self._limits = jobs, limits
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._kinds: dict[str, Kind] = {}
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._stopping = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._tending: asyncio.Task[None] | None = None
        self._chores: list[Chore] = []

    def register(self, name: str, kind: Kind) -> None:
        self._kinds[name] = kind

    def every(self, seconds: float, name: str, chore: Callable[[], Awaitable[object]]) -> None:
        """Housekeeping run by the same loop every `seconds`, the first time at start (pruning what is kept for a
        while only). On each instance: a chore must be harmless to run on several at once."""
        self._chores.append(Chore(seconds, name, chore))

    async def accept(self, key: str, workspace: Workspace, kind: str, payload: dict[str, Any]) -> bool:
        """Record the job (before Slack is told it was accepted: a failure here raises StoreUnavailable, and the
        caller leaves the request unacknowledged, for Slack to send again), then start it. False: `key` was
        accepted before, by this instance or another, before or after a restart; nothing is done twice."""
        assert kind in self._kinds, kind
        job = await self._jobs.accept(key, workspace, kind, payload, holder=self.holder,
                                      lease_seconds=self._limits.work_lease_seconds)
        if job is None:
            log.info("%s %s accepted before: not run again", kind, key)
            return False
        self._start(job)
        return True

    async def accept_here(self, key: str, workspace: Workspace, kind: str, payload: dict[str, Any]) -> Job | None:
        """Recorded and leased to this instance, not started: the caller runs it with `run_here`, because its first
        steps must answer Slack (a submit's ack). Should this instance die, it is resumed by `kind` elsewhere."""
        assert kind in self._kinds, kind
        return await self._jobs.accept(key, workspace, kind, payload, holder=self.holder,
                                       lease_seconds=self._limits.work_lease_seconds)

    async def run_here(self, job: Job, work: Callable[[Progress], Coroutine[Any, Any, None]]) -> None:
        """`work` as the job's run, here and now (see `accept_here`): its lease renewed, its outcome recorded like
        any run's. Cancelled (a shutdown past its drain), the job is given back at once for another instance."""
        task = asyncio.current_task()
        assert task is not None
        self._running[job.key] = task
        try:
            await self._run(job, work)
        except asyncio.CancelledError:
            with contextlib.suppress(StoreUnavailable):
                await self._jobs.release(job.key, self.holder)
            raise
        finally:
            self._running.pop(job.key, None)

    def start(self) -> None:
        self._loop = asyncio.create_task(self._look(), name="durable-work")
        # Chores in a task of their own: a long prune never delays taking over a dead instance's jobs.
        self._tending = asyncio.create_task(self._tend(), name="durable-chores")

    async def stop(self, timeout: float) -> None:
        """Stop taking jobs; let those running finish within `timeout`, then give the rest back."""
        self._stopping.set()
        for loop in (self._loop, self._tending):
            if loop is not None:
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
        running = dict(self._running)
        if running:
            await asyncio.wait(running.values(), timeout=timeout)
        for key, task in running.items():
            if task.done():
                continue
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            try:
                await self._jobs.release(key, self.holder)
            except StoreUnavailable:  # its lease runs out on its own
                log.warning("job %s not given back at shutdown: resumed once its lease has run out", key)

    def running(self) -> list[asyncio.Task[Any]]:
        """The jobs running here now (a test waits for them as for any acknowledged work)."""
        return list(self._running.values())

    async def _tend(self) -> None:
        while not self._stopping.is_set():
            for chore in self._chores:
                await chore.run_if_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._limits.work_tick_seconds)

    async def _look(self) -> None:
        while not self._stopping.is_set():
            free = CONCURRENCY - len(self._running)
            if free > 0:
                try:
                    for job in await self._jobs.claim(self.holder, lease_seconds=self._limits.work_lease_seconds,
                                                      limit=free):
                        log.info("%s %s resumed (run %d)", job.kind, job.key, job.attempts)
                        self._start(job)
                except StoreUnavailable as exc:
                    log.warning("durable work: cannot look for jobs: %s", exc)
                except Exception:  # the loop must outlive a bad look
                    log.exception("durable work: looking for jobs failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._limits.work_tick_seconds)

    def _start(self, job: Job) -> None:
        task = asyncio.create_task(self._run(job), name=f"job {job.key}")
        self._running[job.key] = task
        task.add_done_callback(lambda _: self._running.pop(job.key, None))

    async def _run(self, job: Job, here: Callable[[Progress], Coroutine[Any, Any, None]] | None = None) -> None:
        kind = self._kinds.get(job.kind)
        if kind is None:  # a newer release's kind on an older instance: leave it to one that knows it
            log.warning("job %s of unknown kind %s left for another instance", job.key, job.kind)
            await self._jobs.retry_later(job.key, self.holder, self._limits.work_lease_seconds)
            return
        progress = Progress(self._jobs, job, self.holder)
        work = asyncio.create_task(here(progress) if here is not None else kind.run(job, progress))
        beat = asyncio.create_task(self._renew(job, work))
        try:
            await work
        except Lost:
            log.warning("job %s was taken over by another instance: stopped here", job.key)
            return
        except asyncio.CancelledError:
            if beat.done() and not beat.cancelled() and beat.result() is False:  # the lease was lost: not ours
                log.warning("job %s lost its lease: stopped here", job.key)
                return
            work.cancel()
            raise
        except Retry as retry:
            log.info("job %s: %s; again in %.0f s", job.key, retry, retry.seconds)
            await self._settle(self._jobs.retry_later(job.key, self.holder, retry.seconds))
            return
        except Exception as exc:
            if job.attempts < kind.max_attempts:
                log.warning("job %s failed (run %d): %s", job.key, job.attempts, type(exc).__name__, exc_info=True)
                backoff = min(self._limits.work_lease_seconds * 2.0 ** (job.attempts - 1), MAX_BACKOFF_SECONDS)
                await self._settle(self._jobs.retry_later(job.key, self.holder, backoff))
                return
            log.error("job %s given up after %d runs", job.key, job.attempts, exc_info=True)
            try:
                await kind.give_up(job, exc)
            except Exception:  # whoever waits is not told (Slack down): still finished, or it would run forever
                log.exception("job %s: telling that it was given up failed", job.key)
            await self._settle(self._jobs.finish(job.key, self.holder, failed=True))
            return
        finally:
            beat.cancel()
        await self._settle(self._jobs.finish(job.key, self.holder))

    async def _renew(self, job: Job, work: asyncio.Task[None]) -> bool:
        """Renews the lease until `work` ends; False (and `work` cancelled) once the job is no longer ours."""
        every = self._limits.work_lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                held = await self._jobs.renew(job.key, self.holder, self._limits.work_lease_seconds)
            except StoreUnavailable:
                continue  # try again; if it stays down the lease runs out and another instance takes over
            if not held:
                work.cancel()
                return False

    async def _settle(self, call: Awaitable[None]) -> None:
        try:
            await call
        except StoreUnavailable as exc:  # the lease runs out, the job is resumed, its progress skips what was done
            log.warning("durable work: a job's outcome was not recorded: %s", exc)
