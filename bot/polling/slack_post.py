"""Posting an activity message with the bot token of the follow's workspace.

Single-workspace mode: SLACK_BOT_TOKEN. OAuth mode: the workspace's installation, read through the same
installation store as Bolt's authorize (bot/slack/installations.py). What Slack answers decides what the
poller does with the message: posted; stop the follow (the channel is gone, archived, or the bot is not in it);
or try again at the next poll (rate limited, Slack down).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.activity.follow import StopReason
from bot.config import Settings
from bot.services import ChannelMemory
from bot.slack import channels
from bot.slack.installations import bot_client
from bot.store import Store
from bot.store.models import Workspace

log = logging.getLogger(__name__)
# Final for the follows of that channel: never retried.
STOPS = {"channel_not_found": StopReason.CHANNEL_ARCHIVED, "is_archived": StopReason.CHANNEL_ARCHIVED,
         "not_in_channel": StopReason.NOT_IN_CHANNEL}
# Final for every follow of the workspace: its token can no longer post anywhere there.
WORKSPACE_STOPS = {"team_access_not_granted": StopReason.SLACK_ACCESS, "account_inactive": StopReason.SLACK_ACCESS,
                   "invalid_auth": StopReason.SLACK_ACCESS, "token_revoked": StopReason.SLACK_ACCESS,
                   "missing_scope": StopReason.SLACK_SCOPE}
# Errors after which this message can never be posted: it is dropped (and logged), the follow goes on.
HOPELESS = frozenset({"invalid_blocks", "msg_too_long", "no_text", "invalid_arguments", "too_many_attachments"})


@dataclass(frozen=True)
class Outcome:
    posted: bool = False
    stop: StopReason | None = None  # the follows of that channel stop for good (`everywhere`: of the workspace)
    everywhere: bool = False
    drop: bool = False  # this message can never be posted


class SlackPoster:
    def __init__(self, settings: Settings, store: Store, memory: ChannelMemory,
                 session: aiohttp.ClientSession | None = None) -> None:
        self._settings = settings
        self._installations, self._workspaces = store.installations, store.workspaces
        self._memory = memory
        self.session = session

    async def reach(self, workspace: Workspace, channel_id: str) -> channels.Reach:
        """Whether the channel is shared with another organisation (bot/slack/channels.py)."""
        client = await self._client(workspace)
        if client is None:
            return channels.Reach.UNKNOWN
        return await channels.reach(client, self._memory, workspace, channel_id)

    async def _client(self, workspace: Workspace) -> AsyncWebClient | None:
        # A stalled post ends (Limits.poll_post_seconds): the lease is checked again before the next one.
        return await bot_client(self._settings, self._installations, workspace, session=self.session,
                                timeout=self._settings.limits.poll_post_seconds)

    async def post(self, workspace: Workspace, channel_id: str, payload: dict[str, Any]) -> Outcome:
        client = await self._client(workspace)
        if client is None:  # no installation (OAuth): the app left the workspace
            return Outcome(stop=StopReason.SLACK_ACCESS, everywhere=True)
        where, error = await channels.examine(client, self._memory, workspace, channel_id)
        if where is channels.Reach.UNKNOWN:
            if error in WORKSPACE_STOPS and error != "missing_scope":
                # The token is dead (conversations.info is the first call to say so): as a refused post would.
                log.warning("activity posts stop in a workspace: Slack said %s", error)
                return Outcome(stop=WORKSPACE_STOPS[error], everywhere=True)
            # Slack did not say (yet; or channels:read awaits a reinstall, README): the next poll asks again.
            return Outcome()
        if where is channels.Reach.SHARED and not (await self._workspaces.settings(workspace)).allow_shared_channels:
            log.info("an activity post withheld: the channel is shared with another organisation")
            return Outcome(stop=StopReason.SHARED_CHANNEL)
        try:
            await client.chat_postMessage(channel=channel_id, text=payload["text"], blocks=payload["blocks"],
                                          unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in STOPS:
                return Outcome(stop=STOPS[error])
            if error in WORKSPACE_STOPS:
                log.warning("activity posts stop in a workspace: Slack said %s", error)
                return Outcome(stop=WORKSPACE_STOPS[error], everywhere=True)
            log.warning("an activity post failed: %s", error)
            return Outcome(drop=error in HOPELESS)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("an activity post could not reach Slack: %s", type(exc).__name__)
            return Outcome()
        return Outcome(posted=True)
