"""The weekly report end to end (issue 20 C): the real poller against the fakes on a moved clock — on Monday 9:00 in
each follower's time zone, not before and not on other days, once, and once across a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.activity.follow import FollowFilter
from tests.support.activity import CHANNEL, SECRET, Rig, full_scans, posted_text
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

ONLY_WEEKLY = FollowFilter(new_candidates=False, moves=False, hires=False, weekly=True)






def next_monday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 - today.weekday())


def at(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, wall(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def pipeline(fake: FakeLeonar) -> dict[str, Any]:
    project = fake.add_project("Backend Engineer")
    for n in range(3):
        fake.add_entry(project["id"], fake.add_contact(f"Person{n}", "Martin")["id"])
    return project


async def test_on_monday_nine_in_each_followers_zone_once_and_not_on_other_days(rig: Rig) -> None:
    project = pipeline(rig.fake)
    monday = next_monday()
    rig.clock.fixed = at(monday, 8, 50, "Europe/Paris")
    await rig.follow(project, what=ONLY_WEEKLY, tz="Europe/Paris")
    await rig.follow(project, channel="CNEWYORK", what=ONLY_WEEKLY, tz="America/New_York")
    await full_scans(rig, project["id"])
    assert rig.posts() == [] and rig.posts("CNEWYORK") == []  # 8:50 in Paris: not yet
    rig.clock.fixed = at(monday, 9, 1, "Europe/Paris")
    await rig.until(lambda: len(rig.posts()) == 1)
    [report] = rig.posts()
    text = posted_text(report)
    assert report["text"].startswith("Weekly report") and "Backend Engineer — pipeline" in text
    assert "3 candidates" in text and "Sourced" in text
    await full_scans(rig, project["id"])
    assert len(rig.posts()) == 1 and rig.posts("CNEWYORK") == []  # once; 3:01 in New York
    rig.clock.fixed = at(monday, 9, 1, "America/New_York")
    await rig.until(lambda: len(rig.posts("CNEWYORK")) == 1)
    rig.clock.fixed = at(monday + timedelta(days=1), 9, 1, "Europe/Paris")  # Tuesday
    await full_scans(rig, project["id"])
    assert len(rig.posts()) == 1 and len(rig.posts("CNEWYORK")) == 1
    rig.clock.fixed = at(monday + timedelta(days=7), 9, 1, "Europe/Paris")  # the next Monday
    await rig.until(lambda: len(rig.posts()) == 2)
    await full_scans(rig, project["id"])
    assert len(rig.posts()) == 2 and len(rig.posts("CNEWYORK")) == 1


async def test_a_restart_doubles_no_report(slack: FakeSlack, roomy: FakeLeonar, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    project = pipeline(roomy)
    monday = next_monday()
    async with Rig(slack, roomy, url, encryption_key=SECRET) as first:
        await first.connect()
        first.clock.fixed = at(monday, 8, 0, "Europe/Paris")
        await first.follow(project, what=ONLY_WEEKLY, tz="Europe/Paris")
        await first.until(lambda: first.entry_reads() >= 1)
        await first.intervals(2)
        slack.fail("chat.postMessage", "service_unavailable", http_status=503, times=500)
        first.clock.fixed = at(monday, 9, 1, "Europe/Paris")
        await first.until(lambda: any(c.body.get("channel") == CHANNEL for c in slack.calls_to("chat.postMessage")))
    # The first process "died" with the report stored, not delivered; a second one starts on the file.
    slack._failures.clear()
    async with Rig(slack, roomy, url, encryption_key=SECRET) as second:
        second.clock.fixed = at(monday, 9, 30, "Europe/Paris")
        await second.until(lambda: any(c.response.get("ok") for c in slack.calls_to("chat.postMessage")), timeout=15)
        await full_scans(second, project["id"], 2)
    delivered = [c.body for c in slack.calls_to("chat.postMessage") if c.response.get("ok")]
    assert len(delivered) == 1 and delivered[0]["text"].startswith("Weekly report")
