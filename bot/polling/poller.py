"""The poller: every tick (Limits.poll_tick_seconds), the followed projects that are due, each under its lease,
one Leonar read per project for every channel following it (the steps are bot/activity's docstring).

Backoff: a 429, Leonar down or a 5xx leaves the snapshot where it was (no event lost: the next poll reads the same
changes again) and puts the project's next poll 2^failures intervals later (at most MAX_BACKOFF_SECONDS), or at
the key's reset after a 429. Stops for good (the follow's `stopped`, shown on the App Home): the key deleted
(DISCONNECTED, nothing polls it again), invalid or without pipeline:read; the project archived or gone; Slack
saying the channel is archived or gone, or the bot not in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bot.activity import budget, digest, events, waiting, weekly
from bot.activity.events import Event
from bot.activity.follow import Delivery, StopReason
from bot.activity.stages import Board
from bot.config import Settings
from bot.leonar import (
    InsufficientScope,
    InvalidApiKey,
    Leonar,
    LeonarClient,
    LeonarError,
    NotFound,
    Project,
    RateLimited,
)
from bot.leonar.changes import ChangedEntries
from bot.leonar.links import project_url
from bot.observability.metrics import ACTIVITY_EVENTS, ACTIVITY_POSTS, POLLS
from bot.polling.slack_post import SlackPoster
from bot.slack import channels
from bot.store import Store
from bot.store.models import Workspace
from bot.store.poll_state import Followed, Outgoing, PollResult, PollStatus
from bot.views.activity import activity_post, digest_post, waiting_post
from bot.views.weekly import weekly_post

log = logging.getLogger(__name__)
FULL_SCAN_EVERY = 30  # every so many polls, a full scan: the only reading that shows removals
# A lease lasts two intervals from its last renewal (each poll renews it, one interval and at most a tick later):
# a dead holder's projects are taken over within two intervals and one tick.
LEASE_INTERVALS = 2
MAX_BACKOFF_SECONDS = 3600.0
CONCURRENCY = 8  # projects polled at once by one instance


class Poller:
    def __init__(self, settings: Settings, store: Store, leonar: Leonar, poster: SlackPoster,
                 *, clock: Callable[[], datetime] = lambda: datetime.now(UTC), holder: str | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self._settings, self._leonar = settings, leonar
        self._workspaces, self._follows = store.workspaces, store.follows
        self.poster = poster
        self._clock = clock  # digests' moments (injected by tests)
        self._now = now  # the schedule's: when projects are due (tests run it faster than the wall clock)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stopping = asyncio.Event()
        self._intervals: dict[str, float] = {}  # per workspace key, the last interval computed
        self._task: asyncio.Task[None] | None = None
        self._leased: set[tuple[Workspace, str]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="activity-poller")

    async def stop(self, timeout: float) -> None:
        """Stop polling; the projects this instance holds are released, so another takes them at once."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout)
            except TimeoutError:
                log.warning("the poller did not stop within %.0f s", timeout)
        for workspace, project_id in list(self._leased):
            try:
                await self._follows.release(workspace, project_id, self.holder)
            except Exception:  # shutting down: a lease left behind expires on its own
                log.info("a project's lease could not be released")

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:  # the poller must outlive a bad tick (store down, a bug): log and go on
                log.exception("a poll tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.tick_seconds)

    async def tick(self) -> None:
        due = await self._follows.due_projects(self._now())
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(workspace: Workspace, project_id: str) -> None:
            async with slots:
                if not self._stopping.is_set():
                    await self.poll_project(workspace, project_id)

        for failure in await asyncio.gather(*(one(w, p) for w, p in due), return_exceptions=True):
            if isinstance(failure, Exception):  # one project's trouble (the store) does not stop the others
                log.warning("polling a project failed: %s", type(failure).__name__)

    @property
    def tick_seconds(self) -> float:
        """How often due projects are looked for, at most (each is polled at its own interval)."""
        return min(self._settings.limits.poll_tick_seconds, self._settings.leonar_poll_seconds / 4)

    def interval(self, workspace: Workspace) -> float:
        return self._intervals.get(workspace.key, self._settings.leonar_poll_seconds)

    async def poll_project(self, workspace: Workspace, project_id: str) -> None:
        lease = self.interval(workspace) * LEASE_INTERVALS
        if not await self._follows.lease(workspace, project_id, self.holder, lease):
            self._leased.discard((workspace, project_id))
            return
        self._leased.add((workspace, project_id))
        try:
            await self._poll(workspace, project_id)
        except LeonarError as exc:
            await self._failed(workspace, project_id, exc)
        finally:
            await self.deliver(workspace, project_id)

    async def _stop(self, workspace: Workspace, reason: StopReason, project_id: str | None = None) -> None:
        stopped = await self._follows.stop_follows(workspace, reason, project_id=project_id)
        POLLS.labels("stopped").inc()
        log.info("activity follows stopped: %s (%d)", reason.value, stopped)

    async def _poll(self, workspace: Workspace, project_id: str) -> None:
        connection = await self._workspaces.get_connection(workspace)
        if connection is None:  # disconnected: nothing polls a deleted key
            await self._stop(workspace, StopReason.DISCONNECTED)
            return
        client = self._leonar.client(connection.api_key)  # the workspace's key: no member drives a poll
        if client.budget.blocked():
            await self._postpone(workspace, project_id, float(client.budget.reset_at or self._now() + 60))
            POLLS.labels("backoff").inc()
            return
        follows = await self._follows.active_follows(workspace, project_id)
        if not follows:
            return
        try:
            project = await client.get_project(project_id)
        except NotFound:
            await self._stop(workspace, StopReason.PROJECT_GONE, project_id)
            return
        if project.status == "archived":
            await self._stop(workspace, StopReason.PROJECT_ARCHIVED, project_id)
            return
        board = Board(project.stages)
        state = await self._follows.project_state(workspace, project_id)
        settings = await self._workspaces.settings(workspace)
        await self._digests(workspace, project, board, follows, settings.leonar_slug)
        full = state.snapshot is None or state.polls % FULL_SCAN_EVERY == 0
        since = None if full else (state.since or events.next_since(state.snapshot or {}))
        read = await client.entries_changed_since(project_id, since)
        found = events.diff(project_id, state.snapshot, read.entries, board, full_scan=read.full_scan)
        next_since = events.next_since(found.snapshot) if read.complete else since
        interval = await self._plan(workspace, client, len(found.snapshot))
        posts: list[Outgoing] = []
        saved: list[tuple[str, str, dict[str, object]]] = []
        alerted: list[tuple[str, str, str | None]] = []
        url = project_url(settings.leonar_slug, project.id)
        # A full read (cut by the page cap on a huge project: the pulse then counts with Leonar's stage counts).
        reports = self._weekly(project, follows, read, found.snapshot, url, whole=read.full_scan or since is None)
        posts += [post for post, _ in reports if post is not None]
        for follow, _, _ in follows:
            if follow.filter.waiting_days:  # from the snapshot and the reading: no request of its own
                marks = await self._follows.waiting_marks(follow.id)
                now = self._clock()
                late = waiting.overdue(found.snapshot, read.entries, board, days=follow.filter.waiting_days,
                                       now=now, alerted=marks)
                if late:
                    payload = waiting_post(project.name, late, follow.filter.waiting_days, now, follow.lang, url=url)
                    posts.append(Outgoing(waiting.alert_key(follow.id, late), follow.id, follow.channel_id,
                                          payload | {"kind": "waiting"}))
                    alerted += [(follow.id, w.entry_id, w.mark) for w in late]
                if read.full_scan:  # candidates gone from the project: their marks go too
                    alerted += [(follow.id, entry_id, None) for entry_id in marks.keys() - found.snapshot.keys()]
            selected = follow.filter.select(found.events, board)
            if follow.delivery is Delivery.DIGEST:
                saved += [(follow.id, event.key, event.to_json()) for event in selected]
            elif (batch := digest.batch(selected)) is not None:
                where = await self.poster.reach(workspace, follow.channel_id)  # no emails or phones outside
                payload = activity_post(project.name, batch, follow.lang,
                                        details=channels.details_allowed(where, settings),
                                        url=url)
                posts.append(Outgoing(batch.post_key(follow.id), follow.id, follow.channel_id, payload))
        result = PollResult(found.snapshot, next_since, self._now() + interval, posts, saved, alerted,
                            [due for _, due in reports])
        if not await self._follows.save_poll(workspace, project_id, self.holder, result):
            POLLS.labels("lost_lease").inc()
            return
        for event in found.events:
            ACTIVITY_EVENTS.labels(event.kind.value).inc()
        POLLS.labels("seeded" if found.seeded else "changed" if found.events else "unchanged").inc()

    def _weekly(self, project: Project, follows: list[Followed], read: ChangedEntries, snapshot: events.Snapshot,
                url: str | None, *, whole: bool) -> list[tuple[Outgoing | None, tuple[str, float]]]:
        """The weekly reports due (bot/activity/weekly.py), each with the Monday it reports: built from a full
        scan's reading only (every entry, names included), so a report due waits for the next full scan; a new
        follow's first report is the next Monday's (its last one is recorded as the latest, without a post)."""
        now = self._clock()
        found: list[tuple[Outgoing | None, tuple[str, float]]] = []
        for follow, _, before in follows:
            if not follow.filter.weekly:
                continue
            due = weekly.previous_weekly_at(follow.time_zone, now)
            if before is None:
                found.append((None, (follow.id, due.timestamp())))
            elif due.timestamp() > before and whole:
                state = weekly.report(project, read.entries, now, snapshot, complete=read.complete)
                payload = weekly_post(state, follow.lang, url=url) | {"kind": "weekly"}
                found.append((Outgoing(weekly.weekly_key(follow.id, due), follow.id, follow.channel_id, payload),
                              (follow.id, due.timestamp())))
        return found

    async def _plan(self, workspace: Workspace, client: LeonarClient, entries: int) -> float:
        """This workspace's interval: LEONAR_POLL_SECONDS stretched to stay within LEONAR_POLL_BUDGET of the
        key's hourly limit (as Leonar last said it), for all the projects the workspace follows."""
        projects = await self._follows.count_projects(workspace)
        # The entries' pages, and the project (its stages: cached 5 min, counted as if read at every poll, so the
        # budget holds whatever the interval).
        last, cost = client.budget.last, budget.requests_per_poll(entries, full_scan_every=FULL_SCAN_EVERY) + 1
        plan = budget.poll_interval(base_seconds=self._settings.leonar_poll_seconds,
                                    budget=self._settings.leonar_poll_budget, projects=projects,
                                    hourly_limit=last.limit if last else None,
                                    requests_per_poll=cost)
        if self._intervals.get(workspace.key) != plan.seconds:
            await self._follows.save_poll_status(workspace, PollStatus(plan.seconds, plan.stretched, projects))
        self._intervals[workspace.key] = plan.seconds
        return plan.seconds

    async def _digests(self, workspace: Workspace, project: Project, board: Board,
                       follows: list[Followed], slug: str | None) -> None:
        now = self._clock()
        for follow, last, _ in follows:
            if follow.delivery is not Delivery.DIGEST or follow.digest_hour is None:
                continue
            latest = digest.previous_digest_at(follow.digest_hour, follow.time_zone, now)
            if last is None:  # a new follow: its first digest is the next one
                await self._follows.close_digest(workspace, project.id, self.holder, follow.id, latest, None)
                continue
            if latest <= last:
                continue
            day = [Event.from_json(e) for e in await self._follows.digest_events(follow.id)]
            url = project_url(slug, project.id)
            payload = digest_post(project.name, digest.digest_counts(day, board), latest, follow.lang, url=url)
            post = None if payload is None else Outgoing(digest.digest_key(follow.id, latest), follow.id,
                                                         follow.channel_id, payload | {"kind": "digest"})
            await self._follows.close_digest(workspace, project.id, self.holder, follow.id, latest, post)

    async def deliver(self, workspace: Workspace, project_id: str) -> None:
        """The project's outbox, oldest first: each message posted, then marked (bot/store/poll_state.py)."""
        for post in await self._follows.pending_posts(workspace, project_id):
            # Still ours (and renewed): an instance that stalled past its lease leaves the outbox to its successor.
            if not await self._follows.lease(workspace, project_id, self.holder,
                                             self.interval(workspace) * LEASE_INTERVALS):
                return
            kind = str(post.payload.get("kind") or "live")
            outcome = await self.poster.post(workspace, post.channel_id, {k: post.payload[k] for k in
                                                                          ("text", "blocks")})
            if outcome.posted:
                await self._follows.posted(post.key, delivered=True)
                ACTIVITY_POSTS.labels(kind, "posted").inc()
            elif outcome.stop is not None:
                await self._follows.stop_follows(workspace, outcome.stop,
                                                 channel_id=None if outcome.everywhere else post.channel_id)
                await self._follows.posted(post.key, delivered=False)
                ACTIVITY_POSTS.labels(kind, "dropped").inc()
            elif outcome.drop:
                await self._follows.posted(post.key, delivered=False)
                ACTIVITY_POSTS.labels(kind, "dropped").inc()
            else:  # Slack down or rate limited, or no installation yet: the next poll tries again
                ACTIVITY_POSTS.labels(kind, "retry").inc()
                return

    async def _failed(self, workspace: Workspace, project_id: str, exc: LeonarError) -> None:
        if isinstance(exc, InvalidApiKey):
            await self._stop(workspace, StopReason.KEY_INVALID)
            return
        if isinstance(exc, InsufficientScope):
            await self._stop(workspace, StopReason.SCOPE_MISSING)
            return
        state = await self._follows.project_state(workspace, project_id)
        failures = state.failures + 1
        delay = min(MAX_BACKOFF_SECONDS, self.interval(workspace) * 2 ** min(failures, 12))
        until = self._now() + delay
        if isinstance(exc, RateLimited) and exc.reset_at:
            until = max(until, float(exc.reset_at))
        log.info("polling a project failed (%s): next try in %.0f s", exc.code, until - self._now())
        POLLS.labels("backoff").inc()
        await self._follows.postpone(workspace, project_id, self.holder, until, failures)

    async def _postpone(self, workspace: Workspace, project_id: str, until: float) -> None:
        state = await self._follows.project_state(workspace, project_id)
        await self._follows.postpone(workspace, project_id, self.holder, until, state.failures)
