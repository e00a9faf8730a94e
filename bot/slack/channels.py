"""Whether a conversation is shared with another organisation (Slack Connect): cards and activity posts go there
only when an admin allowed it, and never with emails or phone numbers (Slack asks apps to confirm before sharing
sensitive data outside; the card's privacy rule).

Slack says it with `conversations.info` (`is_ext_shared`, `is_pending_ext_shared`; scopes `channels:read` and
`groups:read`), kept per workspace and channel for an hour (`Services.channels`) and kept current by the
`channel_shared` and `channel_unshared` events, which the instance Slack sends them to announces to the others.
When Slack cannot say (a private conversation the bot is not in, the scopes not yet approved, Slack down), the
answer is "cannot tell", which the callers treat as shared: closed when in doubt.
"""

from __future__ import annotations

import asyncio
import logging
from enum import Enum

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import ChannelMemory
from bot.store import Workspace, WorkspaceSettings

log = logging.getLogger(__name__)


class Reach(Enum):
    INTERNAL = "internal"  # the workspace's (or its org's) own people only
    SHARED = "shared"  # shared with another organisation, or about to be
    HIDDEN = "hidden"  # a private conversation (or a DM) the bot is not in: Slack will not describe it
    UNKNOWN = "unknown"  # Slack could not say (its scopes not approved, Slack down)


async def reach(client: AsyncWebClient, memory: ChannelMemory, workspace: Workspace, channel_id: str, *,
                timeout: float | None = None) -> Reach:
    """`timeout`: before an ack, Slack's answer is waited for this long at most (then: cannot tell)."""
    return (await examine(client, memory, workspace, channel_id, timeout=timeout))[0]


async def examine(client: AsyncWebClient, memory: ChannelMemory, workspace: Workspace, channel_id: str, *,
                  timeout: float | None = None) -> tuple[Reach, str | None]:
    """The channel's reach, and the error Slack gave when it could not say (a revoked token is said here first)."""
    if channel_id.startswith(("U", "W")):
        return Reach.INTERNAL, None  # a user id: the bot's own direct message with that person
    known = memory.get(workspace.key, channel_id)
    if known is not None:
        return (Reach.SHARED if known else Reach.INTERNAL), None
    mark = memory.mark()
    try:
        info = await asyncio.wait_for(client.conversations_info(channel=channel_id), timeout)
        channel = info.get("channel") or {}
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        log.info("cannot tell whether %s is shared outside: %s", channel_id, error)
        return (Reach.HIDDEN if error == "channel_not_found" else Reach.UNKNOWN), error
    except (SlackClientError, OSError, TimeoutError) as exc:
        log.info("cannot tell whether %s is shared outside: %s", channel_id, type(exc).__name__)
        return Reach.UNKNOWN, None
    shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
    memory.put(workspace.key, channel_id, shared=shared, mark=mark)
    return (Reach.SHARED if shared else Reach.INTERNAL), None


def refusal(where: Reach, settings: WorkspaceSettings) -> str | None:
    """Why nothing about a candidate may be posted there (a catalog key), or None when it may."""
    if where is Reach.INTERNAL or (where is Reach.SHARED and settings.allow_shared_channels):
        return None
    return {Reach.SHARED: "channels.shared", Reach.HIDDEN: "channels.hidden"}.get(where, "channels.unknown")


def details_allowed(where: Reach, settings: WorkspaceSettings) -> bool:
    """Emails and phone numbers: where the admins let cards show them, and never outside the organisation."""
    return settings.show_contact_details and where is Reach.INTERNAL
