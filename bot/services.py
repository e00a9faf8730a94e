"""The long-lived objects listeners need, created once per process."""

from __future__ import annotations

from dataclasses import dataclass

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
