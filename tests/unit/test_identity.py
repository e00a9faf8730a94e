"""The workspace a request is for comes from the installation, whatever the acting person's payload says."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult

from bot.slack.identity import request_workspace
from bot.store import Workspace


def context(result: AuthorizeResult | None, **ids: Any) -> AsyncBoltContext:
    ctx = AsyncBoltContext(ids)
    if result is not None:
        ctx.set_authorize_result(result)
    return ctx


def installed(team: str | None, enterprise: str | None = None) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=enterprise, team_id=team, bot_token="xoxb-1", bot_user_id="UB", bot_id="B1")


CONNECT_SUBMISSION = {"type": "view_submission", "team": {"id": "T0THEIRS", "enterprise_id": "E0THEIRS"},
                      "enterprise": {"id": "E0THEIRS"}, "user": {"id": "U1", "team_id": "T0OURS"},
                      "view": {"team_id": "T0THEIRS", "app_installed_team_id": "T0OURS"}}


@pytest.mark.parametrize(("ctx", "body", "recorded", "expected"), [
    # a workspace install: the token's own workspace, whatever the payload's ids
    (context(installed("T0OURS"), team_id="T0OURS", enterprise_id="E0THEIRS"), CONNECT_SUBMISSION, None,
     Workspace(None, "T0OURS")),
    (context(installed("T1", "E1"), team_id="T1", enterprise_id="E1"), {"command": "/leonar-add"}, None,
     Workspace("E1", "T1")),
    # an org-wide install: the workspace the command was typed in, or the one the modal was opened for
    (context(installed(None, "E1"), team_id="T2", enterprise_id="E1", is_enterprise_install=True),
     {"command": "/leonar-add", "team_id": "T2"}, None, Workspace("E1", "T2")),
    (context(installed(None, "E1"), team_id="E1", enterprise_id="E1", is_enterprise_install=True),
     {"type": "block_suggestion", "team": None, "user": {"id": "U1", "team_id": "E1"}, "view": {"team_id": "T3"}},
     "E1:T3", Workspace("E1", "T3")),
    # ... never the org's E… id where a workspace belongs, nor a modal recorded for another org
    (context(installed("E1", "E1"), team_id="E1", enterprise_id="E1", is_enterprise_install=True),
     {"type": "block_actions", "team": None, "user": {"id": "U1", "team_id": "E1"}}, None, Workspace("E1", None)),
    (context(installed(None, "E1"), team_id="E1", enterprise_id="E1", is_enterprise_install=True),
     {"type": "block_actions", "user": {"team_id": "E1"}, "view": {"team_id": "T4"}}, "E9:T9",
     Workspace("E1", "T4")),
    # no authorization (uninstall events): the envelope's ids
    (context(None, team_id="T5", enterprise_id=None), {"type": "event_callback"}, None, Workspace(None, "T5")),
])
def test_the_workspace_is_the_installations(
    ctx: AsyncBoltContext, body: dict[str, Any], recorded: str | None, expected: Workspace
) -> None:
    assert request_workspace(ctx, body, recorded) == expected
