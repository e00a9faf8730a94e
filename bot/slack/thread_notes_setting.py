"""`/leonar-add thread-notes on|off`: an admin opts the channel the command is typed in in or out of card threads
saved as notes (bot/slack/thread_notes.py). Slack sends the bot a channel's messages only where it is a member
(chat:write.public lets it post cards elsewhere): turning it on says so when the bot is not in the channel."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.users import SlackUser
from bot.store import Workspace
from bot.views import admin
from bot.views import thread_notes as views

log = logging.getLogger(__name__)
WORDS = {"on": True, "off": False}


async def switch(client: AsyncWebClient, services: Services, workspace: Workspace, who: SlackUser, channel: str,
                 word: str) -> dict[str, Any]:
    """The command's answer: the setting changed (admins only), or where it stands (`word` empty or unknown)."""
    if not channel or channel.startswith("D"):
        return views.not_a_channel(who.lang)
    store = services.store.thread_notes
    on = WORDS.get(word.lower())
    if on is None:
        return views.status(channel, on=await store.on_in(workspace, channel), lang=who.lang)
    if who.role == "unknown":
        return admin.role_unknown(str(who.error), who.lang)
    if not who.is_admin:
        return views.admins_only(who.lang)
    await store.turn(workspace, channel, on=on, by=who.id)
    return views.turned(channel, on=on, member=not on or await _member(client, channel), lang=who.lang)


async def _member(client: AsyncWebClient, channel: str) -> bool:
    """Whether the bot is in the channel; True when Slack cannot say (no advice is better than a wrong one)."""
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        return bool(exc.response.get("error") != "channel_not_found")  # a private channel the bot is not in
    except (SlackClientError, OSError):
        return True
    return bool((info.get("channel") or {}).get("is_member", True))
