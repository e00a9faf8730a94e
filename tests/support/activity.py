"""The activity poller against the fakes, in the test's own event loop: the real store (SQLite or PostgreSQL), the
real Leonar client over HTTP to the fake Leonar, real chat.postMessage calls to the fake Slack. Ticks are driven
by the test (`until`, `intervals`), on a schedule clock of the test's that each tick moves on by the poller's
own tick period (so polls come as often, in ticks, as in production, without waiting for them); the digests'
clock is the test's too. Leases keep the database's clock. A measure of real time (bench P6's move → post) gives
the poller the wall clock instead (`now=time.time`) and lets it tick by itself (`poller.start()`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from bot.activity.follow import Delivery, Follow, FollowFilter
from bot.config import Settings
from bot.leonar import Leonar
from bot.polling.poller import FULL_SCAN_EVERY, Poller
from bot.polling.slack_post import SlackPoster
from bot.services import ChannelMemory
from bot.store import Store, Workspace, open_store
from bot.store.follows import Follows
from bot.store.workspaces import Workspaces
from tests.support.bot import BOT_TOKEN, LEONAR_KEY, make_settings
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

ACME = Workspace(None, "T0001")
CHANNEL = "C0FOLLOW"


class Schedule:
    """The poller's schedule clock (epoch seconds): moved on by the test, from the time the rig started."""

    def __init__(self) -> None:
        self.at = time.time()

    def __call__(self) -> float:
        return self.at


SECRET = Fernet.generate_key().decode()  # the activity tests' ENCRYPTION_KEY


class Clock:
    """The digests' clock: real time unless set."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)


class Rig:
    def __init__(self, slack: FakeSlack, leonar: FakeLeonar, database_url: str, *, poll_seconds: float = 0.05,
                 encryption_key: str, holder: str | None = None, now: Callable[[], float] | None = None) -> None:
        self.slack, self.fake = slack, leonar
        self.settings: Settings = make_settings(slack, leonar, Path("unused.db"), database_url=database_url,
                                                encryption_key=encryption_key, leonar_poll_seconds=poll_seconds)
        self.clock = Clock()
        self.schedule = Schedule()
        self._holder = holder
        self._now = now or self.schedule

    async def __aenter__(self) -> Rig:
        self.opened: Store = open_store(self.settings.database_url, self.settings.encryption_key.get_secret_value()
                                        if self.settings.encryption_key else None)
        self.store: Workspaces = self.opened.workspaces
        self.follows: Follows = self.opened.follows
        self.leonar = Leonar(self.settings.leonar_api_url)
        self.session = aiohttp.ClientSession()
        poster = SlackPoster(self.settings, self.opened, ChannelMemory(self.opened.cache), self.session)
        self.poller = Poller(self.settings, self.opened, self.leonar, poster, clock=self.clock, holder=self._holder,
                             now=self._now)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()
        await self.leonar.aclose()
        await self.opened.close()

    async def connect(self, key: str = LEONAR_KEY) -> None:
        await self.store.save_connection(ACME, key, "U0001")

    async def follow(self, project: dict[str, Any], *, channel: str = CHANNEL, what: FollowFilter | None = None,
                     delivery: Delivery = Delivery.LIVE, hour: int | None = None, tz: str | None = None,
                     lang: str = "en") -> Follow:
        return await self.follows.add_follow(ACME, Follow("", channel, project["id"], project["name"], "U0001",
                                                          what or FollowFilter(), delivery, hour, tz, lang))

    async def until(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        """Ticks of the poller until `done()` (`timeout`: real seconds)."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the poller never got there"
            await self._tick()

    async def intervals(self, count: float) -> None:
        """Ticks for `count` poll intervals of the schedule, whatever happens (to show that nothing more does)."""
        end = self.schedule.at + count * self.settings.leonar_poll_seconds
        while self.schedule.at < end:
            await self._tick()

    async def _tick(self) -> None:
        # Moving the schedule would not move a poller on another clock: its ticks would count nothing.
        assert self._now is self.schedule, "this rig's poller keeps its own time: start it instead"
        await self.poller.tick()
        self.schedule.at += self.poller.tick_seconds
        # What the tick set off (a connection closing) gets its turn, and the fakes' threads the GIL: a test that
        # waits for real time (Leonar's rate-limit reset) must not spin.
        await asyncio.sleep(0.001)

    def posts(self, channel: str = CHANNEL) -> list[dict[str, Any]]:
        return [c.body for c in self.slack.calls_to("chat.postMessage") if c.body.get("channel") == channel]

    def entry_reads(self) -> int:
        return self.fake.count("GET", r"/projects/[^/]+/entries")


def posted_text(post: dict[str, Any]) -> str:
    import json

    blocks = post.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)


__all__ = ["ACME", "BOT_TOKEN", "CHANNEL", "SECRET", "Clock", "Rig", "full_scans", "posted_text"]


async def full_scans(rig: Rig, project_id: str, count: int = 1, timeout: float = 30.0) -> None:
    """Polls until `count` more full scans were made (each reads every entry, names included): counted by the
    project's polls, so a poll backed off on a loaded machine does not make the test miss one."""
    start = (await rig.follows.project_state(ACME, project_id)).polls
    last_full = -(-start // FULL_SCAN_EVERY) * FULL_SCAN_EVERY + (count - 1) * FULL_SCAN_EVERY
    deadline = time.monotonic() + timeout
    while (await rig.follows.project_state(ACME, project_id)).polls <= last_full:
        assert time.monotonic() < deadline, "the poller never got there"
        await rig.intervals(1)
