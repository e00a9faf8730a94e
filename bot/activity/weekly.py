"""The weekly report of a follow (issue 20 C): the project's pulse (pulse.py) with the week's changes, on Mondays
at 9:00 in the follower's time zone (DST-safe like the digest: digest.py's rules for a missing or repeated hour).

Names come from a reading that lists every entry, and the poller reads them all only on a full scan (every
`FULL_SCAN_EVERY`-th poll, bot/polling/poller.py), never with a request of its own: a report that is due waits for
the next full scan (about an hour at the default interval). Due once per Monday: the moment is recorded with the
report in the outbox, in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.activity.digest import previous_digest_at
from bot.activity.events import Snapshot
from bot.activity.pulse import InStage, Pulse, pulse
from bot.leonar.models import Entry, Project
from bot.time_zones import zone

WEEKDAY, HOUR = 0, 9  # Monday, 9:00


def previous_weekly_at(time_zone: str | None, at: datetime) -> datetime:
    """The latest Monday 9:00 (local) at or before `at`, as a UTC instant."""
    moment = previous_digest_at(HOUR, time_zone, at)
    tz = zone(time_zone)
    while moment.astimezone(tz).weekday() != WEEKDAY:
        moment = previous_digest_at(HOUR, time_zone, moment - timedelta(microseconds=1))
    return moment


def weekly_key(follow_id: str, due: datetime) -> str:
    """One report's idempotency key: one per follow and Monday."""
    raw = f"weekly|{follow_id}|{due.astimezone(UTC).isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def report(project: Project, entries: Iterable[Entry], now: datetime, snapshot: Snapshot, *,
           complete: bool) -> Pulse:
    """The pulse from a full scan's entries and the poller's snapshot (read by pulse.in_stage). Stricter than
    `/leonar-add pipeline`: an entry the poller did not see arrive in its stage is "at least" even when Leonar's
    `updated_at` is still the moment it was first seen there (events.Seen `exact`, as the waiting alerts say)."""
    found = pulse(project, entries, now, snapshot=snapshot, complete=complete)
    waiting = [replace(w, in_stage=InStage(w.in_stage.since, not snapshot[w.entry_id].exact))
               if w.entry_id in snapshot else w for w in found.waiting]
    return replace(found, waiting=waiting)
