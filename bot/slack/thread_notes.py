"""Card threads saved as notes: in a channel whose admins opted in, a person's reply in the thread of one of the
bot's candidate cards becomes a note on that candidate in Leonar (author, date, a link back), marked ✓; an edit of
a saved reply updates its note, or adds a correction where Leonar cannot update one — never a second copy.

Slack sends the bot every message of the channels it is in (`message.channels`, `message.groups`). `reply_of`
reads only what tells a reply in a thread from everything else, before anything is stored or logged; `accept` then
keeps only replies to a recorded card (bot/store/cards.py) in an opted-in channel, by a person of the workspace (a
guest when admins allow guests). What is kept is a job (bot/durable), keyed by the event's id: recorded before Slack
is told the event arrived, done once whatever Slack redelivers and whichever instance survives
(`thread_note_saving.py`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.users import SlackUser, UserLookup
from bot.store import Workspace

log = logging.getLogger(__name__)
KIND = "thread_note"  # its jobs (bot/durable)
# A reply's own subtypes: a plain one, one also sent to the channel, one with a file (its words only are saved: the
# file is never fetched). Every other subtype (joins, bots, deletions…) is not a person's reply.
REPLY_SUBTYPES = (None, "thread_broadcast", "file_share")


@dataclass(frozen=True)
class Reply:
    channel: str
    ts: str
    thread_ts: str  # its card's ts
    user: str
    text: str
    edited: bool = False


def reply_of(event: dict[str, Any], bot_user_id: str | None) -> Reply | None:
    """The person's reply in a thread of a channel that `event` carries, new or edited; None for anything else
    (which the caller drops as it is). Bots, the bot itself and app messages are never replies."""
    if event.get("type") != "message" or event.get("channel_type") not in ("channel", "group", None):
        return None
    edited = event.get("subtype") == "message_changed"
    message = event.get("message") if edited else event
    if not isinstance(message, dict) or message.get("subtype") not in REPLY_SUBTYPES:
        return None
    if not edited and event.get("subtype") not in REPLY_SUBTYPES:
        return None
    user, channel = message.get("user"), event.get("channel")
    ts, thread_ts, text = message.get("ts"), message.get("thread_ts"), message.get("text")
    if message.get("bot_id") or message.get("bot_profile") or message.get("app_id") or not user or \
            user == bot_user_id:
        return None
    if not all(isinstance(v, str) and v for v in (user, channel, ts, thread_ts, text)) or ts == thread_ts:
        return None
    if edited and (event.get("previous_message") or {}).get("text") == text:
        return None  # a link unfurled, a reaction, a reply count: not the words
    if bot_user_id and str(text).lstrip().startswith(f"<@{bot_user_id}"):
        return None  # a request to the bot (@Leonar find …), answered as a mention: not about the candidate
    return Reply(str(channel), str(ts), str(thread_ts), str(user), str(text), edited)


async def accept(reply: Reply, event_id: str, services: Services, workspace: Workspace,
                 client: AsyncWebClient) -> str:
    """Keep the reply as a job when it is to be saved; returns why not (for a log line: never its text)."""
    store = services.store
    if not await store.thread_notes.on_in(workspace, reply.channel):
        return "channel not opted in"
    if await store.workspaces.get_connection(workspace) is None:
        return "not connected"  # nowhere to save it: not kept either
    if reply.edited:
        saved = await store.thread_notes.saved_reply(workspace, reply.channel, reply.ts)
        if saved is None:
            return "not a saved reply"
        contact_id = saved.contact_id
    else:
        found = await store.cards.contact_of(workspace, reply.channel, reply.thread_ts)
        if found is None:
            return "not a card thread"
        contact_id = found
    if (await services.leonar_for(workspace, reply.user)).must_link:
        # Admins require members' own keys and the author has none: not saved, and nothing said in the channel.
        log.info("a card thread reply by %s in %s was not saved: its author must link their own Leonar key",
                 reply.user, workspace.key)
        return "author must link their key"
    author = await _author(services, workspace, client, reply.user)
    if author is None:
        return "author not allowed"
    who, name = author
    accepted = await services.runner.accept(f"event:{event_id}", workspace, KIND, {
        "reply": asdict(reply), "contact": contact_id, "author": name, "lang": who.lang})
    return "accepted" if accepted else "accepted before"


async def _author(services: Services, workspace: Workspace, client: AsyncWebClient, user_id: str
                  ) -> tuple[SlackUser, str] | None:
    """The author, when one of the workspace's own people (a guest only when admins allow guests), and their
    name. Closed when Slack cannot say in time: the reply is not saved."""
    lookup = UserLookup(client, workspace, user_id, services.people, services.settings.limits.users_info_seconds)
    who = await lookup.recent()
    if who is None or who.role == "unknown":
        who = lookup.known()  # as Slack described them lately, if it did
    if who is None or not who.belongs_to(workspace):
        return None
    if who.role == "guest" and not (await services.store.workspaces.settings(workspace)).allow_guests:
        return None
    return who, who.name or user_id
