"""The "waiting too long" alerts (issue 20 C): a followed project's candidates who have been in the same stage for
at least a follow's `waiting_days`, each alerted once per stage they wait in (a move resets it).

Since when a candidate is in its stage is the snapshot's (events.Seen `entered`, `exact`): what each poll already
reads, never a request of its own. Names are not stored, so a candidate is alerted from a reading that lists them:
any poll whose reading has their entry (a full scan has them all, every `FULL_SCAN_EVERY`-th poll), so an alert
comes at the latest at the first full scan after the threshold is crossed. Hired stages are not waiting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.activity.events import Candidate, Snapshot, candidate_of, parse_stamp
from bot.activity.stages import Board, StageRef
from bot.leonar.models import Entry

DEFAULT_DAYS = 14
MAX_DAYS = 365


@dataclass(frozen=True)
class Waiting:
    """One candidate waiting: `exact` False means `since` is a lower bound ("at least N days")."""

    entry_id: str
    candidate: Candidate
    stage: StageRef | None
    since: datetime
    exact: bool
    mark: str  # the stage and the moment it was entered: alerted once per mark

    def days(self, now: datetime) -> int:
        return max(0, (now - self.since).days)


def mark(stage_id: str | None, entered: str) -> str:
    return f"{stage_id or ''}|{entered}"


def overdue(snapshot: Snapshot, entries: Iterable[Entry], board: Board, *, days: int, now: datetime,
            alerted: Mapping[str, str]) -> list[Waiting]:
    """The candidates of `entries` (this poll's reading) in their stage for at least `days` according to
    `snapshot` (the one this poll stores), not yet alerted for that stage (`alerted`: entry id → mark), the
    longest waiting first."""
    found = []
    for entry in entries:
        seen = snapshot.get(entry.id)
        if seen is None or seen.stage_id is None:
            continue
        stage = board.ref(seen.stage_id, entry.stage.name if entry.stage else None)
        if stage is None or stage.hired:
            continue
        since, key = parse_stamp(seen.in_stage_since), mark(seen.stage_id, seen.in_stage_since)
        if (now - since).days < days or alerted.get(entry.id) == key:
            continue
        found.append(Waiting(entry.id, candidate_of(entry), stage, since, seen.exact, key))
    found.sort(key=lambda w: (w.since, w.entry_id))
    return found


def alert_key(follow_id: str, waiting: Iterable[Waiting]) -> str:
    """One alert message's idempotency key: the same follow alerting the same candidates and stages."""
    raw = "|".join(("waiting", follow_id, *sorted(f"{w.entry_id}@{w.mark}" for w in waiting)))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]
