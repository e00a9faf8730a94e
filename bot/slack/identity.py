"""Which workspace a request belongs to: the installation's identity, never a field that names the acting person.

In a Slack Connect channel the person acting may come from another organisation: the payload's `team`,
`enterprise` and `user.team_id` are theirs, while the bot's installation (and the Leonar key) is ours. Bolt's
authorization found the installation from the payload; its result carries the installation's own enterprise and
team. An org-wide install (Enterprise Grid) is one installation for every workspace of the org, each with its own
Leonar key: there the workspace is the one the request was made in (the command's, or the one recorded in the
modal's metadata when it opened), within the installation's org.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.store import Workspace


def request_workspace(context: AsyncBoltContext, body: dict[str, Any], recorded: str | None) -> Workspace:
    """`recorded`: the workspace key a modal carries in its metadata, when the request comes from one."""
    result = context.authorize_result
    if result is not None:
        # An org-wide token has no workspace of its own (auth.test may name the org where a workspace would be).
        org_wide = bool(context.is_enterprise_install) or not result.team_id or result.team_id.startswith("E")
        enterprise = result.enterprise_id or (context.enterprise_id if org_wide else None)
        if not org_wide:
            return Workspace(enterprise, result.team_id)
        if enterprise:
            return Workspace(enterprise, _acting_team(context, body, enterprise, recorded))
    # Not authorized (the app_uninstalled and tokens_revoked events come after the token is gone): the envelope's ids.
    return Workspace(context.enterprise_id, context.team_id)


def _acting_team(
    context: AsyncBoltContext, body: dict[str, Any], enterprise_id: str, recorded: str | None
) -> str | None:
    if recorded and recorded.startswith(f"{enterprise_id}:"):
        team = recorded.split(":", 1)[1]
        return None if team == "-" else team
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    for candidate in (body.get("team_id"), (view or {}).get("team_id"), (body.get("team") or {}).get("id"),
                      context.team_id):
        # Workspace ids start with T; on Grid some payloads carry the org's E… id where a workspace is expected.
        if isinstance(candidate, str) and candidate.startswith("T"):
            return candidate
    return None

