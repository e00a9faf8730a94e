"""A project's pulse: counts, this week's changes, time in stage (exact from `updated_at`, a lower bound from what
the poller saw), and its message — valid Block Kit in every language, escaped, without contact details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.activity.events import Seen
from bot.activity.pulse import InStage, in_stage, pulse
from bot.i18n import LANGS
from bot.leonar.models import Contact, Entry, EntryStage, Pipeline, Project, Stage
from bot.views.pulse import SHARE_ACTION, pulse_message
from tests.support.slack_schema import message_problem

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
STAGES = [Stage(id="s0", name="Sourced", position=0, entries_count=3), Stage(id="s1", name="Interview", position=1,
                                                                               entries_count=2),
          Stage(id="s2", name="Hired", position=2, entries_count=1)]
PROJECT = Project(id="p1", name="Backend <Paris> & co", pipeline=Pipeline(stages=STAGES), entries_count=6)


def _entry(n: int, stage: str, *, created_days: float, updated_days: float | None,
           email: str = "") -> Entry:
    return Entry(id=f"e{n}", stage=EntryStage(id=stage),
                 contact=Contact(id=f"c{n}", first_name=f"Cand{n}", last_name="<b>", emails=[email] if email else []),
                 created_at=NOW - timedelta(days=created_days),
                 updated_at=None if updated_days is None else NOW - timedelta(days=updated_days))


ENTRIES = [_entry(1, "s0", created_days=2, updated_days=2),  # added this week
           _entry(2, "s0", created_days=40, updated_days=30, email="x@y.z"),  # waiting 30 days, exact
           _entry(3, "s0", created_days=50, updated_days=None),  # no updated_at, never seen: unknown
           _entry(4, "s1", created_days=60, updated_days=3),  # moved this week
           _entry(5, "s1", created_days=60, updated_days=1),  # touched, but the poller saw it there 20 days ago
           _entry(6, "s2", created_days=90, updated_days=5)]  # hired this week
SNAPSHOT = {"e5": Seen("s1", (NOW - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"), "c5"),
            "e4": Seen("s0", (NOW - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ"), "c4")}


def test_counts_week_and_waiting_oldest_first_with_lower_bounds() -> None:
    found = pulse(PROJECT, ENTRIES, NOW, snapshot=SNAPSHOT)
    assert [(s.stage.name, s.count) for s in found.stages] == [("Sourced", 3), ("Interview", 2), ("Hired", 1)]
    assert (found.total, found.added, found.moved, found.hired) == (6, 1, 1, 1)
    assert [(w.entry_id, w.in_stage.days(NOW), w.in_stage.lower_bound) for w in found.waiting] == [
        ("e2", 30, False), ("e5", 20, True)]


def test_a_move_seen_by_the_poller_is_no_lower_bound_and_limits_apply() -> None:
    # e4's snapshot is of another stage: its updated_at (the move) is exact.
    assert in_stage(ENTRIES[3], SNAPSHOT) == in_stage(ENTRIES[3], None)
    assert in_stage(ENTRIES[2], None) is None
    found = pulse(PROJECT, ENTRIES, NOW, snapshot=SNAPSHOT, min_days=2, limit=2)
    assert [w.entry_id for w in found.waiting] == ["e2", "e5"] and found.waiting_more == 3


def test_the_snapshots_start_in_the_stage_and_its_exactness_are_the_pulses() -> None:
    # The poller saw e5 arrive in s1 25 days ago (exact), then it was touched: 25 days, not "at least 20".
    def stamp(days: int) -> str:
        return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    arrived = {"e5": Seen("s1", stamp(20), "c5", entered=stamp(25), exact=True)}
    assert in_stage(ENTRIES[4], arrived) == InStage(NOW - timedelta(days=25), False)
    # Not seen arriving, and touched since: at least since the poller first saw it there.
    first_seen = {"e5": Seen("s1", stamp(20), "c5", entered=stamp(22), exact=False)}
    assert in_stage(ENTRIES[4], first_seen) == InStage(NOW - timedelta(days=22), True)
    # A snapshot made after this reading (a stale read) does not move the moment later.
    later = {"e4": Seen("s1", stamp(1), "c4", entered=stamp(1), exact=True)}
    assert in_stage(ENTRIES[3], later) == InStage(NOW - timedelta(days=3), False)


def test_a_cut_read_counts_with_leonars_totals() -> None:
    found = pulse(PROJECT, ENTRIES[:2], NOW, complete=False)
    assert [s.count for s in found.stages] == [3, 2, 1] and found.total == 6


@pytest.mark.parametrize("lang", LANGS)
def test_message_is_valid_escaped_and_private_data_free(lang: str) -> None:
    found = pulse(PROJECT, ENTRIES, NOW, snapshot=SNAPSHOT)
    message = pulse_message(found, lang, url="https://app.leonar.app/projects/p1", share_value="p1")
    assert message_problem(message) is None
    text = str(message)
    assert "x@y.z" not in text and "<b>" not in text and "&lt;b&gt;" in text
    assert ("at least 20 days" in text) if lang == "en" else ("au moins 20 jours" in text)
    actions: Any = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    assert actions[0]["action_id"] == SHARE_ACTION and actions[0]["value"] == "p1"
    shared = pulse_message(pulse(PROJECT, [], NOW), lang, shared_by="U1")
    assert message_problem(shared) is None and "<@U1>" in str(shared) and SHARE_ACTION not in str(shared)
