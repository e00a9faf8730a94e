"""The long-lived objects listeners need, created once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache

from bot.config import Settings
from bot.durable.runner import Runner
from bot.leonar import Leonar
from bot.slack.work_objects import Refusals
from bot.store import Store
from bot.store.cache import CHANNEL, Cache


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    leonar: Leonar
    # Work Slack was told was accepted (bot/durable): recorded with the ack, resumed after a crash, done once.
    runner: Runner
    # What Slack said of each conversation: shared with another organisation or not (bot/slack/channels.py).
    channels: ChannelMemory
    # Workspaces whose Slack app said Work Objects are off: their links unfurl the classic way for a while.
    work_objects: Refusals = field(default_factory=lambda: Refusals())
    # What Slack said of each person (bot/slack/users.py).
    people: People = field(default_factory=lambda: People())


class People:
    """What users.info said of each person, per workspace: their language (an hour), the answer the members-only
    gate may reuse (a minute), and who they were for the gate while Slack cannot say (KNOWN_SECONDS)."""

    KNOWN_SECONDS = 12 * 3600

    def __init__(self, size: int = 10_000) -> None:
        self.languages: TTLCache[tuple[str, str], str] = TTLCache(maxsize=size, ttl=3600)
        self.recent: TTLCache[tuple[str, str], Any] = TTLCache(maxsize=size, ttl=60)
        self.known: TTLCache[tuple[str, str], Any] = TTLCache(maxsize=size, ttl=self.KNOWN_SECONDS)


class ChannelMemory:
    """Whether each conversation is shared outside, as Slack last said, for `seconds`, in the store's cache: a change
    Slack tells one instance of (channel_shared, channel_unshared) is dropped on all of them (bot/store/cache.py)."""

    def __init__(self, cache: Cache, seconds: float = 3600.0) -> None:
        self._cache, self._seconds = cache, seconds

    def mark(self) -> int:
        """Taken before asking Slack: an answer that crossed a change is not kept (`put`)."""
        return self._cache.generation

    def get(self, workspace: str, channel_id: str) -> bool | None:
        found = self._cache.recall(CHANNEL, f"{workspace}|{channel_id}", self._seconds)
        return found if isinstance(found, bool) else None

    def put(self, workspace: str, channel_id: str, *, shared: bool, mark: int) -> None:
        self._cache.remember(CHANNEL, f"{workspace}|{channel_id}", shared, mark)
