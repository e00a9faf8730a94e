"""Pipeline events from snapshots: seeding, adds, moves, hires, removals (full scans only), stable keys, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.activity.events import Candidate, Event, Kind, Seen, diff, next_since, stamp
from bot.activity.follow import FollowFilter
from bot.activity.stages import Board, StageRef, is_hired
from bot.leonar.models import Entry, Stage

NAMES = ("Sourced", "Screening", "Interview", "Offer", "Hired", "Rejected")
BOARD = Board([Stage(id=f"s{i}", name=n, position=i) for i, n in enumerate(NAMES)][::-1])
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def entry(n: int, stage: int, minutes: int = 0, **contact: Any) -> Entry:
    return Entry.model_validate({
        "id": f"e{n}", "stage": {"id": f"s{stage}", "name": NAMES[stage]},
        "updated_at": stamp(T0 + timedelta(minutes=minutes)),
        "contact": {"id": f"c{n}", "first_name": f"Person{n}", "last_name": "Martin", **contact}})


def seeded(*entries: Entry) -> dict[str, Seen]:
    return diff("p1", None, entries, BOARD, full_scan=True).snapshot


def test_the_first_poll_seeds_silently() -> None:
    first = diff("p1", None, [entry(n, n % 4) for n in range(40)], BOARD, full_scan=True)
    assert first.seeded and first.events == [] and len(first.snapshot) == 40
    # Leonar gives no `created_at` here: since when e3 is in s3 is a lower bound, its `updated_at`.
    assert first.snapshot["e3"] == Seen("s3", "2026-11-27T09:00:00Z", "c3", "2026-11-27T09:00:00Z", False)


def test_adds_and_moves_are_events_with_their_stages() -> None:
    before = seeded(entry(1, 0), entry(2, 1))
    now = diff("p1", before, [entry(2, 2, minutes=5), entry(3, 0, minutes=6)], BOARD, full_scan=False)
    assert [(e.kind, e.entry_id) for e in now.events] == [(Kind.MOVED, "e2"), (Kind.ADDED, "e3")]
    moved, added = now.events
    assert (moved.from_stage, moved.to_stage) == (BOARD.ref("s1"), BOARD.ref("s2"))
    assert added.from_stage is None and added.to_stage == BOARD.ref("s0")
    assert moved.candidate == Candidate("c2", "Person2 Martin")
    assert set(now.snapshot) == {"e1", "e2", "e3"}  # a filtered read keeps what it did not list


def test_an_update_without_a_stage_change_is_no_event_but_advances_the_snapshot() -> None:
    before = seeded(entry(1, 1))
    now = diff("p1", before, [entry(1, 1, minutes=9)], BOARD, full_scan=False)
    assert now.events == [] and now.snapshot["e1"].updated_at == "2026-11-27T09:09:00Z" and not now.unchanged


def test_reading_the_same_state_again_makes_nothing() -> None:
    before = seeded(entry(1, 1), entry(2, 2))
    again = diff("p1", before, [entry(1, 1), entry(2, 2)], BOARD, full_scan=True)
    assert again.events == [] and again.unchanged


def test_removals_are_only_trusted_on_a_full_scan() -> None:
    before = seeded(entry(1, 1), entry(2, 2))
    filtered = diff("p1", before, [entry(1, 1)], BOARD, full_scan=False)
    assert filtered.events == [] and "e2" in filtered.snapshot
    full = diff("p1", before, [entry(1, 1)], BOARD, full_scan=True)
    [removed] = full.events
    assert removed.kind is Kind.REMOVED and removed.candidate == Candidate("c2") and removed.to_stage is None
    assert removed.from_stage == BOARD.ref("s2") and "e2" not in full.snapshot


def test_hired_is_a_move_or_add_into_a_hired_stage() -> None:
    before = seeded(entry(1, 3), entry(2, 4))
    now = diff("p1", before, [entry(1, 4, 1), entry(2, 4, 2), entry(3, 4, 3)], BOARD, full_scan=False)
    assert [(e.kind, e.entry_id) for e in now.events] == [(Kind.HIRED, "e1"), (Kind.HIRED, "e3")]


@pytest.mark.parametrize(("name", "category", "hired"), [
    ("Hired", None, True), ("Embauché", None, True), ("  hired ", None, True), ("Offer", "hired", True),
    ("Rejected", None, False), ("Hiring manager call", None, False), ("Sourced", "sourced", False)])
def test_which_stage_means_hired(name: str, category: str | None, hired: bool) -> None:
    assert is_hired(Stage(id="s", name=name, system_category=category)) is hired


def test_event_keys_are_stable_and_tell_changes_apart() -> None:
    before = seeded(entry(1, 0))
    one = diff("p1", before, [entry(1, 2, 5)], BOARD, full_scan=False).events[0]
    again = diff("p1", before, [entry(1, 2, 5)], BOARD, full_scan=True).events[0]  # another instance, same state
    later = diff("p1", before, [entry(1, 2, 7)], BOARD, full_scan=False).events[0]  # moved back and forth since
    assert one.key == again.key and one.key != later.key and len(one.key) == 32
    assert Event.from_json(one.to_json()).key == one.key


def test_stored_events_keep_no_contact_details() -> None:
    before = seeded()
    [added] = diff("p1", before, [entry(1, 0, emails=[{"email": "p1@example.com"}])], BOARD, full_scan=False).events
    assert added.candidate.emails == ("p1@example.com",)
    assert "example.com" not in str(added.to_json())


def test_a_stage_not_on_the_board_is_kept_by_name() -> None:
    before = seeded(entry(1, 0))
    moved = Entry.model_validate({"id": "e1", "stage": {"id": "new", "name": "Assessment"},
                                  "updated_at": "2026-11-27T10:00:00Z", "contact": {"id": "c1"}})
    [event] = diff("p1", before, [moved], BOARD, full_scan=False).events
    assert event.to_stage == StageRef("new", "Assessment", None, False) and event.candidate.name is None


def test_the_next_read_starts_from_leonars_newest_stamp_with_an_overlap() -> None:
    assert next_since({}) is None
    snapshot = seeded(entry(1, 0, 5), entry(2, 0, 50))
    assert next_since(snapshot, overlap=timedelta(seconds=30)) == T0 + timedelta(minutes=50, seconds=-30)


def events_of_every_kind() -> list[Event]:
    before = seeded(entry(1, 0), entry(2, 1), entry(3, 2), entry(4, 3))
    read = [entry(1, 1, 1), entry(2, 3, 2), entry(3, 4, 3), entry(5, 0, 4), entry(6, 3, 5)]
    return diff("p1", before, read, BOARD, full_scan=True).events


def kinds(selected: list[Event]) -> list[tuple[str, str]]:
    return [(e.kind.value, e.entry_id) for e in selected]


def test_what_each_filter_lets_through() -> None:
    events = events_of_every_kind()
    # A removal is dated by the last stamp seen: the oldest here.
    assert kinds(events) == [("removed", "e4"), ("moved", "e1"), ("moved", "e2"), ("hired", "e3"), ("added", "e5"),
                             ("added", "e6")]
    only = FollowFilter(new_candidates=False, moves=False, hires=False)
    assert only.empty and only.select(events, BOARD) == []
    assert kinds(FollowFilter(True, False, False).select(events, BOARD)) == [("added", "e5"), ("added", "e6")]
    assert kinds(FollowFilter(False, False, True).select(events, BOARD)) == [("hired", "e3")]
    assert len(FollowFilter(False, True, False).select(events, BOARD)) == 4  # moves, the hire, the removal
    offer_and_later = FollowFilter(False, False, False, from_stage_id="s3")
    assert kinds(offer_and_later.select(events, BOARD)) == [("moved", "e2"), ("hired", "e3"), ("added", "e6")]


def test_a_threshold_stage_gone_from_the_board_matches_nothing() -> None:
    gone = FollowFilter(False, False, False, from_stage_id="deleted")
    assert gone.select(events_of_every_kind(), BOARD) == []
    assert FollowFilter.from_json(gone.to_json()) == gone


def test_a_candidate_added_straight_as_hired_is_new_and_a_hire() -> None:
    [hired] = diff("p1", seeded(), [entry(1, 4)], BOARD, full_scan=False).events
    assert hired.kind is Kind.HIRED and hired.from_stage is None
    assert FollowFilter(True, False, False).wants(hired, BOARD) and FollowFilter(False, False, True).wants(hired, BOARD)
    moved_in = diff("p1", seeded(entry(1, 3)), [entry(1, 4, 1)], BOARD, full_scan=False).events[0]
    assert not FollowFilter(True, False, False).wants(moved_in, BOARD)
