"""The long-lived objects listeners need, created once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache

from bot.config import Settings
from bot.durable.runner import Runner
from bot.leonar import Leonar, LeonarClient
from bot.store import Store, Workspace
from bot.store.cache import CHANNEL, Cache
from bot.views.member_keys import app_home_url


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
    # The Slack app this process serves, as its requests name it: for links to its Home tab.
    slack_app: SlackApp = field(default_factory=lambda: SlackApp())

    async def leonar_for(self, workspace: Workspace, user_id: str | None) -> KeyChoice:
        """Whose Leonar key `user_id`'s calls use: their own when they linked one (Leonar then attributes the work to
        them, applies their permissions and counts it against their key's budget), else the workspace's — unless an
        admin requires members' own keys. None as the user: work no person drives (the poller), the workspace's."""
        connection = await self.store.workspaces.get_connection(workspace)
        if connection is None:  # disconnected by an admin: no Leonar for anyone, linked members included
            return KeyChoice(None)
        if user_id:
            own = await self.store.member_keys.get(workspace, user_id)
            if own is not None:
                return KeyChoice(self.leonar.client(own.api_key, user_id=user_id), personal=True)
            if (await self.store.workspaces.settings(workspace)).require_member_keys:
                return KeyChoice(None, must_link=True)
        return KeyChoice(self.leonar.client(connection.api_key, user_id=user_id))


@dataclass(frozen=True)
class KeyChoice:
    client: LeonarClient | None  # None: no key to use (not connected, or the member must link theirs first)
    personal: bool = False  # the member's own linked key
    must_link: bool = False  # admins require members' own keys and this member has none linked


class SlackApp:
    """The Slack app this process serves, one per deployment (one signing secret): its id, learnt from the requests
    that name it (`api_app_id`), for links to its Home tab. Work resumed after a restart before any request came
    names the Home tab without a link."""

    def __init__(self) -> None:
        self.app_id: str | None = None

    def learn(self, app_id: Any) -> None:
        if isinstance(app_id, str) and app_id:
            self.app_id = app_id

    def home_url(self, team_id: str | None) -> str | None:
        """The app's Home tab in `team_id`'s Slack client; None while the app's id is not known."""
        return app_home_url(team_id, self.app_id) if team_id and self.app_id else None


class People:
    """What users.info said of each person, per workspace: their language (an hour), the answer the members-only
    gate may reuse (a minute), and who they were for the gate while Slack cannot say (KNOWN_SECONDS)."""

    KNOWN_SECONDS = 12 * 3600

    def __init__(self, size: int = 10_000) -> None:
        self.languages: TTLCache[tuple[str, str], str] = TTLCache(maxsize=size, ttl=3600)
        self.recent: TTLCache[tuple[str, str], Any] = TTLCache(maxsize=size, ttl=60)
        self.known: TTLCache[tuple[str, str], Any] = TTLCache(maxsize=size, ttl=self.KNOWN_SECONDS)


class Refusals:
    """Workspaces whose Slack app said Work Objects are off (`feature_not_enabled`), remembered `seconds`: their links
    unfurl the classic way at once instead of paying a failing call each time (bot/slack/work_objects.py)."""

    def __init__(self, seconds: float = 3600.0, size: int = 10_000) -> None:
        self._off: TTLCache[str, bool] = TTLCache(maxsize=size, ttl=seconds)

    def off(self, workspace: str) -> bool:
        return workspace in self._off

    def turned_off(self, workspace: str) -> None:
        self._off[workspace] = True


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
