"""The "waiting too long" alerts end to end (issue 20 C): the real poller against the fakes, on a moved clock —
Leonar's (the fake's stamps) and the bot's moved together by whole days. An alert once per candidate and stage, a
move that resets it, a lower bound said "at least", a restart that doubles nothing, and no request of its own."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.activity.follow import FollowFilter
from bot.polling.poller import FULL_SCAN_EVERY
from tests.support.activity import ACME, CHANNEL, SECRET, Rig, full_scans, posted_text
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

ONLY_WAITING = FollowFilter(new_candidates=False, moves=False, hires=False, waiting_days=14)






def travel(rig: Rig, days: float) -> None:
    """Leonar's clock and the bot's, `days` ahead of real time (the poller's schedule is the rig's own)."""
    offset = days * 86400
    rig.fake.clock = lambda: time.time() + offset
    rig.clock.fixed = datetime.now(UTC) + timedelta(seconds=offset)


def pipeline(fake: FakeLeonar) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    project = fake.add_project("Backend Engineer")
    entries = [fake.add_entry(project["id"], fake.add_contact(f"Person{n}", "Martin")["id"]) for n in range(3)]
    # Made an hour before the bot first sees them, and touched since: Leonar's `updated_at` is only a lower bound.
    fake.backdate_entries(3600)
    return project, entries


async def test_alerted_once_per_candidate_and_stage_a_move_resets_it_a_lower_bound_says_at_least(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    travel(rig, 0)
    follow = await rig.follow(project, what=ONLY_WAITING)
    await seeded(rig, project["id"])
    rig.fake.move_entry(entries[0]["id"], "Interview")  # seen moving: exact
    await rig.intervals(3)
    assert rig.posts() == []
    travel(rig, 15.1)
    await rig.until(lambda: len(rig.posts()) == 1)
    [alert] = rig.posts()
    text = posted_text(alert)
    assert "3 candidates waiting 14+ days" in alert["text"]
    assert "*Person0 Martin* in Interview for 15 days" in text
    assert "*Person1 Martin* in Sourced for at least 15 days" in text and "Person2 Martin" in text
    await full_scans(rig, project["id"])
    assert len(rig.posts()) == 1  # once per candidate and stage
    rig.fake.move_entry(entries[1]["id"], "Interview")  # a move resets Person1's count
    await full_scans(rig, project["id"])
    assert len(rig.posts()) == 1
    travel(rig, 29.2)
    await rig.until(lambda: len(rig.posts()) == 2)
    again = posted_text(rig.posts()[1])
    assert "*Person1 Martin* in Interview for 14 days" in again and "Person0" not in again and "Person2" not in again
    await full_scans(rig, project["id"])
    assert len(rig.posts()) == 2
    assert entries[2]["id"] in await rig.follows.waiting_marks(follow.id)
    rig.fake.remove_entry(entries[2]["id"])  # gone from the project: its mark is forgotten at the next full scan
    await full_scans(rig, project["id"])
    assert set(await rig.follows.waiting_marks(follow.id)) == {entries[0]["id"], entries[1]["id"]}


async def seeded(rig: Rig, project_id: str, timeout: float = 30.0) -> None:
    """Polls until the project's first reading is stored (a read that failed on a loaded machine is not one)."""
    deadline = time.monotonic() + timeout
    while (await rig.follows.project_state(ACME, project_id)).snapshot is None:
        assert time.monotonic() < deadline, "the poller never got there"
        await rig.intervals(1)


async def window(rig: Rig, project_id: str) -> tuple[int, int, int]:
    """Polls up to the next full scan: (polls, entry pages read, other Leonar requests)."""
    polls, reads, requests = ((await rig.follows.project_state(ACME, project_id)).polls, rig.entry_reads(),
                              len(rig.fake.requests))
    await full_scans(rig, project_id)
    polls = (await rig.follows.project_state(ACME, project_id)).polls - polls
    reads = rig.entry_reads() - reads
    return polls, reads, len(rig.fake.requests) - requests - reads


async def test_alerts_cost_no_request_of_their_own(rig: Rig) -> None:
    project, _ = pipeline(rig.fake)
    travel(rig, 0)
    await rig.follow(project, channel="CPLAIN")
    await rig.until(lambda: rig.entry_reads() >= 1)
    await full_scans(rig, project["id"])
    quiet = await window(rig, project["id"])
    await rig.follow(project, what=ONLY_WAITING)  # a second follow of the polled project
    travel(rig, 15)
    alerting = await window(rig, project["id"])
    assert len(rig.posts()) == 1 and rig.posts("CPLAIN") == []
    # One page per poll with or without the alerts (and one more for a read that failed on a loaded machine),
    # nothing else but the project's stages when their cache expires: the alerts come from what the polls read.
    for polls, reads, others in (quiet, alerting):
        assert polls >= FULL_SCAN_EVERY - 1 and polls <= reads <= polls + 1 and others <= 1


async def test_a_restart_doubles_no_alert(slack: FakeSlack, roomy: FakeLeonar, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    project, _ = pipeline(roomy)
    async with Rig(slack, roomy, url, encryption_key=SECRET) as first:
        await first.connect()
        travel(first, 0)
        await first.follow(project, what=ONLY_WAITING)
        await first.until(lambda: first.entry_reads() >= 1)
        await first.intervals(2)
        slack.fail("chat.postMessage", "service_unavailable", http_status=503, times=500)
        travel(first, 15)
        await first.until(lambda: any(c.body.get("channel") == CHANNEL for c in slack.calls_to("chat.postMessage")))
    # The first process "died" with the alert stored, not delivered; a second one starts on the file.
    slack._failures.clear()
    async with Rig(slack, roomy, url, encryption_key=SECRET) as second:
        travel(second, 15)
        await second.until(lambda: any(c.response.get("ok") for c in slack.calls_to("chat.postMessage")), timeout=15)
        await full_scans(second, project["id"], 2)
    delivered = [c.body for c in slack.calls_to("chat.postMessage") if c.response.get("ok")]
    assert len(delivered) == 1 and "3 candidates waiting" in delivered[0]["text"]
