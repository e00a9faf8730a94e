"""An in-memory `FollowStore` (bot/store/follows.py) for tests: dict-backed, with the protocol's semantics, and
safe to read from the test's thread while the bot's event loop writes to it.

`poll_status` is what the poller reports; here a test reports it (`report_poll`), as the poller would.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace

from bot.activity.follow import Follow, StopReason
from bot.store.follows import FollowStore, PollStatus
from bot.store.models import Workspace

HERE = Workspace(enterprise_id=None, team_id="T0001")  # the fake Slack's workspace


class MemoryFollows:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._follows: dict[str, list[Follow]] = {}  # workspace key -> follows, oldest first
        self._status: dict[str, PollStatus] = {}

    async def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        with self._lock:
            made = replace(follow, id=f"f{next(self._ids)}")
            kept = [f for f in self._follows.get(workspace.key, [])
                    if (f.channel_id, f.project_id) != (follow.channel_id, follow.project_id)]
            self._follows[workspace.key] = [*kept, made]
            return made

    async def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        return self.follows(workspace, channel_id=channel_id)

    async def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        with self._lock:
            follows = self._follows.get(workspace.key, [])
            found = next((f for f in follows if f.id == follow_id), None)
            if found is not None:
                follows.remove(found)
            return found

    async def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                           channel_id: str | None = None) -> int:
        with self._lock:
            follows = self._follows.get(workspace.key, [])
            stopped = 0
            for n, follow in enumerate(follows):
                if follow.stopped is None and project_id in (None, follow.project_id) \
                        and channel_id in (None, follow.channel_id):
                    follows[n] = replace(follow, stopped=reason)
                    stopped += 1
            return stopped

    async def poll_status(self, workspace: Workspace) -> PollStatus | None:
        with self._lock:
            return self._status.get(workspace.key)

    # ----------------------------------------------------------------- for the tests (any thread)
    def follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        with self._lock:
            return [f for f in self._follows.get(workspace.key, []) if channel_id in (None, f.channel_id)]

    def report_poll(self, workspace: Workspace, status: PollStatus) -> None:
        with self._lock:
            self._status[workspace.key] = status


def _conforms(store: MemoryFollows) -> FollowStore:
    return store  # mypy checks that the class meets the protocol
