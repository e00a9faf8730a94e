"""A workspace the org's admins give the org-wide app (`team_access_granted`): its admins are invited, in a direct
message, to connect Leonar (the App Home shows them the same button). Done as a job (bot/durable): recorded before
the event is acknowledged, each admin told once even if the job is resumed."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.durable.runner import Kind, Progress
from bot.i18n import lang_of
from bot.services import Services
from bot.slack.installations import bot_client
from bot.slack.users import role_of
from bot.store import Workspace
from bot.store.jobs import Job
from bot.views.messages import welcome

log = logging.getLogger(__name__)
KIND = "welcome"
MAX_TOLD = 10  # admins told per workspace: owners first; the others see the App Home's button
PAGE = 200  # users.list's page, as Slack advises
MAX_PAGES = 50


class Welcome:
    def __init__(self, services: Services) -> None:
        self._services = services

    def kind(self) -> Kind:
        return Kind(self.run, self.give_up)

    async def run(self, job: Job, progress: Progress) -> None:
        enterprise = job.payload.get("enterprise")
        for team in job.payload.get("teams") or []:
            workspace = Workspace(enterprise, team)
            if await self._services.store.workspaces.get_connection(workspace) is not None:
                continue  # connected already (given back the app it had before): nothing to ask
            client = await bot_client(self._services.settings, self._services.store.installations, workspace)
            if client is None:
                log.warning("workspace %s was granted the app, but no installation serves it", workspace.key)
                continue
            for admin in await _admins(client, team):
                told = f"told:{team}:{admin['id']}"
                if progress.get(told):
                    continue
                message = welcome(lang_of(admin.get("locale")))
                try:
                    await client.chat_postMessage(channel=admin["id"], text=message["text"], blocks=message["blocks"])
                except SlackApiError as exc:
                    log.info("welcome not sent to an admin: %s", exc.response.get("error"))
                await progress.done(told)

    async def give_up(self, job: Job, error: BaseException) -> None:
        log.warning("granted workspaces %s: their admins were not all invited to connect Leonar (they see the App "
                    "Home's button)", job.payload.get("teams"))


async def _admins(client: AsyncWebClient, team: str) -> list[dict[str, Any]]:
    """The workspace's owners, then its admins: people, not deactivated, at most MAX_TOLD."""
    found: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(MAX_PAGES):
        page = await client.users_list(team_id=team, limit=PAGE, include_locale=True, cursor=cursor or None)
        found += [m for m in page.get("members") or [] if isinstance(m, dict) and m.get("id")
                  and role_of(m) == "admin" and not m.get("deleted") and not m.get("is_bot")]
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            break
    found.sort(key=lambda m: not (m.get("is_owner") or m.get("is_primary_owner")))
    return found[:MAX_TOLD]
