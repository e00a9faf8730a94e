"""Posting the candidate card where the user asked, with fallbacks so a card is never silently lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.i18n import Lang, t
from bot.store import StoreUnavailable, Workspace
from bot.store.cards import Cards
from bot.views.messages import not_in_channel_notice, undelivered_card, withheld_card

log = logging.getLogger(__name__)
NOT_A_MEMBER = {"not_in_channel", "channel_not_found"}
Posted = Callable[[str, str], Awaitable[None]]  # (channel, ts) of a card Slack accepted
RATE_LIMIT_RETRIES = 3
MAX_RETRY_AFTER = 30.0


async def deliver_card(
    client: AsyncWebClient,
    card: dict[str, Any],
    *,
    channel_id: str,
    user_id: str,
    response_urls: list[dict[str, Any]],
    command_channel_id: str | None,
    command_response_url: str | None,
    lang: Lang = "en",
    thread_ts: str | None = None,
    posted: Posted | None = None,
) -> str:
    """Post `card` in `channel_id` (in the thread `thread_ts`, when given); returns how it went out: "posted",
    "response_url", "ephemeral" or "dm". `posted` hears the card's channel and ts once Slack accepted it (only a
    chat.postMessage tells the ts: a card through a response_url or to the user alone is not heard)."""
    card = {**card, "thread_ts": thread_ts} if thread_ts else card
    error, ts = await _post_message(client, channel_id, card)
    if error is None:
        if posted is not None and ts:
            await posted(channel_id, ts)
        return "posted"
    log.info("chat.postMessage to %s failed: %s", channel_id, error)

    # A response_url of that very conversation posts there even where the bot is not a member: the command's
    # own when the card goes where the command was typed, then the one Slack gave the submit (fresh: a command's
    # expires after 30 minutes and 5 uses, and a modal can stay open longer).
    submitted = next((r.get("response_url") for r in response_urls if r.get("channel_id") == channel_id), None)
    here = [u for u in (command_response_url if channel_id == command_channel_id else None, submitted) if u]
    if error in NOT_A_MEMBER:
        for url in here:
            if await _post(url, {"response_type": "in_channel", **card}):
                await _post(url, not_in_channel_notice(channel_id, lang))
                return "response_url"

    reason = t(lang, "msg.not_member") if error in NOT_A_MEMBER else t(lang, "msg.slack_said", error=error)
    return await _to_the_user(client, user_id, [*here, command_response_url],
                              undelivered_card(channel_id, card, reason, lang))


async def deliver_privately(
    client: AsyncWebClient,
    card: dict[str, Any],
    *,
    channel_id: str,
    user_id: str,
    response_urls: list[dict[str, Any]],
    command_response_url: str | None,
    reason: str,
    lang: Lang = "en",
) -> str:
    """The card to the user alone, with why it was not posted in `channel_id` (shared with another organisation):
    an ephemeral message through a response_url, else a direct message. Returns how: "ephemeral", "dm" or "lost"."""
    submitted = [r.get("response_url") for r in response_urls]
    return await _to_the_user(client, user_id, [*submitted, command_response_url],
                              withheld_card(channel_id, card, reason, lang))


async def _to_the_user(client: AsyncWebClient, user_id: str, urls: list[str | None], message: dict[str, Any]) -> str:
    """`message` to the user alone: ephemeral through the first of `urls` that takes it, else a direct message (the
    last resort: the bot can always open one with the user). Returns "ephemeral", "dm" or "lost"."""
    for url in dict.fromkeys(urls):
        if url and await _post(url, message):
            return "ephemeral"
    try:
        await client.chat_postMessage(channel=user_id, text=message["text"], blocks=message["blocks"])
        return "dm"
    except SlackApiError as exc:
        log.error("candidate card could not be given to its user at all: %s", exc.response.get("error"))
        return "lost"


def card_recorder(cards: Cards, workspace: Workspace, contact_id: str) -> Posted:
    """Records a posted card (bot/store/cards.py). A store that fails costs the card its record, not its post."""
    async def record(channel_id: str, ts: str) -> None:
        try:
            await cards.record(workspace, channel_id, ts, contact_id)
        except StoreUnavailable as exc:
            log.warning("card posted but not recorded: %s", exc)

    return record


async def _post_message(client: AsyncWebClient, channel_id: str, card: dict[str, Any]) -> tuple[str | None, str]:
    """(Slack's error code, or None once posted; the posted message's ts). Rate limits are waited out: this runs
    after the ack."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            response = await client.chat_postMessage(channel=channel_id, unfurl_links=False, unfurl_media=False,
                                                     **card)
            return None, str(response.get("ts") or "")
        except SlackApiError as exc:
            if exc.response.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                return str(exc.response.get("error") or f"HTTP {exc.response.status_code}"), ""
            wait = _retry_after(exc.response.headers)
            log.info("chat.postMessage rate limited; retrying in %.0f s", wait)
            await asyncio.sleep(wait)
    return "ratelimited", ""


def _retry_after(headers: Any) -> float:
    try:
        seconds = float(next(v for k, v in dict(headers).items() if k.lower() == "retry-after"))
    except (StopIteration, TypeError, ValueError):
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


async def _post(url: str, body: dict[str, Any]) -> bool:
    try:
        response = await AsyncWebhookClient(url).send_dict(body)
    except Exception as exc:  # network failure to Slack: try the next route
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url post answered %s", response.status_code)
    return response.status_code == 200
