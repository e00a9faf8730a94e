"""Pipeline events from two readings of a project: what was stored (the snapshot) and what Leonar lists now.

The snapshot is, per entry id, its stage id, its `updated_at` (Leonar's, as ISO text), its contact id and since
when it is in that stage (`entered`, `exact`: see `Seen`): no name and no personal data, so it can be stored as
is. `diff` compares it with entries just read and returns the events and the snapshot to store next:

- no snapshot yet (first poll after following) → the entries seed it, and no event is returned;
- an entry not in the snapshot → ADDED (HIRED when it lands in a hired stage);
- an entry in another stage than stored → MOVED (HIRED when moved into a hired stage from one that is not);
- an entry of the snapshot missing from the reading → REMOVED, only when the reading is a full scan: a filtered
  reading lists only what changed, so absence there means nothing.

Each event has a `key`, the same whichever instance sees the change and however often: posting can be made
idempotent by storing the key first (or with the post), and the snapshot advanced only with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.activity.stages import Board, StageRef
from bot.leonar.models import Entry


class Kind(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    HIRED = "hired"
    REMOVED = "removed"


@dataclass(frozen=True)
class Seen:
    """One entry as stored in the snapshot.

    `entered`: since when it is in `stage_id` (ISO text), for "waiting too long" (waiting.py). `exact` when the bot
    saw it arrive there (a move read between two polls: Leonar's `updated_at` of that reading) or Leonar says it was
    never updated since it was made there (`updated_at` = `created_at`); otherwise it is a lower bound: the entry's
    `updated_at` when the bot first saw it in that stage (any later change to an entry bumps `updated_at`, so the
    stage was entered then or before). None in snapshots stored before this field: `updated_at` stands for it."""

    stage_id: str | None
    updated_at: str
    contact_id: str | None = None
    entered: str | None = None
    exact: bool = False

    @property
    def in_stage_since(self) -> str:
        return self.entered or self.updated_at


Snapshot = dict[str, Seen]  # entry id -> Seen


@dataclass(frozen=True)
class Candidate:
    """Who an event is about. `name` is None when unknown (an entry removed: the snapshot keeps no names).
    `emails`/`phones` are shown only where the workspace allows contact details, and never stored by `to_json`."""

    contact_id: str | None
    name: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    kind: Kind
    project_id: str
    entry_id: str
    candidate: Candidate
    at: datetime  # the entry's `updated_at` (for REMOVED, the last one seen)
    to_stage: StageRef | None = None
    from_stage: StageRef | None = None

    @property
    def key(self) -> str:
        """Stable id: the same change read twice, by any instance, gives the same key."""
        raw = "|".join((self.project_id, self.entry_id, self.kind.value, self.to_stage.id if self.to_stage else "",
                        stamp(self.at)))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        """For storing (a digest's events): no email nor phone."""
        return {"kind": self.kind.value, "project_id": self.project_id, "entry_id": self.entry_id,
                "contact_id": self.candidate.contact_id, "name": self.candidate.name, "at": stamp(self.at),
                "to": self.to_stage.to_json() if self.to_stage else None,
                "from": self.from_stage.to_json() if self.from_stage else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(Kind(data["kind"]), str(data["project_id"]), str(data["entry_id"]),
                   Candidate(data.get("contact_id"), data.get("name")), parse_stamp(str(data["at"])),
                   StageRef.from_json(data["to"]) if data.get("to") else None,
                   StageRef.from_json(data["from"]) if data.get("from") else None)


@dataclass(frozen=True)
class Diff:
    events: list[Event]
    snapshot: Snapshot
    seeded: bool = False  # the first reading: the snapshot was filled, nothing is reported
    unchanged: bool = field(default=False)  # the snapshot to store equals the previous one


def stamp(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def candidate_of(entry: Entry) -> Candidate:
    contact = entry.contact
    if contact is None:
        return Candidate(None)
    name = contact.full_name if contact.first_name or contact.last_name else None
    return Candidate(contact.id, name, tuple(contact.emails), tuple(contact.phones))


def diff(project_id: str, previous: Snapshot | None, entries: Iterable[Entry], board: Board, *,
         full_scan: bool) -> Diff:
    """The events between `previous` and `entries` (read with `full_scan` or filtered), and the next snapshot."""
    now = datetime.now(UTC)
    fresh: Snapshot = {}
    read: dict[str, Entry] = {}
    for entry in entries:
        stage_id = entry.stage.id if entry.stage else None
        updated = stamp(entry.updated_at or entry.created_at or now)
        before = (previous or {}).get(entry.id)
        if before is not None and before.stage_id == stage_id:  # still there: since when it was
            entered, exact = before.in_stage_since, before.exact
        elif before is not None:  # seen moving: Leonar's stamp of the move
            entered, exact = updated, True
        else:  # first seen: made there and never touched since, or there since `updated_at` at least
            entered = updated
            exact = entry.created_at is not None and entry.updated_at is not None and stamp(
                entry.created_at) == updated
        fresh[entry.id] = Seen(stage_id, updated, entry.contact_id, entered, exact)
        read[entry.id] = entry
    if previous is None:
        return Diff([], fresh, seeded=True)
    events: list[Event] = []
    for entry_id, seen in fresh.items():
        entry, before = read[entry_id], previous.get(entry_id)
        if before is not None and before.stage_id == seen.stage_id:
            continue
        to = board.ref(seen.stage_id, entry.stage.name if entry.stage else None)
        origin = board.ref(before.stage_id) if before is not None else None
        hired = to is not None and to.hired and not (origin is not None and origin.hired)
        kind = Kind.HIRED if hired else Kind.ADDED if before is None else Kind.MOVED
        events.append(Event(kind, project_id, entry_id, candidate_of(entry), parse_stamp(seen.updated_at), to, origin))
    snapshot = {**previous, **fresh}
    if full_scan:
        for entry_id in previous.keys() - fresh.keys():
            gone = snapshot.pop(entry_id)
            events.append(Event(Kind.REMOVED, project_id, entry_id, Candidate(gone.contact_id),
                                parse_stamp(gone.updated_at), None, board.ref(gone.stage_id)))
    events.sort(key=lambda e: (e.at, e.entry_id))
    return Diff(events, snapshot, unchanged=snapshot == previous)


def next_since(snapshot: Snapshot, *, overlap: timedelta = timedelta(seconds=30)) -> datetime | None:
    """Where the next filtered reading starts: the newest `updated_at` stored (Leonar's clock, not ours) minus
    `overlap`, so a change stamped a little before one already read is not missed; what the overlap reads again
    is in the snapshot already and makes no event. None (no snapshot): read everything. After a reading that was
    not `complete` (cut by the page cap, or the list shifted under it), keep the `since` it used instead."""
    if not snapshot:
        return None
    return max(parse_stamp(seen.updated_at) for seen in snapshot.values()) - overlap
