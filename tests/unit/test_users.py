"""The Slack user behind a request: role from users.info's flags, one call however often it is asked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.limits import Limits
from bot.services import People
from bot.slack.users import UserLookup, role_of, user_of
from bot.store import Workspace

DEADLINE = Limits().users_info_seconds


@pytest.mark.parametrize(("flags", "role"), [
    ({"is_admin": True}, "admin"), ({"is_owner": True}, "admin"), ({"is_primary_owner": True}, "admin"),
    ({"is_restricted": True}, "guest"), ({"is_ultra_restricted": True}, "guest"), ({}, "member"),
    ({"is_admin": False, "is_restricted": False}, "member"),
])
def test_role_of_users_info_flags(flags: dict[str, Any], role: str) -> None:
    assert role_of(flags) == role


class Slack:
    """Stands in for AsyncWebClient.users_info: counts calls, answers after `delay`, or fails."""

    def __init__(self, user: dict[str, Any] | None = None, *, delay: float = 0.0, error: str | None = None) -> None:
        self.user, self.delay, self.error, self.calls = user or {}, delay, error, 0

    async def users_info(self, *, user: str, include_locale: bool) -> AsyncSlackResponse:
        self.calls += 1
        await asyncio.sleep(self.delay)
        data = {"ok": self.error is None, "user": self.user} if self.error is None else {"ok": False,
                                                                                         "error": self.error}
        response = AsyncSlackResponse(client=None, http_verb="POST", api_url="users.info", req_args={}, data=data,
                                      headers={}, status_code=200)
        if self.error:
            raise SlackApiError("failed", response)
        return response


async def test_one_users_info_per_request_however_often_asked() -> None:
    people = People()
    slack = Slack({"id": "U1", "is_admin": True, "locale": "fr-FR"})
    lookup = UserLookup(slack, Workspace(None, "T-one"), "U1", people, DEADLINE)  # type: ignore[arg-type]
    first, second, lang = await asyncio.gather(lookup.user(), lookup.user(), lookup.lang())
    assert first == second and first.is_admin and first.lang == lang == "fr"
    assert slack.calls == 1


async def test_the_language_is_remembered_but_the_role_is_asked_again() -> None:
    people = People()
    slack = Slack({"id": "U2", "is_admin": True, "locale": "fr-FR"})
    await UserLookup(slack, Workspace(None, "T-two"), "U2", people, DEADLINE).user()  # type: ignore[arg-type]
    slack.user = {"id": "U2", "is_admin": False, "locale": "fr-FR"}  # demoted meanwhile
    later = UserLookup(slack, Workspace(None, "T-two"), "U2", people, DEADLINE)  # type: ignore[arg-type]
    assert await later.lang() == "fr" and slack.calls == 1  # from the cache
    assert (await later.user()).role == "member" and slack.calls == 2


async def test_a_slow_slack_gives_english_in_time_and_the_role_later() -> None:
    people = People()
    slack = Slack({"id": "U3", "is_admin": True, "locale": "fr-FR"}, delay=0.3)
    lookup = UserLookup(slack, Workspace(None, "T-three"), "U3", people, 0.1)  # type: ignore[arg-type]
    assert await lookup.lang() == "en"  # bounded by the deadline, before Slack answers
    assert await lookup.recent() is None  # the same deadline: the gate and the language do not add up
    assert (await lookup.user()).is_admin and slack.calls == 1  # the same call, finished


async def test_a_failed_users_info_is_an_unknown_role_not_an_admin() -> None:
    people = People()
    slack = Slack(error="missing_scope")
    who = await UserLookup(slack, Workspace(None, "T-four"), "U4", people, DEADLINE).user()  # type: ignore[arg-type]
    assert who.role == "unknown" and not who.is_admin and who.error == "missing_scope" and who.lang == "en"


@pytest.mark.parametrize(("info", "workspace", "belongs"), [
    ({"team_id": "T1"}, Workspace(None, "T1"), True),
    ({"team_id": "T2"}, Workspace(None, "T1"), False),  # Slack Connect: another organisation's member
    ({"team_id": "T1", "is_stranger": True}, Workspace(None, "T1"), False),
    ({"team_id": "T2", "enterprise_user": {"enterprise_id": "E1", "teams": ["T1", "T2"]}}, Workspace("E1", "T1"), True),
    ({"team_id": "T2", "enterprise_user": {"enterprise_id": "E1", "teams": ["T2"]}}, Workspace("E1", "T1"), False),
    ({"team_id": "E1", "enterprise_user": {"enterprise_id": "E1", "teams": ["T3"]}}, Workspace("E1", None), True),
    ({"team_id": "T9", "enterprise_user": {"enterprise_id": "E9", "teams": ["T9"]}}, Workspace("E1", None), False),
])
def test_who_belongs_to_the_installing_workspace(info: dict[str, Any], workspace: Workspace, belongs: bool) -> None:
    assert user_of({"id": "U1", **info}).belongs_to(workspace) is belongs


async def test_the_gate_may_reuse_a_recent_answer() -> None:
    people = People()
    slack = Slack({"id": "U5", "is_restricted": True})
    await UserLookup(slack, Workspace(None, "T-five"), "U5", people, DEADLINE).user()  # type: ignore[arg-type]
    again = await UserLookup(slack, Workspace(None, "T-five"), "U5", people, DEADLINE).recent()  # type: ignore[arg-type]
    assert again is not None and again.role == "guest" and slack.calls == 1


async def test_while_slack_cannot_say_who_it_described_lately_is_still_known() -> None:
    """Issue 18 B: who Slack described in the last hours keeps their access as it was (bot/slack/access.py)."""
    people = People()
    await UserLookup(Slack({"id": "U6", "is_restricted": True}), Workspace(None, "T6"), "U6",  # type: ignore[arg-type]
                     people, DEADLINE).user()
    down = Slack(error="fatal_error")
    later = UserLookup(down, Workspace(None, "T6"), "U6", people, DEADLINE)  # type: ignore[arg-type]
    assert (await later.user()).role == "unknown"
    known = later.known()
    assert known is not None and known.role == "guest"
    never_seen = UserLookup(down, Workspace(None, "T6"), "U7", people, DEADLINE)  # type: ignore[arg-type]
    assert never_seen.known() is None


async def test_who_slack_described_more_than_twelve_hours_ago_is_no_longer_known() -> None:
    """The other side of the above: past People.KNOWN_SECONDS, an old description no longer stands in for Slack."""
    people = People()
    now = [0.0]
    people.known = TTLCache(10, People.KNOWN_SECONDS, timer=lambda: now[0])  # a clock the test moves
    await UserLookup(Slack({"id": "U8", "is_admin": True}), Workspace(None, "T8"), "U8",  # type: ignore[arg-type]
                     people, DEADLINE).user()
    down = UserLookup(Slack(error="fatal_error"), Workspace(None, "T8"), "U8", people, DEADLINE)  # type: ignore[arg-type]
    assert (await down.user()).role == "unknown"
    now[0] = People.KNOWN_SECONDS - 1  # still within the 12 hours
    known = down.known()
    assert known is not None and known.is_admin
    now[0] = People.KNOWN_SECONDS + 1
    assert down.known() is None
