"""A follow: one channel following one Leonar project, what it wants posted and how. Pure data, for the store to
persist (`to_json`/`from_json` of its parts) and the views to show.

`FollowFilter` semantics (the modal's "What to post"):
- `new_candidates`: ADDED events (and HIRED ones that are adds: a candidate entered straight as hired);
- `moves`: every MOVED and REMOVED event (and hires, which are moves too);
- `from_stage_id`: "only moves into this stage or later": ADDED, MOVED and HIRED events whose stage is at or after
  this stage's position on the board (positions are read from the current board, so a reordered pipeline is
  followed); a stage no longer on the board makes this option match nothing;
- `hires`: HIRED events;
- `waiting_days`: "waiting too long" alerts (waiting.py) for candidates that many days in the same stage; None: none.
  Not an event: the poller looks for them at each poll, and posts them as they come whatever the delivery;
- `weekly`: the weekly report (weekly.py), Mondays 9:00 in the follower's time zone, whatever the delivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.activity.events import Event, Kind
from bot.activity.stages import Board


class Delivery(StrEnum):
    LIVE = "live"  # one message per poll with the events seen
    DIGEST = "digest"  # one message a day at `digest_hour` in `time_zone`


class StopReason(StrEnum):
    """Why a follow stopped polling (shown on the App Home)."""

    PROJECT_ARCHIVED = "project_archived"
    PROJECT_GONE = "project_gone"
    DISCONNECTED = "disconnected"
    KEY_INVALID = "key_invalid"
    SCOPE_MISSING = "scope_missing"
    CHANNEL_ARCHIVED = "channel_archived"
    NOT_IN_CHANNEL = "not_in_channel"
    # Slack's own refusals for the whole workspace: the app's access was taken away (an org admin, an uninstall
    # not heard, a deactivated token), or it lacks a scope to post.
    SLACK_ACCESS = "slack_access"
    SLACK_SCOPE = "slack_scope"
    # The channel became shared with another organisation, and the admins do not allow posting there.
    SHARED_CHANNEL = "shared_channel"


@dataclass(frozen=True)
class FollowFilter:
    new_candidates: bool = True
    moves: bool = True
    hires: bool = True
    from_stage_id: str | None = None
    waiting_days: int | None = None
    weekly: bool = False

    @property
    def empty(self) -> bool:
        return not (self.new_candidates or self.moves or self.hires or self.from_stage_id or self.waiting_days
                    or self.weekly)

    def wants(self, event: Event, board: Board) -> bool:
        if event.kind is Kind.REMOVED:
            return self.moves
        arrived = event.kind is Kind.ADDED or (event.kind is Kind.HIRED and event.from_stage is None)
        if arrived and self.new_candidates:  # a candidate added straight into "Hired" is new too
            return True
        if event.kind is Kind.MOVED and self.moves:
            return True
        if event.kind is Kind.HIRED and (self.hires or self.moves):
            return True
        return self._reaches_threshold(event, board)

    def _reaches_threshold(self, event: Event, board: Board) -> bool:
        threshold = board.position(self.from_stage_id)
        if threshold is None or event.to_stage is None:
            return False
        reached = board.position(event.to_stage.id)
        return reached is not None and reached >= threshold

    def select(self, events: Iterable[Event], board: Board) -> list[Event]:
        return [event for event in events if self.wants(event, board)]

    def to_json(self) -> dict[str, Any]:
        return {"new": self.new_candidates, "moves": self.moves, "hires": self.hires, "from": self.from_stage_id,
                "waiting": self.waiting_days, "weekly": self.weekly}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FollowFilter:
        waiting = data.get("waiting")
        return cls(bool(data.get("new")), bool(data.get("moves")), bool(data.get("hires")), data.get("from") or None,
                   waiting if isinstance(waiting, int) and waiting > 0 else None, bool(data.get("weekly")))


@dataclass(frozen=True)
class Follow:
    """`id`: the store's; `time_zone`: IANA name from the follower's users.info `tz` (digest only);
    `stopped`: set when polling stopped for good, with the reason the App Home shows."""

    id: str
    channel_id: str
    project_id: str
    project_name: str
    created_by: str
    filter: FollowFilter = FollowFilter()
    delivery: Delivery = Delivery.LIVE
    digest_hour: int | None = None
    time_zone: str | None = None
    lang: str = "en"
    stopped: StopReason | None = None
    from_stage_name: str | None = None  # the name of `filter.from_stage_id` when followed, for listing it
