"""Follows of Leonar projects by Slack channels (pipeline activity, bot/activity), as the Slack side sees them.

The Slack side (commands, the follow form, unfollow buttons, the App Home) uses only `FollowStore`; the poller's
own persistence (snapshots, leases, posted keys, digest events) lives beside it, in the same database, on the
same connection or pool as the rest of the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.activity.follow import Follow, StopReason
from bot.store.models import Workspace


@dataclass(frozen=True)
class PollStatus:
    """How a workspace's followed projects are polled now, for the App Home: `interval_seconds` between polls of
    each project, `stretched` when LEONAR_POLL_BUDGET made it longer than LEONAR_POLL_SECONDS."""

    interval_seconds: float
    stretched: bool
    projects: int


class FollowStore(Protocol):
    # A new follow (its `id` assigned here). The same project followed again in the same channel replaces the
    # earlier follow (a changed filter or delivery), keeping what the poller knows of the project.
    async def add_follow(self, workspace: Workspace, follow: Follow) -> Follow: ...
    # The workspace's follows, oldest first; of one channel when `channel_id` is given. Stopped ones included.
    async def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]: ...
    # The follow removed, or None when it is not (or no longer) this workspace's.
    async def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None: ...
    # Stop follows for good (the App Home says why): all of the workspace's, or a project's, or a channel's.
    async def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                           channel_id: str | None = None) -> int: ...
    # None before the first poll of the workspace's projects.
    async def poll_status(self, workspace: Workspace) -> PollStatus | None: ...
