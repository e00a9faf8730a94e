"""What the store keeps of pipeline activity (bot/activity) for the poller and the App Home, and how (follows.py):
per followed project its snapshot, `since`, schedule and lease; the outbox of posts (whose keys make posting
idempotent); a digest's events; the poll status.

Exactly once, as the poller uses it (bot/polling/poller.py):
- `save_poll` writes, in ONE transaction and only while the caller still holds the project's lease, the new
  snapshot and `since` together with the posts they lead to (the outbox, keyed by `Batch.post_key`) and the
  digest events. A key already in the outbox is not inserted again. So an event is either not yet read (the
  snapshot did not advance: the next poll sees it again) or waiting in the outbox: it is never lost.
- `pending_posts` → chat.postMessage → `posted`: the only window for a duplicate is a process that dies after
  Slack took the message and before `posted` was written (a few milliseconds); the post is then sent again by
  whoever holds the lease next. Slack's chat.postMessage has no idempotency key, so at-least-once with that
  window is the choice: the alternative (mark first, post after) would lose the message in that window instead.

What is stored: snapshots hold entry, stage and contact ids, Leonar's `updated_at` and since when each entry is in
its stage only; a digest's events are
`Event.to_json` (names, no email nor phone); an outbox row holds the rendered message (names, and emails or phones
only where the workspace's admin lets cards show them) until it is posted or dropped, when its payload is cleared:
only its key is kept, POSTS_KEPT_SECONDS, to keep posting idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from bot.activity.events import Seen, Snapshot
from bot.activity.follow import Delivery, Follow, FollowFilter, StopReason
from bot.store.models import Workspace

POSTS_KEPT_SECONDS = 7 * 86400  # posted keys kept this long: a repeated poll within it posts nothing twice


@dataclass(frozen=True)
class PollStatus:
    """How a workspace's followed projects are polled now, for the App Home: `interval_seconds` between polls of
    each project, `stretched` when LEONAR_POLL_BUDGET made it longer than LEONAR_POLL_SECONDS."""

    interval_seconds: float
    stretched: bool
    projects: int


@dataclass(frozen=True)
class ProjectState:
    snapshot: Snapshot | None  # None before the first poll: it seeds silently
    since: datetime | None
    polls: int = 0
    failures: int = 0  # polls in a row that failed (Leonar down, 429): the backoff grows with them


@dataclass(frozen=True)
class Outgoing:
    """One message to post: `payload` is chat.postMessage's text and blocks (cleared once posted)."""

    key: str
    follow_id: str
    channel_id: str
    payload: dict[str, Any]


class Followed(NamedTuple):
    """A follow that still polls, with its last digest's moment and its last weekly report's Monday 9:00 (epoch
    seconds); None: none yet."""

    follow: Follow
    digest_last: datetime | None
    weekly_last: float | None


@dataclass(frozen=True)
class PollResult:
    snapshot: Snapshot
    since: datetime | None
    next_poll_at: float
    posts: list[Outgoing] = field(default_factory=list)
    digest_events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # follow id, key, event
    # follow id, entry id, the mark alerted (None: the entry left the project, its mark is forgotten)
    waiting: list[tuple[str, str, str | None]] = field(default_factory=list)
    weekly: list[tuple[str, float]] = field(default_factory=list)  # follow id, the Monday 9:00 reported (or not)


# Kept under this name for bot/slack/leaving.py, which imports it from here; the store itself says Workspace.from_key.
workspace_of = Workspace.from_key


def follow_data(follow: Follow) -> str:
    return json.dumps({"project_name": follow.project_name, "created_by": follow.created_by,
                       "filter": follow.filter.to_json(), "delivery": follow.delivery.value,
                       "digest_hour": follow.digest_hour, "time_zone": follow.time_zone, "lang": follow.lang,
                       "from_stage_name": follow.from_stage_name})


def follow_from(follow_id: str, channel_id: str, project_id: str, data: str, stopped: str | None) -> Follow:
    fields: dict[str, Any] = json.loads(data)
    return Follow(follow_id, channel_id, project_id, str(fields.get("project_name") or ""),
                  str(fields.get("created_by") or ""), FollowFilter.from_json(fields.get("filter") or {}),
                  Delivery(fields.get("delivery") or Delivery.LIVE.value), fields.get("digest_hour"),
                  fields.get("time_zone"), str(fields.get("lang") or "en"),
                  StopReason(stopped) if stopped else None, fields.get("from_stage_name"))


def dump_snapshot(snapshot: Snapshot) -> str:
    return json.dumps({k: [s.stage_id, s.updated_at, s.contact_id, s.entered, s.exact] for k, s in snapshot.items()})


def load_snapshot(text: str | None) -> Snapshot | None:
    if text is None:
        return None
    # Snapshots stored before `entered` have three fields: Seen's defaults stand for the two others.
    return {k: Seen(*v[:5]) for k, v in json.loads(text).items()}
