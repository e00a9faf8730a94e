"""The long-lived objects listeners need, created once per process."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache, TTLCache

from bot.config import Settings
from bot.durable.runner import Runner
from bot.leonar import Leonar
from bot.store import Store


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    leonar: Leonar
    # Work Slack was told was accepted (bot/durable): recorded with the ack, resumed after a crash, done once.
    runner: Runner
    # What Slack said of each conversation: shared with another organisation or not (bot/slack/channels.py).
    channels: ChannelMemory = field(default_factory=lambda: ChannelMemory())
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
    """Whether each conversation is shared outside, as Slack last said, for `seconds` (events keep it current)."""

    def __init__(self, seconds: float = 3600.0, size: int = 10_000) -> None:
        self._seconds = seconds
        self._known: LRUCache[tuple[str, str], tuple[float, bool]] = LRUCache(maxsize=size)

    def get(self, workspace: str, channel_id: str) -> bool | None:
        found = self._known.get((workspace, channel_id))
        return found[1] if found is not None and time.monotonic() - found[0] < self._seconds else None

    def put(self, workspace: str, channel_id: str, *, shared: bool) -> None:
        self._known[(workspace, channel_id)] = (time.monotonic(), shared)

    def forget(self, workspace: str, channel_id: str) -> None:
        """Slack said the channel's sharing changed (channel_shared, channel_unshared): asked again at next use."""
        self._known.pop((workspace, channel_id), None)
