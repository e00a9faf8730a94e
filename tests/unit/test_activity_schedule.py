"""Grouping for a post (10 then "and N more"), digest counts per stage, digest times across DST, and the poll
interval stretched to stay within the key's budget."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.activity.budget import DEFAULT_HOURLY_LIMIT, poll_interval, requests_per_poll
from bot.activity.digest import StageCount, batch, digest_counts, digest_key, next_digest_at, previous_digest_at
from bot.activity.events import Candidate, Event, Kind
from bot.activity.stages import Board, StageRef
from bot.leonar.models import Stage

BOARD = Board([Stage(id=f"s{i}", name=n, position=i) for i, n in enumerate(("Sourced", "Interview", "Offer"))])
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def event(n: int, kind: Kind = Kind.MOVED, stage: str | None = "s1") -> Event:
    to = BOARD.ref(stage) if stage else None
    return Event(kind, "p1", f"e{n}", Candidate(f"c{n}", f"P{n:02d}"), T0 + timedelta(seconds=n), to, None)


def test_a_batch_shows_ten_and_counts_the_rest() -> None:
    events = [event(n) for n in range(23)][::-1]
    shown = batch(events)
    assert shown is not None and [e.entry_id for e in shown.shown] == [f"e{n}" for n in range(10)]
    assert shown.more == 13 and shown.total == 23
    exactly = batch(events[:10])
    assert exactly is not None and exactly.more == 0
    assert batch([]) is None


def test_the_same_event_twice_is_shown_once() -> None:
    twice = batch([event(1), event(1), event(2)])
    assert twice is not None and twice.total == 2


def test_digest_counts_per_stage_in_board_order() -> None:
    day = [*(event(n, Kind.ADDED, "s0") for n in range(12)), *(event(20 + n, stage="s1") for n in range(4)),
           event(30, stage="s2"), event(31, Kind.REMOVED, None), event(32, stage="gone")]
    counts = digest_counts(day, BOARD)
    assert [(c.stage.name if c.stage else None, c.count) for c in counts] == [
        ("Sourced", 12), ("Interview", 4), ("Offer", 1), ("", 1), (None, 1)]
    assert counts[3] == StageCount(StageRef("gone", "", None, False), 1)


def test_a_day_without_events_has_no_digest() -> None:
    assert digest_counts([], BOARD) == []


@pytest.mark.parametrize(("after", "expected"), [
    (datetime(2026, 11, 27, 7, 0, tzinfo=UTC), datetime(2026, 11, 27, 8, 0, tzinfo=UTC)),  # 09:00 CET
    (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), datetime(2026, 11, 28, 8, 0, tzinfo=UTC)),  # strictly after
    (datetime(2027, 3, 27, 9, 0, tzinfo=UTC), datetime(2027, 3, 28, 7, 0, tzinfo=UTC)),  # 09:00 CEST after the change
    (datetime(2027, 10, 30, 9, 0, tzinfo=UTC), datetime(2027, 10, 31, 8, 0, tzinfo=UTC)),  # back to CET
])
def test_the_digest_stays_at_nine_local_across_dst(after: datetime, expected: datetime) -> None:
    assert next_digest_at(9, "Europe/Paris", after) == expected


def test_an_hour_skipped_or_repeated_by_dst_gives_one_digest_that_day() -> None:
    # 02:00 does not exist in Paris on 28 March 2027: the first moment after the gap (03:00 CEST = 01:00 UTC).
    spring = next_digest_at(2, "Europe/Paris", datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert spring == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    # 02:00 happens twice on 31 October 2027: the first one (CEST, 00:00 UTC), and the next digest is a day later.
    autumn = next_digest_at(2, "Europe/Paris", datetime(2027, 10, 30, 12, 0, tzinfo=UTC))
    assert autumn == datetime(2027, 10, 31, 0, 0, tzinfo=UTC)
    assert next_digest_at(2, "Europe/Paris", autumn) == datetime(2027, 11, 1, 1, 0, tzinfo=UTC)


def test_digests_follow_each_other_a_local_day_apart() -> None:
    moment, seen = datetime(2027, 3, 10, tzinfo=UTC), []
    for _ in range(20):
        moment = next_digest_at(18, "America/New_York", moment)
        seen.append(moment)
        assert previous_digest_at(18, "America/New_York", moment) == moment
        assert previous_digest_at(18, "America/New_York", moment - timedelta(microseconds=1)) < moment
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    # New York moved its clocks forward on 14 March 2027: that local day was 23 hours long.
    assert gaps.count(timedelta(hours=23)) == 1 and set(gaps) == {timedelta(hours=23), timedelta(hours=24)}
    assert len({m.astimezone(ZoneInfo("America/New_York")).date() for m in seen}) == 20


def test_an_unknown_time_zone_falls_back_to_utc_and_a_bad_hour_is_refused() -> None:
    assert next_digest_at(9, "Mars/Olympus", T0) == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert next_digest_at(9, None, T0 - timedelta(minutes=1)) == T0
    with pytest.raises(ValueError):
        next_digest_at(24, "UTC", T0)


def test_few_follows_poll_at_the_configured_interval() -> None:
    plan = poll_interval(base_seconds=120, budget=0.2, projects=3, hourly_limit=2000)
    assert plan.seconds == 120 and not plan.stretched and plan.requests_per_hour == 90


def test_many_follows_stretch_the_interval_to_stay_within_budget() -> None:
    plan = poll_interval(base_seconds=120, budget=0.2, projects=50, hourly_limit=2000)
    assert plan.stretched and plan.seconds == 450 and plan.requests_per_hour == pytest.approx(400)
    unknown = poll_interval(base_seconds=120, budget=0.2, projects=50)  # no X-RateLimit-Limit seen yet
    assert unknown.seconds == 50 * 3600 / (0.2 * DEFAULT_HOURLY_LIMIT)
    costly = poll_interval(base_seconds=1, budget=0.5, projects=10, hourly_limit=1000, requests_per_poll=3)
    assert costly.requests_per_hour <= 500 + 1e-9 and costly.stretched


def test_no_follow_costs_nothing_and_the_budget_is_validated() -> None:
    assert poll_interval(base_seconds=120, budget=0.2, projects=0).requests_per_hour == 0
    for bad in (0, -0.1, 1.5):
        with pytest.raises(ValueError):
            poll_interval(base_seconds=120, budget=bad, projects=1)


def test_requests_per_poll_counts_the_occasional_full_scan() -> None:
    assert requests_per_poll(None) == 1 + 1 / 30
    assert requests_per_poll(450, full_scan_every=10) == 1.5


def test_posts_and_digests_have_idempotency_keys() -> None:
    one, same, other = batch([event(1), event(2)]), batch([event(2), event(1)]), batch([event(1), event(3)])
    assert one is not None and same is not None and other is not None
    assert one.post_key("f1") == same.post_key("f1") != other.post_key("f1") != one.post_key("f2")
    many = batch([event(n) for n in range(12)])
    assert many is not None and len(many.keys) == 12  # the counted events are covered too
    due = next_digest_at(9, "Europe/Paris", T0)
    assert digest_key("f1", due) == digest_key("f1", due.astimezone(ZoneInfo("Europe/Paris")))
    assert digest_key("f1", due) != digest_key("f1", next_digest_at(9, "Europe/Paris", due))
