"""A reviewer's answer to a feedback request (a Yes / Maybe / No button, or the comment form), and the requester's
App Home buttons (Close, Remind now).

Who may answer: a reviewer the request names or, for a channel, a member of that channel, as Slack says now
(conversations.members). The request is looked up in the workspace the click came from, so another workspace's
click finds nothing; a closed request takes no answer (checked in the answer's own transaction, with the workspace). A
refused answer saves nothing and starts nothing. Guests and people of another organisation pass the access gate
only as the workspace's settings allow (bot/slack/access.py); the request was only sent to them then.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.feedback import schedule
from bot.i18n import t
from bot.observability import requests
from bot.slack.context import must_link, services, user, workspace
from bot.slack.feedback_jobs import NOTE, REMIND_NOW, FeedbackWork, missing, note_key, note_payload
from bot.slack.whose_key import unavailable
from bot.store.feedback import FeedbackRequest
from bot.views.feedback import AnswerRef
from bot.views.metadata import json_object

log = logging.getLogger(__name__)
MEMBER_PAGES = 50  # conversations.members pages of 200: a channel of up to 10,000 people
REFUSED, CLOSED, SLOW = "feedback.refused", "feedback.refused_closed", "feedback.refused_slow"
# Admins require members' own Leonar keys and the reviewer has not linked theirs: the answer would be noted in Leonar
# as nobody's, so it is not taken until they link it (`said` tells them how).
LINK_FIRST = "member.link_first"
STORE_SHARE = 0.7  # seconds of a click's answer budget kept for saving the answer and its note's job


async def may_answer(client: AsyncWebClient, request: FeedbackRequest, user_id: str, channel_id: str) -> bool:
    if user_id in request.reviewers:
        return True
    if not request.channel or channel_id != request.channel:
        return False
    cursor = None
    for _ in range(MEMBER_PAGES):
        try:
            page = await client.conversations_members(channel=request.channel, limit=200, cursor=cursor)
        except SlackApiError as exc:
            log.info("feedback answer refused: members of the channel unknown (%s)", exc.response.get("error"))
            return False
        if user_id in (page.get("members") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return False


async def refusal(client: AsyncWebClient, context: dict[str, Any], ref: AnswerRef, user_id: str, channel_id: str
                  ) -> tuple[str | None, FeedbackRequest | None]:
    """(why the answer is refused, a catalog key, or None; the request when there is one)."""
    request = await services(context).store.feedback.get(workspace(context), ref.request_id)
    if request is None or request.candidate(ref.contact_id) is None:
        log.warning("feedback answer refused: no such request or candidate in %s", workspace(context).key)
        return REFUSED, None
    # Before the ack (the answer is saved then): what Slack takes to list a channel's members is bounded by what is
    # left of the click's answer budget, less the store's writes.
    limits = services(context).settings.limits
    try:
        async with asyncio.timeout(max(0.1, limits.answer_seconds - requests.elapsed() - STORE_SHARE)):
            allowed = await may_answer(client, request, user_id, channel_id)
    except TimeoutError:
        log.warning("feedback answer refused: the channel's members not listed in time")
        return SLOW, request
    if not allowed:
        log.warning("feedback answer refused: %s is not a reviewer of %s", user_id, request.id)
        return REFUSED, request
    return None, request


async def answer(client: AsyncWebClient, context: dict[str, Any], ref: AnswerRef, user_id: str, channel_id: str,
                 comment: str | None = None) -> str | None:
    """Saves the answer and accepts its note (durably, once per answer version); returns why it was refused."""
    # Someone of another organisation (a shared channel) can link no key here: admins requiring members' own keys
    # does not concern them; their answer is noted with the workspace's key, as before.
    outsider = not (await user(context)).belongs_to(workspace(context))
    if must_link(context) and not outsider:
        log.info("feedback answer refused: the reviewer must link their own Leonar key first")
        return LINK_FIRST
    why, request = await refusal(client, context, ref, user_id, channel_id)
    if why is not None or request is None or ref.verdict is None:
        return why or REFUSED
    found, here = services(context), workspace(context)
    saved = await found.store.feedback.answer(here, request.id, ref.contact_id, user_id, ref.verdict, comment,
                                              schedule.now())
    if saved is None:  # the same answer again (nothing to note), or closed meanwhile
        again = await found.store.feedback.get(here, request.id)
        return CLOSED if again is None or again.closed_at is not None else None
    await found.runner.accept(note_key(request.id, saved), here, NOTE,
                              note_payload(request.id, saved, outsider=outsider))
    return None


def said(context: dict[str, Any], lang: str, why: str, *, plain: bool = False) -> str:
    """What the reviewer is told of a refused answer (`plain`: in a form's inline error)."""
    return unavailable(context, lang, plain=plain) if why == LINK_FIRST else t(lang, why)


def comment_metadata(context: dict[str, Any], ref: AnswerRef, channel_id: str) -> str:
    """The comment form's private_metadata: the workspace (the access gate checks it), the request, the candidate,
    the conversation it was asked in."""
    return json.dumps({"workspace": workspace(context).key, "request": ref.request_id, "contact": ref.contact_id,
                       "channel_id": channel_id})


def read_comment_metadata(raw: str | None) -> tuple[AnswerRef, str] | None:
    data = json_object(raw)
    if not data.get("request") or not data.get("contact"):
        return None
    return AnswerRef(str(data["request"]), str(data["contact"])), str(data.get("channel_id") or "")


async def close(client: AsyncWebClient, context: dict[str, Any], request_id: str, user_id: str) -> bool:
    """Closed by its requester: every request message says so, without buttons. False for anyone else."""
    found, here = services(context), workspace(context)
    if not await found.store.feedback.close(here, request_id, user_id, schedule.now()):
        log.warning("feedback close refused: %s did not ask %s, or it is closed", user_id, request_id)
        return False
    request = await found.store.feedback.get(here, request_id)
    if request is not None:
        await FeedbackWork(found).show_tally(client, request)
    return True


async def remind_now(context: dict[str, Any], request_id: str, user_id: str, click: str) -> bool:
    """The reminders of a Remind now click, recorded as work (posted once each, after a restart too); False when
    refused. `click`: the click's action_ts, which a redelivery repeats."""
    found, here = services(context), workspace(context)
    request = await found.store.feedback.get(here, request_id)
    if request is None or request.requester != user_id or request.closed_at is not None:
        log.warning("feedback reminder refused: %s did not ask %s, or it is closed", user_id, request_id)
        return False
    reviewers = missing(request, await found.store.feedback.answers(request.id))
    await found.runner.accept(f"feedback-remind-now:{request_id}:{click or uuid.uuid4().hex}", here, REMIND_NOW,
                              {"request": request_id, "reviewers": reviewers})
    return True
