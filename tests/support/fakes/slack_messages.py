"""A channel's messages, for the fake Slack: what the bot and people post, kept per (channel, ts), and Slack's
methods on them — `chat.getPermalink` and `reactions.add` with Slack's errors — and the `message` events Slack sends
an app subscribed to `message.channels` / `message.groups` (docs.slack.dev/reference/events/message and its
`message_changed` subtype; research slack-platform-3 §4).

- `chat.getPermalink` (no scope): `channel_not_found` for a private conversation the bot is not in,
  `message_not_found` for a ts the channel has no message at; a reply's link carries its thread.
- `reactions.add` (`reactions:write`; a token without it gets `missing_scope` with `needed`): `not_in_channel`
  where the bot is not a member (public channels included: chat:write.public covers posting only),
  `message_not_found`, `already_reacted` for the bot's own reaction again, `invalid_name` for an emoji name that is
  not one.
"""

from __future__ import annotations

import copy
import re
import secrets
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.fakes.slack import FakeSlack

JSON = dict[str, Any]
_EMOJI = re.compile(r"^[a-z0-9_+'-]+$")


def kept(fake: FakeSlack, channel: str, message: JSON) -> None:
    fake.messages[(channel, str(message["ts"]))] = copy.deepcopy(message)


def post(fake: FakeSlack, channel: str, user: str, text: str, *, thread_ts: str | None = None,
         bot_id: str | None = None) -> JSON:
    """A person (or another app, with `bot_id`) posts in `channel`; returns the `message` event Slack sends."""
    ts = f"{time.time():.6f}"
    with fake._lock:
        while (channel, ts) in fake.messages:
            ts = f"{float(ts) + 0.000001:.6f}"
        message: JSON = {"type": "message", "user": user, "text": text, "ts": ts, "team": fake.team_id,
                         "client_msg_id": secrets.token_hex(8)}
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = fake.messages.get((channel, thread_ts))
            if parent is not None:
                message["parent_user_id"] = parent.get("user")
        if bot_id:  # an app's message, as chat.postMessage makes it today: its bot user, bot_id and app_id
            message.update(bot_id=bot_id, app_id=f"A{bot_id[1:]}", bot_profile={"id": bot_id, "deleted": False})
            message.pop("client_msg_id")
        kept(fake, channel, message)
    return {**message, "channel": channel, "event_ts": ts, "channel_type": channel_type(fake, channel)}


def edit(fake: FakeSlack, channel: str, ts: str, text: str) -> JSON:
    """The message's author edits it; returns the `message_changed` event."""
    with fake._lock:
        before = fake.messages[(channel, ts)]
        after = {**copy.deepcopy(before), "text": text,
                 "edited": {"user": before.get("user"), "ts": f"{time.time():.6f}"}}
        fake.messages[(channel, ts)] = after
    now = f"{time.time():.6f}"
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": channel, "ts": now,
            "event_ts": now, "channel_type": channel_type(fake, channel), "message": copy.deepcopy(after),
            "previous_message": copy.deepcopy(before)}


def channel_type(fake: FakeSlack, channel: str) -> str:
    return "group" if channel.startswith("G") or channel in fake.private_channels else "channel"


def get_permalink(fake: FakeSlack, body: JSON) -> JSON:
    channel, ts = str(body.get("channel") or ""), str(body.get("message_ts") or "")
    if not channel or not ts:
        return {"ok": False, "error": "invalid_arguments"}
    if not fake._can_see(channel):
        return {"ok": False, "error": "channel_not_found"}
    message = fake.messages.get((channel, ts))
    if message is None:
        return {"ok": False, "error": "message_not_found"}
    link = f"https://leonar-test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    if message.get("thread_ts") and message["thread_ts"] != ts:
        link += f"?thread_ts={message['thread_ts']}&cid={channel}"
    return {"ok": True, "channel": channel, "permalink": link}


def reactions_add(fake: FakeSlack, body: JSON) -> JSON:
    if "reactions:write" in fake.missing_scopes:
        return {"ok": False, "error": "missing_scope", "needed": "reactions:write",
                "provided": "commands,chat:write,chat:write.public,users:read"}
    channel, ts, name = str(body.get("channel") or ""), str(body.get("timestamp") or ""), str(body.get("name") or "")
    if not channel or not ts or not name:
        return {"ok": False, "error": "invalid_arguments"}
    if not fake._can_see(channel):
        return {"ok": False, "error": "channel_not_found"}
    if channel in fake.not_in_channels or channel not in fake.bot_channels:
        return {"ok": False, "error": "not_in_channel"}
    if not _EMOJI.match(name):
        return {"ok": False, "error": "invalid_name"}
    message = fake.messages.get((channel, ts))
    if message is None:
        return {"ok": False, "error": "message_not_found"}
    reactions = message.setdefault("reactions", [])
    found = next((r for r in reactions if r["name"] == name), None)
    if found is not None and fake.bot_user_id in found["users"]:
        return {"ok": False, "error": "already_reacted"}
    if found is None:
        reactions.append({"name": name, "users": [fake.bot_user_id], "count": 1})
    else:
        found["users"].append(fake.bot_user_id)
        found["count"] += 1
    return {"ok": True}


def reactions_on(fake: FakeSlack, channel: str, ts: str) -> dict[str, list[str]]:
    """Who reacted with what on a message (test-facing)."""
    with fake._lock:
        message = fake.messages.get((channel, ts)) or {}
        return {r["name"]: list(r["users"]) for r in message.get("reactions", [])}
