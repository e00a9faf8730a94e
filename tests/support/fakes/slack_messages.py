"""The fake Slack's conversations as far as messages go: what was posted (by people, declared with `post`, and by
the bot), threads read with `conversations.replies` (pages by `cursor`, the parent first on every page, as Slack
does), `chat.getPermalink` and `reactions.add`, with Slack's errors for each; and the `message` events Slack sends
an app subscribed to `message.channels` / `message.groups` (`said`, and `edit` for the `message_changed` subtype;
docs.slack.dev/reference/events/message, research slack-platform-3 §4).

Reading history needs the bot in the conversation and the history scope of its kind (`channels:history` for a
public channel, `groups:history` for a private one): a public channel the bot is not in answers `not_in_channel`,
a private one it is not in `channel_not_found`. Reacting needs `reactions:write` and, likewise, membership
(public channels included: chat:write.public covers posting only); an emoji name that is not one is
`invalid_name`, the bot's own reaction again `already_reacted`.
"""

from __future__ import annotations

import copy
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fakes.slack import FakeSlack

JSON = dict[str, Any]
# Every bot scope the app may ask for; a test takes one away to see Slack's missing_scope.
ALL_SCOPES = frozenset({"commands", "chat:write", "chat:write.public", "users:read", "links:read", "links:write",
                        "channels:read", "groups:read", "channels:history", "groups:history", "reactions:write",
                        "app_mentions:read", "im:history"})
REPLIES_MAX_LIMIT = 1000
_EMOJI = re.compile(r"^[a-z0-9_+'-]+$")


@dataclass
class Messages:
    by_channel: dict[str, list[JSON]] = field(default_factory=dict)
    reactions: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (channel, ts) -> names, by the bot
    _ticks: count[int] = field(default_factory=lambda: count(1))

    def new_ts(self) -> str:
        # Distinct and increasing even within one microsecond, as Slack's are within a channel.
        return f"{int(time.time())}.{next(self._ticks):06d}"

    def add(self, channel: str, message: JSON) -> JSON:
        """Keep `message` (with its ts) in `channel`; a reply counts in its parent's reply_count."""
        stored = copy.deepcopy(message)
        self.by_channel.setdefault(channel, []).append(stored)
        parent_ts = stored.get("thread_ts")
        if parent_ts and parent_ts != stored["ts"]:
            parent = self.find(channel, parent_ts)
            if parent is not None:
                parent["thread_ts"] = parent_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                stored["parent_user_id"] = parent.get("user")
        return copy.deepcopy(stored)

    def __getitem__(self, where: tuple[str, str]) -> JSON:
        """The message at (channel, ts), as it is now (test-facing)."""
        found = self.find(*where)
        if found is None:
            raise KeyError(where)
        return copy.deepcopy(found)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(channel, ts) of every message kept, the bot's and people's (test-facing, like a dict's keys)."""
        return iter([(channel, m["ts"]) for channel, kept in self.by_channel.items() for m in kept])

    def __len__(self) -> int:
        return sum(len(kept) for kept in self.by_channel.values())

    def items(self) -> list[tuple[tuple[str, str], JSON]]:
        return [((channel, m["ts"]), copy.deepcopy(m)) for channel, kept in self.by_channel.items() for m in kept]

    def __contains__(self, where: object) -> bool:
        return isinstance(where, tuple) and len(where) == 2 and self.find(*where) is not None

    def find(self, channel: str, ts: str) -> JSON | None:
        return next((m for m in self.by_channel.get(channel, []) if m["ts"] == ts), None)

    def thread(self, channel: str, ts: str) -> list[JSON]:
        """The parent then its replies, oldest first; a reply's ts gives that reply alone, as Slack does."""
        found = self.find(channel, ts)
        if found is None:
            return []
        if found.get("thread_ts") not in (None, ts):
            return [found]
        replies = [m for m in self.by_channel.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts]
        return [found, *sorted(replies, key=lambda m: float(m["ts"]))]


def post(fake: FakeSlack, channel: str, user: str, text: str, *, thread_ts: str | None = None,
         blocks: list[JSON] | None = None, bot_id: str | None = None) -> JSON:
    """Someone (another app, with `bot_id`) writes in `channel` (in a thread with `thread_ts`): the message as a
    shortcut's payload carries it."""
    with fake._lock:
        message: JSON = {"type": "message", "user": user, "text": text, "ts": fake.messages.new_ts(),
                         "team": fake.team_id, "client_msg_id": secrets.token_hex(8)}
        if thread_ts:
            message["thread_ts"] = thread_ts
        if blocks is not None:
            message["blocks"] = blocks
        if bot_id:  # an app's message, as chat.postMessage makes it today: its bot user, bot_id and app_id
            message.update(bot_id=bot_id, app_id=f"A{bot_id[1:]}", bot_profile={"id": bot_id, "deleted": False})
            message.pop("client_msg_id")
        return fake.messages.add(channel, message)


def said(fake: FakeSlack, channel: str, user: str, text: str, *, thread_ts: str | None = None,
         bot_id: str | None = None) -> JSON:
    """`post`, and the `message` event Slack sends for it."""
    message = post(fake, channel, user, text, thread_ts=thread_ts, bot_id=bot_id)
    return {**message, "channel": channel, "event_ts": message["ts"], "channel_type": channel_type(fake, channel)}


def edit(fake: FakeSlack, channel: str, ts: str, text: str) -> JSON:
    """The message's author edits it; returns the `message_changed` event."""
    with fake._lock:
        stored = fake.messages.find(channel, ts)
        assert stored is not None, (channel, ts)
        before = copy.deepcopy(stored)
        stored.update(text=text, edited={"user": before.get("user"), "ts": f"{time.time():.6f}"})
        after = copy.deepcopy(stored)
    now = f"{time.time():.6f}"
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": channel, "ts": now,
            "event_ts": now, "channel_type": channel_type(fake, channel), "message": after,
            "previous_message": before}


