"""Posting an activity message with the bot token of the follow's workspace.

Single-workspace mode: SLACK_BOT_TOKEN. OAuth mode: the workspace's installation, read through the same
installation store as Bolt's authorize (bot/store/slack_installations.py). What Slack answers decides what the
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
from bot.store import Store
from bot.store.models import Workspace
from bot.store.slack_installations import SlackInstallations

log = logging.getLogger(__name__)
STOPS = {"channel_not_found": StopReason.CHANNEL_ARCHIVED, "is_archived": StopReason.CHANNEL_ARCHIVED,
         "not_in_channel": StopReason.NOT_IN_CHANNEL}
# Errors after which this message can never be posted: it is dropped (and logged), the follow goes on.
HOPELESS = frozenset({"invalid_blocks", "msg_too_long", "no_text", "invalid_arguments", "too_many_attachments"})


@dataclass(frozen=True)
class Outcome:
    posted: bool = False
    stop: StopReason | None = None  # the follow (of that channel) stops for good
    drop: bool = False  # this message can never be posted
    uninstalled: bool = False  # no token for the workspace: nothing can be posted there


class SlackPoster:
    def __init__(self, settings: Settings, store: Store, session: aiohttp.ClientSession | None = None) -> None:
        self._settings = settings
        self._installations = SlackInstallations(store)
        self.session = session

    async def _token(self, workspace: Workspace) -> str | None:
        if not self._settings.oauth:
            token = self._settings.slack_bot_token
            return token.get_secret_value() if token else None
        bot = await self._installations.async_find_bot(enterprise_id=workspace.enterprise_id,
                                                       team_id=workspace.team_id,
                                                       is_enterprise_install=workspace.team_id is None)
        return bot.bot_token if bot is not None else None

    async def post(self, workspace: Workspace, channel_id: str, payload: dict[str, Any]) -> Outcome:
        token = await self._token(workspace)
        if token is None:
            return Outcome(uninstalled=True)
        # A stalled post ends (Limits.poll_post_seconds): the lease is checked again before the next one. (slack_sdk
        # types the timeout int; it is aiohttp's, and a test's shrunk limits are fractions of a second.)
        client = AsyncWebClient(token=token, base_url=self._settings.slack_api_url, session=self.session,
                                timeout=self._settings.limits.poll_post_seconds)  # type: ignore[arg-type]
        try:
            await client.chat_postMessage(channel=channel_id, text=payload["text"], blocks=payload["blocks"],
                                          unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in STOPS:
                return Outcome(stop=STOPS[error])
            if error in ("account_inactive", "invalid_auth", "token_revoked"):
                return Outcome(uninstalled=True)
            log.warning("an activity post failed: %s", error)
            return Outcome(drop=error in HOPELESS)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("an activity post could not reach Slack: %s", type(exc).__name__)
            return Outcome()
        return Outcome(posted=True)
