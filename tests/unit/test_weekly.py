"""The weekly report without I/O: its Monday 9:00 in the follower's zone (DST included), its key, the pulse told
by the poller's snapshot ("at least" where the start is a lower bound), and its Block Kit in every language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.activity.events import diff, stamp
from bot.activity.stages import Board
from bot.activity.weekly import previous_weekly_at, report, weekly_key
from bot.i18n import LANGS, Lang
from bot.leonar.links import project_url
from bot.leonar.models import Entry, Project
from bot.views.weekly import weekly_post
from tests.support.slack_schema import message_problem

PROJECT = Project.model_validate({"id": "p1", "name": "Back <end> & Co", "pipeline": {"stages": [
    {"id": "s0", "name": "Sourced", "position": 0}, {"id": "s1", "name": "Interview", "position": 1}]}})


def test_the_latest_monday_nine_in_the_followers_zone_across_dst() -> None:
    # Sunday 29 March 2026, Paris springs forward: Monday 30 March 9:00 is 07:00 UTC, the Monday before 08:00 UTC.
    assert previous_weekly_at("Europe/Paris", datetime(2026, 3, 30, 7, 0, tzinfo=UTC)) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC)
    assert previous_weekly_at("Europe/Paris", datetime(2026, 3, 30, 6, 59, tzinfo=UTC)) == datetime(
        2026, 3, 23, 8, 0, tzinfo=UTC)
    assert previous_weekly_at("Europe/Paris", datetime(2026, 4, 5, 23, 0, tzinfo=UTC)) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC)
    # Monday 9:00 in Tokyo is still Sunday in UTC; an unknown zone is UTC.
    assert previous_weekly_at("Asia/Tokyo", datetime(2026, 3, 30, 1, 0, tzinfo=UTC)) == datetime(
        2026, 3, 30, 0, 0, tzinfo=UTC)
    assert previous_weekly_at("Mars/Base", datetime(2026, 3, 31, tzinfo=UTC)) == datetime(2026, 3, 30, 9,
                                                                                          tzinfo=UTC)
    due = datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert weekly_key("f1", due) != weekly_key("f1", due + timedelta(days=7)) != weekly_key("f2", due)


def entry(n: int, stage: int, updated: datetime, created: datetime) -> Entry:
    return Entry.model_validate({"id": f"e{n}", "stage": {"id": f"s{stage}", "name": ("Sourced", "Interview")[stage]},
                                 "updated_at": stamp(updated), "created_at": stamp(created),
                                 "contact": {"id": f"c{n}", "first_name": "<Jo>", "last_name": f"N{n}"}})


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_says_at_least_where_the_snapshot_knows_only_a_lower_bound(lang: Lang) -> None:
    now = datetime(2026, 3, 30, 7, tzinfo=UTC)
    old = now - timedelta(days=20)
    read = [entry(1, 0, old, old), entry(2, 1, old, old - timedelta(days=5)), entry(3, 0, now, now)]
    snapshot = diff("p1", None, read, Board(PROJECT.stages), full_scan=True).snapshot
    pulse = report(PROJECT, read, now, snapshot, complete=True)
    assert [(w.entry_id, w.in_stage.lower_bound) for w in pulse.waiting] == [("e1", False), ("e2", True)]
    post = weekly_post(pulse, lang, url=project_url("acme", "p1"))
    assert message_problem(post) is None
    text = str(post["blocks"])
    assert "<Jo>" not in text and "&lt;Jo&gt; N1" in text and "Back &lt;end&gt; &amp; Co" in post["text"]
    if lang == "en":
        assert "Weekly report" in post["text"] and "at least 20 days" in text and "Interview: 20 days" not in text