def mentioned(fake: FakeSlack, channel: str, user: str, text: str, *, thread_ts: str | None = None,
              bot_id: str | None = None) -> JSON:
    """`user` writes `text` (which names the bot, `<@UBOT>`) in `channel`: the `app_mention` event Slack sends for
    it (no channel_type, unlike `message`; a bot's mention carries its bot_id). Research slack-platform-3 §5."""
    message = post(fake, channel, user, text, thread_ts=thread_ts, bot_id=bot_id)
    return {**{k: v for k, v in message.items() if k not in ("type", "bot_profile", "app_id")},
            "type": "app_mention", "channel": channel, "event_ts": message["ts"]}


def channel_type(fake: FakeSlack, channel: str) -> str:
    if channel.startswith("D"):
        return "im"  # the app's DM: message.im
    return "group" if fake.is_private(channel) else "channel"


def _membership_error(fake: FakeSlack, channel: str, *, history: bool) -> JSON | None:
    private = fake.is_private(channel)
    if history:  # the history scope of the conversation's kind
        needed = "im:history" if channel.startswith("D") else "groups:history" if private else "channels:history"
        if needed not in fake.scopes:
            return _missing_scope(fake, needed)
    if channel in fake.missing_channels:
        return _error("channel_not_found")
    if not fake.is_member(channel):
        return _error("channel_not_found" if private else "not_in_channel")
    if channel in fake.not_in_channels:
        return _error("not_in_channel")
    return None


def conversations_replies(fake: FakeSlack, body: JSON) -> JSON:
    channel, ts = str(body.get("channel") or ""), str(body.get("ts") or "")
    if not channel or not ts:
        return _error("invalid_arguments")
    if (refused := _membership_error(fake, channel, history=True)) is not None:
        return refused
    thread = fake.messages.thread(channel, ts)
    if not thread:
        return _error("thread_not_found")
    limit = int(body.get("limit") or 0) or 1000
    if not 1 <= limit <= REPLIES_MAX_LIMIT:
        return _error("invalid_limit")
    start = int(str(body.get("cursor") or "c0").removeprefix("c") or 0)
    parent, replies = thread[0], thread[1:]
    page = replies[start:start + max(1, limit - 1)]
    following = start + len(page)
    more = following < len(replies)
    return {"ok": True, "messages": copy.deepcopy([parent, *page]), "has_more": more,
            "response_metadata": {"next_cursor": f"c{following}" if more else ""}}


def chat_get_permalink(fake: FakeSlack, body: JSON) -> JSON:
    channel, ts = str(body.get("channel") or ""), str(body.get("message_ts") or "")
    if not channel or not fake.can_see(channel):
        return _error("channel_not_found")
    message = fake.messages.find(channel, ts)
    if message is None:
        return _error("message_not_found")
    link = f"https://leonar-test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    if message.get("thread_ts") not in (None, ts):
        link += f"?thread_ts={message['thread_ts']}&cid={channel}"
    return {"ok": True, "channel": channel, "permalink": link}


def reactions_add(fake: FakeSlack, body: JSON) -> JSON:
    channel, ts, name = str(body.get("channel") or ""), str(body.get("timestamp") or ""), str(body.get("name") or "")
    if not channel or not ts or not name:
        return _error("invalid_arguments")
    if "reactions:write" not in fake.scopes:
        return _missing_scope(fake, "reactions:write")
    if (refused := _membership_error(fake, channel, history=False)) is not None:
        return refused
    if not _EMOJI.match(name):
        return _error("invalid_name")
    if fake.messages.find(channel, ts) is None:
        return _error("message_not_found")
    names = fake.messages.reactions.setdefault((channel, ts), [])
    if name in names:
        return _error("already_reacted")
    names.append(name)
    return {"ok": True}


def reactions_on(fake: FakeSlack, channel: str, ts: str) -> dict[str, list[str]]:
    """The bot's reactions on a message, as Slack lists who reacted with what (test-facing)."""
    with fake._lock:
        return {name: [fake.bot_user_id] for name in fake.messages.reactions.get((channel, ts), [])}


def keep_bot_post(fake: FakeSlack, body: JSON, answer: JSON) -> None:
    """A message the bot posted is in the conversation's history like anyone's."""
    message = dict(answer["message"])
    if body.get("thread_ts"):
        message["thread_ts"] = str(body["thread_ts"])
    fake.messages.add(str(answer["channel"]), message)


def _missing_scope(fake: FakeSlack, needed: str) -> JSON:
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(sorted(fake.scopes))}


def _error(error: str) -> JSON:
    return {"ok": False, "error": error}


METHODS: dict[str, Callable[[FakeSlack, JSON], JSON]] = {
    "conversations.replies": conversations_replies,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
}
