"""The follows of a build whose database does not store them yet: every call fails as a database that cannot be
reached would (`StoreUnavailable`), so the follow form says so and the App Home leaves its section out.

The SQLite and PostgreSQL stores implement `FollowStore` on the pipeline-activity store branch; the app uses
theirs once merged (`app.create_services`), and this file goes.
"""

from __future__ import annotations

from typing import NoReturn

from bot.activity.follow import Follow, StopReason
from bot.store.follows import PollStatus
from bot.store.models import StoreUnavailable, Workspace


class UnstoredFollows:
    @staticmethod
    def _fail() -> NoReturn:
        raise StoreUnavailable("this build's database does not store follows")

    async def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        self._fail()

    async def list_follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        self._fail()

    async def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        self._fail()

    async def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                           channel_id: str | None = None) -> int:
        self._fail()

    async def poll_status(self, workspace: Workspace) -> PollStatus | None:
        self._fail()
