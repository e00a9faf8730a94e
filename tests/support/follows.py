"""The follows the bot under test keeps, read and written from the test the way another process would: a store on
the same database, driven from synchronous test code."""

from __future__ import annotations

from bot.activity.follow import Follow, StopReason
from bot.store.models import Workspace
from bot.store.poll_state import PollStatus
from tests.support.blocking import open_blocking

HERE = Workspace(enterprise_id=None, team_id="T0001")  # the fake Slack's workspace


class StoredFollows:
    def __init__(self, database_url: str, encryption_key: str | None) -> None:
        # Closed after the test with every other store (conftest).
        self._follows = open_blocking(database_url, encryption_key).follows

    def follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        return list(self._follows.list_follows(workspace, channel_id=channel_id))

    def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        added: Follow = self._follows.add_follow(workspace, follow)
        return added

    def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        removed: Follow | None = self._follows.remove_follow(workspace, follow_id)
        return removed

    def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                     channel_id: str | None = None) -> int:
        return int(self._follows.stop_follows(workspace, reason, project_id=project_id, channel_id=channel_id))

    def poll_status(self, workspace: Workspace) -> PollStatus | None:
        status: PollStatus | None = self._follows.poll_status(workspace)
        return status

    def report_poll(self, workspace: Workspace, status: PollStatus) -> None:
        """What the poller reports for the App Home."""
        self._follows.save_poll_status(workspace, status)
