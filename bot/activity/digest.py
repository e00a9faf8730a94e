"""Grouping for posts: one message per poll per follow (the first MAX_SHOWN events, then "and N more"), and the
daily digest (the day's events counted per stage, in board order); plus when the next digest is due.

Digest timing works in the follower's IANA time zone with `zoneinfo`, so a DST change moves nothing: the digest
is at `hour`:00 local every day. On the spring-forward day an hour that does not exist (02:00 in Paris) is taken
as the first moment after the gap (03:00 local, the same instant as 01:00 UTC); on the fall-back day an hour that
happens twice is taken at its first occurrence. Either way there is exactly one digest per local day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.activity.events import Event, Kind
from bot.activity.stages import Board, StageRef
from bot.time_zones import zone

MAX_SHOWN = 10


@dataclass(frozen=True)
class Batch:
    """What one message shows: `shown` (in the order they happened) and how many more there were."""

    shown: list[Event]
    more: int

    keys: tuple[str, ...] = ()  # every event's key, the shown and the counted

    @property
    def total(self) -> int:
        return len(self.shown) + self.more

    def post_key(self, follow_id: str) -> str:
        """One message's idempotency key: the same follow posting the same events gets the same key."""
        return _digest("post", follow_id, *sorted(self.keys))


def batch(events: Iterable[Event], *, limit: int = MAX_SHOWN) -> Batch | None:
    """None when there is nothing to post. The same event (key) twice is shown once."""
    unique = list({event.key: event for event in events}.values())
    if not unique:
        return None
    unique.sort(key=lambda e: (e.at, e.candidate.name or "", e.entry_id))
    return Batch(unique[:limit], max(0, len(unique) - limit), tuple(e.key for e in unique))


def digest_key(follow_id: str, due: datetime) -> str:
    """A daily digest's idempotency key: one per follow and digest moment."""
    return _digest("digest", follow_id, due.astimezone(UTC).isoformat())


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StageCount:
    """`stage` None counts the candidates who left the pipeline."""

    stage: StageRef | None
    count: int


def digest_counts(events: Iterable[Event], board: Board) -> list[StageCount]:
    """Events counted by the stage they led to, in board order (stages unknown to the board after, then
    removals); stages without events are left out, so a day without events gives an empty list (post nothing)."""
    counts: dict[str | None, int] = {}
    refs: dict[str, StageRef] = {}
    for event in {e.key: e for e in events}.values():
        target = None if event.kind is Kind.REMOVED or event.to_stage is None else event.to_stage.id
        counts[target] = counts.get(target, 0) + 1
        if event.to_stage is not None and target is not None:
            refs[target] = board.ref(target, event.to_stage.name) or event.to_stage
    known = [StageCount(s, counts[s.id]) for s in board.stages if s.id in counts]
    unknown = [StageCount(refs[i], n) for i, n in counts.items() if i is not None and board.position(i) is None]
    removed = [StageCount(None, counts[None])] if None in counts else []
    return known + unknown + removed


def _local_hour(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """`hour`:00 on `day` in `tz`, as a UTC instant (see the module's docstring for gaps and repeats)."""
    wall = datetime.combine(day, time(hour), tzinfo=tz)  # fold=0: the first of a repeated hour
    return wall.astimezone(UTC)


def next_digest_at(hour: int, time_zone: str | None, after: datetime) -> datetime:
    """The first digest moment strictly after `after` (UTC)."""
    if not 0 <= hour <= 23:
        raise ValueError("hour must be 0-23")
    tz = zone(time_zone)
    after = after if after.tzinfo else after.replace(tzinfo=UTC)
    day = after.astimezone(tz).date() - timedelta(days=1)
    while True:
        moment = _local_hour(day, hour, tz)
        if moment > after:
            return moment
        day += timedelta(days=1)


def previous_digest_at(hour: int, time_zone: str | None, at: datetime) -> datetime:
    """The latest digest moment at or before `at`: a digest sent at `at` covers events after this one's
    predecessor, i.e. `previous_digest_at(…, at - 1 µs)` to `at`."""
    tz = zone(time_zone)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    day = at.astimezone(tz).date() + timedelta(days=1)
    while True:
        moment = _local_hour(day, hour, tz)
        if moment <= at:
            return moment
        day -= timedelta(days=1)
