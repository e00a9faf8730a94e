"""The follows the bot under test keeps, read and written from the test the way another process would: a store
on the same database (`bot/store/follows_open.py`), driven from synchronous test code."""

from __future__ import annotations

from bot.activity.follow import Follow, StopReason
from bot.store import open_store
from bot.store.follows import PollStatus
from bot.store.follows_open import open_follows
from bot.store.models import Workspace
from tests.support.blocking import Blocking

HERE = Workspace(enterprise_id=None, team_id="T0001")  # the fake Slack's workspace


class StoredFollows:
    def __init__(self, database_url: str, encryption_key: str | None) -> None:
        raw = open_store(database_url, encryption_key)
        self._store = Blocking(raw)  # closed after the test with every other store (conftest)
        self.store = open_follows(raw)

    def follows(self, workspace: Workspace, *, channel_id: str | None = None) -> list[Follow]:
        return self._store.run(self.store.list_follows(workspace, channel_id=channel_id))

    def add_follow(self, workspace: Workspace, follow: Follow) -> Follow:
        return self._store.run(self.store.add_follow(workspace, follow))

    def remove_follow(self, workspace: Workspace, follow_id: str) -> Follow | None:
        return self._store.run(self.store.remove_follow(workspace, follow_id))

    def stop_follows(self, workspace: Workspace, reason: StopReason, *, project_id: str | None = None,
                     channel_id: str | None = None) -> int:
        return self._store.run(self.store.stop_follows(workspace, reason, project_id=project_id,
                                                       channel_id=channel_id))

    def poll_status(self, workspace: Workspace) -> PollStatus | None:
        return self._store.run(self.store.poll_status(workspace))

    def report_poll(self, workspace: Workspace, status: PollStatus) -> None:
        """What the poller reports for the App Home."""
        self._store.run(self.store.save_poll_status(workspace, status))
