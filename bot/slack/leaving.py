"""What leaving means in each of Slack's envelopes: which workspaces' data (Leonar key, installation, settings,
recent adds, last projects) to delete.

- `app_uninstalled` / `tokens_revoked` (bot tokens): the installation that left. An org-wide install (Enterprise
  Grid: `is_enterprise_install`, no workspace) takes every workspace of its org with it.
- `app_uninstalled_team`: the workspace it names (an org's E… id for the whole org).
- `team_access_revoked` (org-wide installs): each workspace the org's admins removed the app from.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.durable.runner import Kind, Progress
from bot.services import Services
from bot.store import Workspace
from bot.store.jobs import Job
from bot.store.poll_state import workspace_of

log = logging.getLogger(__name__)
KIND = "leave"  # its jobs (bot/durable)
# The job's own workspace: none, so that forgetting the workspaces that left does not forget the job with them.
NOWHERE = Workspace(None, None)


def left_by(context: dict[str, Any], body: dict[str, Any]) -> tuple[list[Workspace], list[str]]:
    """The workspaces, and the enterprises (all their workspaces), that an uninstall event removes."""
    event = body.get("event") or {}
    kind = event.get("type")
    enterprise = _enterprise(context, body)
    if kind == "app_uninstalled_team":
        team = event.get("team_id")
        if isinstance(team, str) and team.startswith("E"):
            return [], [team]
        return ([Workspace(enterprise, team)] if team else []), []
    if kind == "team_access_revoked":
        return [Workspace(enterprise, team) for team in event.get("team_ids") or [] if isinstance(team, str)], []
    if _org_wide(context, body) and enterprise:
        return [], [enterprise]
    team = context.get("team_id") or body.get("team_id")
    return ([Workspace(enterprise, team)] if team or enterprise else []), []


def _enterprise(context: dict[str, Any], body: dict[str, Any]) -> str | None:
    authorization = (body.get("authorizations") or [{}])[0] or {}
    found = context.get("enterprise_id") or body.get("enterprise_id") or authorization.get("enterprise_id")
    return str(found) if found else None


def _org_wide(context: dict[str, Any], body: dict[str, Any]) -> bool:
    authorization = (body.get("authorizations") or [{}])[0] or {}
    return bool(context.get("is_enterprise_install") or body.get("is_enterprise_install")
                or authorization.get("is_enterprise_install"))


class Leaving:
    """Forgetting what an uninstall event names, as a job: recorded before the event is acknowledged, so a crash
    right after the ack does not leave a departed workspace's key and data behind."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up)

    async def run(self, job: Job, progress: Progress) -> None:
        store, why = self._services.store.workspaces, job.payload.get("event")
        for key in job.payload.get("workspaces") or []:
            if await store.forget(workspace_of(key)):
                log.info("deleted everything kept for workspace %s: %s", key, why)
        for enterprise in job.payload.get("enterprises") or []:
            for workspace in await store.forget_enterprise(enterprise):
                log.info("deleted everything kept for workspace %s (org %s): %s", workspace.key, enterprise, why)

    async def give_up(self, job: Job, error: BaseException) -> None:
        log.error("a workspace that left could not be forgotten (%s): it is forgotten at its next uninstall event "
                  "or by an admin's disconnect", job.payload.get("workspaces") or job.payload.get("enterprises"))
