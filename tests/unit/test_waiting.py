"""The "waiting too long" alerts (issue 20 C) without I/O: since when a candidate is in a stage (exact or a lower
bound), who is overdue and once per stage, the alert's Block Kit in every language, and the follow form's days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.activity.events import Seen, diff, stamp
from bot.activity.stages import Board
from bot.activity.waiting import DEFAULT_DAYS, alert_key, overdue
from bot.i18n import LANGS, Lang
from bot.leonar.links import project_url
from bot.leonar.models import Entry, Stage
from bot.views.activity import waiting_post
from bot.views.follow_modal import (
    DAYS_ACTION,
    DAYS_BLOCK,
    NEW,
    PROJECT_ACTION,
    PROJECT_BLOCK,
    WAITING,
    WHAT_ACTION,
    WHAT_BLOCK,
    read_follow,
)
from tests.support.slack_schema import message_problem

NAMES = ("Sourced", "Interview <1>", "Hired")
BOARD = Board([Stage(id=f"s{i}", name=n, position=i) for i, n in enumerate(NAMES)])
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def entry(n: int, stage: int, updated: datetime, created: datetime | None = None, name: str = "") -> Entry:
    return Entry.model_validate({
        "id": f"e{n}", "stage": {"id": f"s{stage}", "name": NAMES[stage]}, "updated_at": stamp(updated),
        "created_at": stamp(created or updated),
        "contact": {"id": f"c{n}", "first_name": name or f"Person{n}", "last_name": "Martin"}})


def test_first_seen_made_there_and_untouched_is_exact_touched_since_is_a_lower_bound() -> None:
    untouched, touched = entry(1, 0, T0), entry(2, 0, T0 + timedelta(days=2), created=T0 - timedelta(days=9))
    snapshot = diff("p1", None, [untouched, touched], BOARD, full_scan=True).snapshot
    assert snapshot["e1"].exact and snapshot["e1"].entered == stamp(T0)
    assert not snapshot["e2"].exact and snapshot["e2"].entered == stamp(T0 + timedelta(days=2))


def test_a_move_seen_is_exact_and_a_later_update_in_the_same_stage_keeps_its_start() -> None:
    first = diff("p1", None, [entry(1, 0, T0, created=T0 - timedelta(days=1))], BOARD, full_scan=True).snapshot
    moved = diff("p1", first, [entry(1, 1, T0 + timedelta(days=1))], BOARD, full_scan=False).snapshot
    assert moved["e1"].exact and moved["e1"].entered == stamp(T0 + timedelta(days=1))
    touched = diff("p1", moved, [entry(1, 1, T0 + timedelta(days=3))], BOARD, full_scan=False).snapshot
    assert touched["e1"].entered == stamp(T0 + timedelta(days=1)) and touched["e1"].exact
    assert touched["e1"].updated_at == stamp(T0 + timedelta(days=3))


def test_a_snapshot_stored_before_the_start_was_kept_counts_from_its_updated_at_as_a_lower_bound() -> None:
    old = {"e1": Seen("s1", stamp(T0), "c1")}
    later = diff("p1", old, [entry(1, 1, T0 + timedelta(days=5))], BOARD, full_scan=False).snapshot
    assert later["e1"].entered == stamp(T0) and not later["e1"].exact


def test_overdue_once_per_stage_longest_first_never_in_a_hired_stage() -> None:
    read = [entry(1, 0, T0), entry(2, 1, T0 - timedelta(days=3)), entry(3, 2, T0 - timedelta(days=40)),
            entry(4, 0, T0 + timedelta(days=10))]
    snapshot = diff("p1", None, read, BOARD, full_scan=True).snapshot
    now = T0 + timedelta(days=14, hours=1)
    late = overdue(snapshot, read, BOARD, days=14, now=now, alerted={})
    assert [(w.entry_id, w.days(now)) for w in late] == [("e2", 17), ("e1", 14)]  # e3 hired, e4 four days
    marks = {w.entry_id: w.mark for w in late}
    assert overdue(snapshot, read, BOARD, days=14, now=now, alerted=marks) == []
    assert alert_key("f1", late) == alert_key("f1", list(reversed(late))) != alert_key("f2", late)
    # A move resets it: in a new stage, the candidate is not late until the days have passed there too.
    moved = diff("p1", snapshot, [entry(1, 1, now)], BOARD, full_scan=False).snapshot
    assert overdue(moved, [entry(1, 1, now)], BOARD, days=14, now=now, alerted=marks) == []
    again = overdue(moved, [entry(1, 1, now)], BOARD, days=14, now=now + timedelta(days=14), alerted=marks)
    assert [w.entry_id for w in again] == ["e1"] and again[0].mark != marks["e1"]


def test_only_candidates_of_this_reading_are_alerted_their_names_are_not_stored() -> None:
    read = [entry(1, 0, T0), entry(2, 0, T0)]
    snapshot = diff("p1", None, read, BOARD, full_scan=True).snapshot
    assert [w.entry_id for w in overdue(snapshot, read[1:], BOARD, days=1, now=T0 + timedelta(days=2),
                                        alerted={})] == ["e2"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_alert_is_valid_escaped_and_says_at_least_for_a_lower_bound(lang: Lang) -> None:
    # Odd ones were touched since they were made (a lower bound), even ones not (exact).
    read = [entry(n, 1, T0 - timedelta(days=n), created=T0 - timedelta(days=n + 30 * (n % 2)), name="<b>&Jo")
            for n in range(12)]
    snapshot = diff("p1", None, read, BOARD, full_scan=True).snapshot
    now = T0 + timedelta(days=16, hours=2)
    late = overdue(snapshot, read, BOARD, days=14, now=now, alerted={})
    post = waiting_post("Back <end> & Co", late, 14, now, lang, url=project_url("acme", "p1"))
    assert message_problem(post) is None
    text = str(post["blocks"])
    assert "<b>" not in text and "&lt;b&gt;&amp;Jo" in text and "Interview &lt;1&gt;" in text
    if lang == "en":
        assert "for at least 27 days" in text and "for 26 days" in text and "and 2 more" in text
        assert post["text"].startswith("Back &lt;end&gt; &amp; Co — 12 candidates waiting 14+ days")


def form(days: Any, *whats: str) -> dict[str, dict[str, Any]]:
    return {PROJECT_BLOCK: {PROJECT_ACTION: {"selected_option": {"text": {"type": "plain_text", "text": "B"},
                                                                 "value": "p1"}}},
            WHAT_BLOCK: {WHAT_ACTION: {"selected_options": [{"value": w} for w in whats]}},
            DAYS_BLOCK: {DAYS_ACTION: {"type": "number_input", "value": days}}}


def test_the_form_reads_the_days_defaults_to_fourteen_and_refuses_nonsense() -> None:
    assert read_follow(form("21", WAITING)).filter.waiting_days == 21
    assert read_follow(form(None, WAITING)).filter.waiting_days == DEFAULT_DAYS == 14
    assert read_follow(form("21", NEW)).filter.waiting_days is None  # not chosen: no alerts
    for bad in ("0", "400", "2.5", "-3"):
        assert set(read_follow(form(bad, WAITING)).problems()) == {DAYS_BLOCK}
    assert read_follow(form("400", NEW)).problems() == {}  # days unused: no reason to refuse
