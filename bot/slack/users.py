"""Who the Slack user behind a request is: their role (admin, member, guest or unknown), whether they belong to the
installing workspace at all, and their language.

One users.info call (with the locale) answers all three, made at most once per request and only when a listener
asks. The language is cached for an hour. The role is asked again for every change of the connection (a demotion
must take effect at once); the gate that keeps guests and other organisations' people out may reuse an answer up
to a minute old, so menus do not wait for Slack at every keystroke.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import DEFAULT_LANG, Lang, lang_of
from bot.services import People
from bot.store import Workspace

Role = Literal["admin", "member", "guest", "unknown"]


@dataclass(frozen=True)
class SlackUser:
    id: str
    role: Role
    lang: Lang
    # Slack's error code when users.info failed (role "unknown"), e.g. missing_scope.
    error: str | None = None
    # Where the user belongs: their workspace, every workspace of theirs on Enterprise Grid, and their org.
    teams: frozenset[str] = field(default_factory=frozenset)
    enterprise_id: str | None = None
    # users.info's is_stranger: someone of another organisation who shares no channel with the app.
    stranger: bool = False
    # users.info's `tz` (IANA name): a follow's daily digest comes at an hour of the follower's day.
    tz: str | None = None
    # How Slack names them (real name, else display name, else handle): notes say who wrote what. Never an email.
    name: str | None = None

    @property
    def is_admin(self) -> bool:
        """Admins and owners may change the workspace's Leonar connection."""
        return self.role == "admin"

    def belongs_to(self, workspace: Workspace) -> bool:
        """Whether the user is one of the workspace's own people (for an org-wide install: of the org)."""
        if self.stranger or self.role == "unknown":
            return False
        if workspace.team_id is None:
            return workspace.enterprise_id is not None and self.enterprise_id == workspace.enterprise_id
        return workspace.team_id in self.teams


def role_of(info: dict[str, Any]) -> Role:
    if any(info.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner")):
        return "admin"
    if info.get("is_restricted") or info.get("is_ultra_restricted"):
        return "guest"
    return "member"


def user_of(info: dict[str, Any]) -> SlackUser:
    grid = info.get("enterprise_user") or {}
    teams = {str(t) for t in (info.get("team_id"), *(grid.get("teams") or [])) if t}
    return SlackUser(str(info.get("id") or ""), role_of(info), lang_of(info.get("locale")), teams=frozenset(teams),
                     enterprise_id=grid.get("enterprise_id"), stranger=bool(info.get("is_stranger")),
                     tz=str(info["tz"]) if info.get("tz") else None, name=_name(info))


async def names_of(client: AsyncWebClient, workspace: Workspace, user_ids: Iterable[str], people: People,
                   deadline: float) -> dict[str, str]:
    """Each person's name by user_of's rule (never an email), for a note read in Leonar where `<@U…>` means
    nothing: asked of Slack for all at once within `deadline`, not asked again for one described within the last
    minute. An id Slack does not name in time is left out (it stays an id)."""

    async def one(user_id: str) -> tuple[str, str | None]:
        found = await UserLookup(client, workspace, user_id, people, deadline).recent()
        return user_id, found.name if found is not None else None

    return {user_id: name for user_id, name in await asyncio.gather(*map(one, dict.fromkeys(user_ids))) if name}


def _name(info: dict[str, Any]) -> str | None:
    profile = info.get("profile") or {}
    for found in (profile.get("real_name"), info.get("real_name"), profile.get("display_name"), info.get("name")):
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None


class UserLookup:
    """The user behind one request. `user()` calls users.info once however often it is awaited.

    users.info is awaited before some acks (the members-only gate, help, options), which must stay within Slack's
    3 s: past `deadline` seconds (Limits.users_info_seconds) the request goes on without it.
    """

    def __init__(self, client: AsyncWebClient, workspace: Workspace, user_id: str | None, people: People,
                 deadline: float) -> None:
        self._client = client
        self._workspace = workspace
        self._user_id = user_id
        self._people = people
        self._key = (workspace.key, user_id or "")
        self._wait = deadline
        self._info: asyncio.Future[SlackUser] | None = None
        self._deadline: float | None = None

    async def user(self) -> SlackUser:
        if self._info is None:
            self._info = asyncio.ensure_future(self._fetch())
        # Shielded: a lang() that gives up at its deadline leaves the call running for a later user().
        return await asyncio.shield(self._info)

    async def recent(self) -> SlackUser | None:
        """The user as Slack described them less than a minute ago, else asked now: for the members-only gate,
        never for a change of the connection. None when Slack did not answer within the request's deadline."""
        cached: SlackUser | None = self._people.recent.get(self._key)
        return cached if cached is not None else await self._in_time()

    async def _in_time(self) -> SlackUser | None:
        # One deadline per request, however many ask: the gate and the language lookup must not add up.
        loop = asyncio.get_running_loop()
        if self._deadline is None:
            self._deadline = loop.time() + self._wait
        try:
            return await asyncio.wait_for(self.user(), max(0.0, self._deadline - loop.time()))
        except TimeoutError:
            return None

    def known(self) -> SlackUser | None:
        """The user as Slack last described them, within People.KNOWN_SECONDS, without asking it now: while Slack
        cannot say, who it described lately keeps their access as it was then (bot/slack/access.py)."""
        found: SlackUser | None = self._people.known.get(self._key)
        return found

    def known_lang(self) -> Lang:
        """The language Slack told lately, without asking it now (for an answer that cannot wait)."""
        return lang_of(self._people.languages.get(self._key))

    async def lang(self) -> Lang:
        """French for a French Slack locale, else English; English when Slack cannot tell in time."""
        if not self._user_id:
            return DEFAULT_LANG
        cached = self._people.languages.get(self._key)
        if cached is not None:
            return lang_of(cached)
        found = await self._in_time()
        return found.lang if found is not None else DEFAULT_LANG

    async def _fetch(self) -> SlackUser:
        user_id = self._user_id or ""
        if not user_id:
            return SlackUser(user_id, "unknown", DEFAULT_LANG, error="no_user")
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            # e.g. an install without users:read, or Slack down: no rights, rather than no answer
            return SlackUser(user_id, "unknown", self.known_lang(),
                             error=str(exc.response.get("error") or "slack_error"))
        except (SlackClientError, OSError, TimeoutError) as exc:
            return SlackUser(user_id, "unknown", self.known_lang(), error=type(exc).__name__)
        found = user_of({"id": user_id, **(response.get("user") or {})})
        self._people.languages[self._key] = found.lang
        self._people.recent[self._key] = self._people.known[self._key] = found
        return found
