"""Workspaces installing the app through Slack's OAuth flow, as a browser would, for the multi-workspace tests."""

from __future__ import annotations

import re

import httpx

from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.slack import FakeSlack

CLIENT_ID = "1111.2222"


def install(bot: RunningBot, slack: FakeSlack, team: str) -> str:
    """Go through /slack/install and /slack/oauth_redirect as a browser would; returns the team's bot token."""
    with httpx.Client(base_url=bot.url, trust_env=False) as browser:
        page = browser.get("/slack/install")
        assert page.status_code == 200
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
        assert link and f"client_id={CLIENT_ID}" in link.group(1)
        assert "scope=commands,chat:write,chat:write.public,users:read" in link.group(1).replace("%2C", ",")
        state = re.search(r"state=([^&\"]+)", link.group(1))
        assert state
        # The state cookie is Secure (https only): a browser would send it back over https; do so by hand.
        cookie = page.headers["set-cookie"].split(";")[0]
        assert cookie.startswith("slack-app-oauth-state=")
        slack.oauth_codes[f"code-{team}"] = team
        params = {"code": f"code-{team}", "state": state.group(1)}
        done = browser.get("/slack/oauth_redirect", params=params, headers={"Cookie": cookie})
        assert done.status_code == 200, done.text
        replay = browser.get("/slack/oauth_redirect", params=params, headers={"Cookie": cookie})
        assert replay.status_code != 200  # a state works once
        forged = browser.get("/slack/oauth_redirect", params={"code": "x", "state": "made-up"},
                             headers={"Cookie": "slack-app-oauth-state=made-up"})
        assert forged.status_code != 200  # and only a state the bot issued
    return next(token for token, owner in slack.token_teams.items() if owner == team)


def driver_for(bot: RunningBot, slack: FakeSlack, team: str) -> SlackDriver:
    user = f"U{team}"
    slack.users[user] = slack.make_user(user, admin=True) | {"team_id": team}
    return SlackDriver(bot.url, SIGNING_SECRET, slack, team_id=team, user_id=user, channel_id=f"C{team}")
