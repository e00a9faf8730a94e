"""A project's pulse (pure, no I/O): the stage bar with counts, this week's adds, moves and hires, and the
candidates waiting longest in their stage. Used by `/leonar-add pipeline` (bot/slack/asking.py) and meant for
the weekly report and the "waiting too long" alerts of following.

Time in stage. Leonar has no "entered this stage at" field [GAP]; what is known of an entry:
- its `updated_at` (Leonar's clock), which a move sets [INF: the fake and the web app both bump it on a move];
- the poller's snapshot of a followed project (bot/store/poll_state.py): the stage and the `updated_at` the bot
  saw the entry with, at its first poll or since.

So the entry entered its stage at its `updated_at` when nothing tells otherwise: `since` is that moment and the
time is exact. When the snapshot shows the entry in the SAME stage since before its `updated_at` (events.Seen
`in_stage_since`), the entry was changed since without moving (a rating, a note): it has been in the stage since
the snapshot's moment, exact when the poller saw it arrive there (`exact`), else a lower bound ("at least N
days"). Without `updated_at`, the snapshot's moment is used; an entry with neither is not listed among the
waiting.

This week: the last 7 days up to `now`. Adds: entries created within it. Hires: entries whose stage means hired
(bot/activity/stages.py) entered within it. Moves: the other entries created before it that entered their stage
within it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.activity import events
from bot.activity.events import Snapshot
from bot.activity.stages import Board, StageRef
from bot.leonar.models import Entry, Project

DEFAULT_MIN_DAYS = 14  # "waiting too long" from this many days in the same stage
MAX_WAITING = 10
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class InStage:
    """Since when an entry is in its stage; `lower_bound`: it may have been there longer."""

    since: datetime
    lower_bound: bool

    def days(self, now: datetime) -> int:
        return max(0, (_utc(now) - self.since).days)


@dataclass(frozen=True)
class Waiting:
    entry_id: str
    contact_id: str | None
    name: str | None
    stage: StageRef
    in_stage: InStage


@dataclass(frozen=True)
class StageTotal:
    stage: StageRef
    count: int


@dataclass(frozen=True)
class Pulse:
    project_id: str
    project_name: str
    stages: list[StageTotal]
    total: int
    added: int
    moved: int
    hired: int
    waiting: list[Waiting]  # oldest first, at most MAX_WAITING
    waiting_more: int  # waiting at least `min_days` but not listed
    min_days: int
    now: datetime
    complete: bool  # False: Leonar's list was cut; counts then come from the project's stage counts


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_stamp(text: str | None) -> datetime | None:
    """A stored ISO stamp (events.stamp's) as an aware datetime; None when absent or garbled."""
    if not text:
        return None
    try:
        return events.parse_stamp(text)
    except ValueError:
        return None


def in_stage(entry: Entry, snapshot: Snapshot | None) -> InStage | None:
    """Since when `entry` is in its stage, from its `updated_at` and what the poller saw (module docstring)."""
    updated = _utc(entry.updated_at) if entry.updated_at else None
    seen = (snapshot or {}).get(entry.id)
    stage_id = entry.stage.id if entry.stage else None
    since = parse_stamp(seen.in_stage_since) if seen is not None and seen.stage_id == stage_id else None
    if seen is not None and since is not None and (updated is None or since < updated):
        return InStage(since, not seen.exact)
    return InStage(updated, False) if updated is not None else None


def pulse(project: Project, entries: Iterable[Entry], now: datetime, *, snapshot: Snapshot | None = None,
          complete: bool = True, min_days: int = DEFAULT_MIN_DAYS, limit: int = MAX_WAITING) -> Pulse:
    """The pulse of `project` from its entries as just read (all of them when `complete`)."""
    now = _utc(now)
    board = Board(project.stages)
    week_start = now - WEEK
    counts: dict[str, int] = {}
    added = moved = hired = 0
    waiting: list[Waiting] = []
    listed = list(entries)
    for entry in listed:
        stage_id = entry.stage.id if entry.stage else None
        counts[stage_id or ""] = counts.get(stage_id or "", 0) + 1
        created = _utc(entry.created_at) if entry.created_at else None
        stage = board.ref(stage_id, entry.stage.name if entry.stage else None)
        known = in_stage(entry, snapshot)
        new = created is not None and created >= week_start
        added += new
        entered = known is not None and not known.lower_bound and known.since >= week_start
        if entered and stage is not None and stage.hired:
            hired += 1
        elif entered and not new:
            moved += 1
        if known is not None and stage is not None and known.days(now) >= min_days:
            name = entry.contact.full_name if entry.contact else None
            waiting.append(Waiting(entry.id, entry.contact_id, name, stage, known))
    waiting.sort(key=lambda w: (w.in_stage.since, w.entry_id))
    if complete:
        totals = [StageTotal(s, counts.get(s.id, 0)) for s in board.stages]
        total = len(listed)
    else:  # a cut read undercounts: Leonar's own counts per stage then
        by_id = {s.id: s.entries_count or 0 for s in project.stages}
        totals = [StageTotal(s, by_id.get(s.id, 0)) for s in board.stages]
        total = project.entries_count if project.entries_count is not None else sum(by_id.values())
    return Pulse(project.id, project.name, totals, total, added, moved, hired, waiting[:limit],
                 max(0, len(waiting) - limit), min_days, now, complete)
