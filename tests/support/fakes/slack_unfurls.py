"""Slack's link unfurling, for the fake Slack: the messages whose links Slack dispatched in `link_shared` events, and
`chat.unfurl` with Slack's argument checks (research slack-platform-2 §2.3).

- target: `channel` + `ts` (a message Slack dispatched) or `unfurl_id` + `source` (`composer` or
  `conversations_history`); half a pair is refused (`missing_source`, `missing_unfurl_id`);
- `unfurls`: a JSON object (a string is parsed; anything else `invalid_unfurls_format`) keyed by URLs of that very
  message (`cannot_unfurl_url` for any other), each `{"blocks": [...]}` valid Block Kit, at most 50 blocks, no
  rich_text (`invalid_blocks`);
- `metadata` (Work Objects, `slack_work_objects.py`): entities for URLs of that very message, recorded in
  `entities`; either `unfurls` or `metadata` is required (`invalid_arguments` without both);
- a repeated call for the same message replaces that URL's unfurl rather than adding one.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any

from tests.support.fakes import slack_work_objects
from tests.support.slack_schema import message_problem

if TYPE_CHECKING:
    from tests.support.fakes.slack import FakeSlack

JSON = dict[str, Any]
SOURCES = ("composer", "conversations_history")
_ids = count(1)


@dataclass
class SharedMessage:
    """A message (or a composer draft) whose links Slack dispatched to the app."""

    channel: str
    ts: str
    unfurl_id: str
    source: str
    urls: list[str]
    unfurls: dict[str, JSON] = field(default_factory=dict)  # what chat.unfurl attached, by URL
    entities: dict[str, JSON] = field(default_factory=dict)  # the Work Objects it attached, by URL


def share(fake: FakeSlack, urls: list[str], *, channel: str, source: str = "conversations_history") -> SharedMessage:
    """Record a message with links, as Slack does before sending `link_shared`. A composer draft has no channel
    (`COMPOSER`) and its `message_ts` is its unfurl_id."""
    unfurl_id = f"C{next(_ids):06d}.{time.time_ns()}"
    if source == "composer":
        message = SharedMessage("COMPOSER", unfurl_id, unfurl_id, source, list(urls))
    else:
        message = SharedMessage(channel, f"{time.time():.6f}", unfurl_id, source, list(urls))
    with fake._lock:
        fake.shared_messages.append(message)
    return message


def chat_unfurl(fake: FakeSlack, body: JSON) -> JSON:
    unfurl_id, source = body.get("unfurl_id"), body.get("source")
    channel, ts = body.get("channel"), body.get("ts")
    if unfurl_id and not source:
        return _error("missing_source")
    if source and not unfurl_id:
        return _error("missing_unfurl_id")
    if source and source not in SOURCES:
        return _error("invalid_source")
    if unfurl_id:
        message = next((m for m in fake.shared_messages if m.unfurl_id == unfurl_id), None)
        if message is None:
            return _error("invalid_unfurl_id")
    elif channel and ts:
        if channel == "COMPOSER":  # not a channel id (CL21)
            return _error("cannot_find_channel")
        message = next((m for m in fake.shared_messages if (m.channel, m.ts) == (channel, ts)), None)
        if message is None:
            return _error("cannot_find_message")
    else:
        return _error("invalid_arguments")
    unfurls, metadata = body.get("unfurls"), body.get("metadata")
    if unfurls is None and metadata is None:
        return _error("invalid_arguments")
    entities: dict[str, JSON] = {}
    if metadata is not None:
        error, entities = slack_work_objects.check_unfurl_metadata(fake, metadata, message.urls)
        if error is not None:
            return _error(error)
    warned = {"warning": fake.metadata_warning} if metadata is not None and fake.metadata_warning else {}
    if unfurls is None:
        message.entities.update(copy.deepcopy(entities))
        return {"ok": True, **warned}
    if isinstance(unfurls, str):
        try:
            unfurls = json.loads(unfurls)
        except ValueError:
            return _error("invalid_unfurls_format")
    if not isinstance(unfurls, dict) or not all(isinstance(v, dict) for v in unfurls.values()):
        return _error("invalid_unfurls_format")
    for url, unfurl in unfurls.items():
        if url not in message.urls:
            return _error("cannot_unfurl_url")
        if (problem := _blocks_problem(unfurl)) is not None:
            fake.problems.append(f"chat.unfurl: {problem}")
            return _error("invalid_blocks")
    message.unfurls.update(copy.deepcopy(unfurls))
    message.entities.update(copy.deepcopy(entities))
    return {"ok": True, **warned}


def _blocks_problem(unfurl: JSON) -> str | None:
    blocks = unfurl.get("blocks")
    if blocks is None:  # the legacy attachment fields: text at least
        return None if unfurl.get("text") or unfurl.get("title") else "an unfurl with neither blocks nor text"
    if isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "rich_text" for b in blocks):
        return "rich_text blocks are refused in unfurls"
    return message_problem({"text": "unfurl", "blocks": blocks})


def _error(error: str) -> JSON:
    return {"ok": False, "error": error}
