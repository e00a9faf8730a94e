"""Pipeline activity end to end against the fakes: a follow made through the store (the Slack side is another
module's), changes made in the fake Leonar, the poller's chat.postMessage calls counted at the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.activity.follow import Delivery, FollowFilter, StopReason
from bot.leonar.cache import ReadCache
from tests.support.activity import ACME, BOT_TOKEN, CHANNEL, SECRET, Rig, posted_text
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack


def pipeline(fake: FakeLeonar, people: int = 3) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    project = fake.add_project("Backend Engineer")
    entries = [fake.add_entry(project["id"], fake.add_contact(f"Person{n}", "Martin")["id"]) for n in range(people)]
    return project, entries


async def seeded(rig: Rig, project: dict[str, Any], **follow: Any) -> None:
    await rig.follow(project, **follow)
    await rig.until(lambda: rig.entry_reads() >= 1)
    await rig.intervals(1.5)


async def test_first_poll_seeds_silently_then_moves_adds_and_hires_make_one_grouped_post(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    assert rig.posts() == []  # the entries already there are no news
    rig.fake.move_entry(entries[0]["id"], "Interview")
    rig.fake.move_entry(entries[1]["id"], "Hired")
    rig.fake.add_entry(project["id"], rig.fake.add_contact("Marc", "Dupont")["id"])
    await rig.until(lambda: len(rig.posts()) == 1)
    await rig.intervals(2.5)
    [post] = rig.posts()
    text = posted_text(post)
    assert "3 updates" in post["text"] or "3 updates" in text
    assert "Person0 Martin" in text and "Sourced → Interview" in text.replace("*", "")
    assert "Person1 Martin" in text and "Marc Dupont" in text
    assert post.get("unfurl_links") in (False, "false", "0", 0)


async def test_posts_open_the_project_in_leonar_once_the_workspace_address_is_known(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await rig.store.update_settings(ACME, leonar_slug="acme-corp")
    await seeded(rig, project)
    rig.fake.move_entry(entries[0]["id"], "Interview")
    await rig.until(lambda: len(rig.posts()) == 1)
    [post] = rig.posts()
    urls = [e.get("url") for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert urls == [f"https://app.leonar.app/dashboard/acme-corp/projects/{project['id']}/pipeline"]


async def test_a_follow_gets_only_what_its_filter_wants(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await rig.follow(project, channel="CHIRES", what=FollowFilter(new_candidates=False, moves=False, hires=True))
    await seeded(rig, project)
    rig.fake.move_entry(entries[0]["id"], "Interview")
    rig.fake.move_entry(entries[1]["id"], "Hired")
    await rig.until(lambda: len(rig.posts()) == 1 and len(rig.posts("CHIRES")) == 1)
    assert "Person0" not in posted_text(rig.posts("CHIRES")[0]) and "Person1" in posted_text(rig.posts("CHIRES")[0])
    assert "Person0" in posted_text(rig.posts()[0])
    reads = rig.entry_reads()
    await rig.intervals(1.5)
    assert rig.entry_reads() - reads <= 3  # one read per poll for both channels, not one per follow


async def test_more_than_ten_events_show_ten_and_and_n_more(rig: Rig) -> None:
    project, entries = pipeline(rig.fake, people=13)
    await seeded(rig, project)
    for entry in entries:
        rig.fake.move_entry(entry["id"], "Screening")
    await rig.until(lambda: len(rig.posts()) == 1)
    text = posted_text(rig.posts()[0])
    assert text.count("Sourced → Screening") == 10 and "and 3 more" in text


async def test_when_leonar_ignores_the_list_operators_the_full_scan_still_finds_each_change_once(rig: Rig) -> None:
    rig.fake.ignore_undocumented_filters = True
    rig.fake.ignore_sort = True
    project, entries = pipeline(rig.fake, people=4)
    rig.fake.spread_entries(3600)  # weeks-old entries in a filtered answer show the filter ignored
    await seeded(rig, project)
    rig.fake.move_entry(entries[2]["id"], "Offer")
    rig.fake.remove_entry(entries[3]["id"])  # only a full scan can see this
    await rig.until(lambda: len(rig.posts()) == 1)
    await rig.intervals(3)
    [post] = rig.posts()
    assert "Person2" in posted_text(post) and "2 updates" in post["text"]


async def test_a_429_delays_the_post_and_loses_nothing(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    rig.fake.exhaust_rate_limit(LEONAR_KEY, reset_in=2)
    rig.fake.move_entry(entries[0]["id"], "Offer")
    await rig.intervals(5)
    assert rig.posts() == []  # blocked: nothing read, the snapshot where it was
    rig.fake.reset_rate_limits()
    await rig.until(lambda: len(rig.posts()) == 1, timeout=15)
    assert "Person0" in posted_text(rig.posts()[0])


async def test_disconnecting_stops_the_follows_and_nothing_polls_the_deleted_key(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    await rig.store.delete_connection(ACME)
    await rig.intervals(2.5)
    reads = rig.entry_reads()
    [follow] = await rig.follows.list_follows(ACME)
    assert follow.stopped is StopReason.DISCONNECTED
    rig.fake.move_entry(entries[0]["id"], "Offer")
    await rig.intervals(3)
    assert rig.entry_reads() == reads and rig.posts() == []


async def test_uninstalling_forgets_the_follows_and_their_state(rig: Rig) -> None:
    project, _ = pipeline(rig.fake)
    await seeded(rig, project)
    assert await rig.store.forget(ACME)
    assert await rig.follows.list_follows(ACME) == [] and await rig.follows.due_projects(1e12) == []
    reads = rig.entry_reads()
    await rig.intervals(2)
    assert rig.entry_reads() == reads


async def test_an_archived_project_stops_its_follows(rig: Rig) -> None:
    now = [0.0]
    rig.leonar.cache = ReadCache(clock=lambda: now[0])  # the project's stages are cached 5 min
    project, _ = pipeline(rig.fake)
    await seeded(rig, project)
    rig.fake.archive_project(project["id"])
    now[0] += 301
    await rig.intervals(2.5)
    [follow] = await rig.follows.list_follows(ACME)
    assert follow.stopped is StopReason.PROJECT_ARCHIVED


async def test_an_archived_channel_stops_its_follow_with_the_reason(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    rig.slack.fail("chat.postMessage", "is_archived", times=5)
    rig.fake.move_entry(entries[0]["id"], "Offer")
    await rig.intervals(5)
    [follow] = await rig.follows.list_follows(ACME, channel_id=CHANNEL)
    assert follow.stopped is StopReason.CHANNEL_ARCHIVED
    rig.fake.move_entry(entries[1]["id"], "Offer")
    await rig.intervals(2.5)
    assert all(c.response.get("error") == "is_archived" for c in rig.slack.calls_to("chat.postMessage"))


async def test_the_digest_comes_at_its_hour_in_the_followers_zone_and_not_on_a_quiet_day(rig: Rig) -> None:
    project, entries = pipeline(rig.fake, people=4)
    day = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 in Paris
    rig.clock.fixed = day
    await seeded(rig, project, delivery=Delivery.DIGEST, hour=18, tz="Europe/Paris")
    rig.fake.move_entry(entries[0]["id"], "Interview")
    rig.fake.move_entry(entries[1]["id"], "Interview")
    rig.fake.move_entry(entries[2]["id"], "Offer")
    await rig.intervals(4)
    assert rig.posts() == []  # before 18:00 Paris
    rig.clock.fixed = day + timedelta(hours=5, minutes=1)  # 18:01 Paris
    await rig.until(lambda: len(rig.posts()) == 1)
    text = posted_text(rig.posts()[0])
    assert "Interview *2*" in text and "Offer *1*" in text and "Person" not in text
    rig.clock.fixed = day + timedelta(days=1, hours=5, minutes=1)  # the next day, nothing happened
    await rig.intervals(4)
    assert len(rig.posts()) == 1


async def test_a_restart_mid_way_posts_nothing_twice(slack: FakeSlack, roomy: FakeLeonar, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    project, entries = pipeline(roomy)
    async with Rig(slack, roomy, url, encryption_key=SECRET) as first:
        await first.connect()
        await seeded(first, project)
        slack.fail("chat.postMessage", "service_unavailable", http_status=503, times=50)
        roomy.move_entry(entries[0]["id"], "Offer")
        await first.until(lambda: any(c.body.get("channel") == CHANNEL for c in slack.calls_to("chat.postMessage")))
    # The first process "died" with the post read and stored, not delivered; a second one starts on the file.
    slack._failures.clear()
    async with Rig(slack, roomy, url, encryption_key=SECRET) as second:
        await second.until(lambda: any(c.response.get("ok") for c in slack.calls_to("chat.postMessage")), timeout=15)
        await second.intervals(5)
        roomy.move_entry(entries[1]["id"], "Offer")
        await second.until(lambda: sum(bool(c.response.get("ok")) for c in slack.calls_to("chat.postMessage")) == 2)
        await second.intervals(2.5)
    delivered = [c.body for c in slack.calls_to("chat.postMessage") if c.response.get("ok")]
    assert [("Person0" in posted_text(p), "Person1" in posted_text(p)) for p in delivered] == [(True, False),
                                                                                                (False, True)]


async def test_leonar_down_backs_off_and_the_moves_are_posted_late(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    rig.fake.inject("GET", r"/projects/[^/]+/entries", status=503, code="internal_error", times=3)
    rig.fake.move_entry(entries[0]["id"], "Offer")
    rig.fake.move_entry(entries[2]["id"], "Hired")
    await rig.intervals(1.5)  # a poll failed (503, and 503 again on its one retry): the next is 2 intervals away
    assert rig.posts() == []
    state = await rig.follows.project_state(ACME, project["id"])
    assert state.failures >= 1  # backing off: the next try waits 2^failures intervals
    await rig.until(lambda: len(rig.posts()) == 1, timeout=20)
    text = posted_text(rig.posts()[0])
    assert "Person0" in text and "Person2" in text and "2 updates" in rig.posts()[0]["text"]


async def test_a_bot_removed_from_the_channel_stops_that_follow_only(rig: Rig) -> None:
    project, entries = pipeline(rig.fake)
    await rig.follow(project, channel="CKEPT")
    await seeded(rig, project)
    rig.slack.not_in_channels.add(CHANNEL)
    rig.fake.move_entry(entries[0]["id"], "Offer")
    await rig.until(lambda: len(rig.posts("CKEPT")) == 1)
    await rig.intervals(1.5)
    stopped = {f.channel_id: f.stopped for f in await rig.follows.list_follows(ACME)}
    assert stopped == {CHANNEL: StopReason.NOT_IN_CHANNEL, "CKEPT": None}


async def test_a_key_without_pipeline_read_stops_the_follows_with_that_reason(rig: Rig) -> None:
    rig.fake.add_key("leo_no_pipeline_read_0001", scopes={"projects:read", "contacts:read", "pipeline:write"})
    await rig.connect("leo_no_pipeline_read_0001")
    project, _ = pipeline(rig.fake)
    await rig.follow(project)
    await rig.intervals(2.5)
    [follow] = await rig.follows.list_follows(ACME)
    assert follow.stopped is StopReason.SCOPE_MISSING and rig.posts() == []


async def test_a_project_gone_from_leonar_stops_its_follows(rig: Rig) -> None:
    now = [0.0]
    rig.leonar.cache = ReadCache(clock=lambda: now[0])
    project, _ = pipeline(rig.fake)
    await seeded(rig, project)
    rig.fake.inject("GET", rf"/projects/{project['id']}", status=404, code="not_found", times=100)
    now[0] += 301
    await rig.intervals(2.5)
    [follow] = await rig.follows.list_follows(ACME)
    assert follow.stopped is StopReason.PROJECT_GONE


async def test_many_projects_on_one_key_stretch_the_interval_to_stay_within_the_budget(slack: FakeSlack,
                                                                                       tmp_path: Path) -> None:
    with FakeLeonar(rate_limit=1000) as fake:  # the lower of Leonar's two documented hourly limits
        fake.add_key(LEONAR_KEY)
        async with Rig(slack, fake, f"sqlite:///{tmp_path / 'bot.db'}", poll_seconds=0.5,
                       encryption_key=SECRET) as rig:
            await rig.connect()
            for n in range(20):
                await rig.follow(fake.add_project(f"Team {n}"))
            await rig.until(lambda: len(fake.requests) >= 40)  # each project's first poll
            await rig.intervals(1.5)  # past the interval asked for: nothing more
            status = await rig.follows.poll_status(ACME)
    assert status is not None and status.stretched and status.projects == 20
    # Each poll counts a page of entries, the project's stages and a 30th of a full scan: 20 projects at this
    # interval use at most LEONAR_POLL_BUDGET (20%) of 1,000 an hour.
    assert 20 * (2 + 1 / 30) * 3600 / status.interval_seconds <= 0.2 * 1000 + 1e-6
    assert len(fake.requests) == 40  # each project's first poll, then nothing for 12 minutes


@pytest.mark.parametrize(("error", "reason"), [
    ("team_access_not_granted", StopReason.SLACK_ACCESS), ("account_inactive", StopReason.SLACK_ACCESS),
    ("token_revoked", StopReason.SLACK_ACCESS), ("invalid_auth", StopReason.SLACK_ACCESS),
    ("missing_scope", StopReason.SLACK_SCOPE),
])
async def test_slack_refusing_the_workspace_stops_all_its_follows_for_good(rig: Rig, error: str,
                                                                          reason: StopReason) -> None:
    """Issue 18 E: these were retried at every poll, for ever. A dead token fails every method (the channel check
    first); a missing scope, the post."""
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    await rig.follow(project, channel="COTHER")
    if reason is StopReason.SLACK_ACCESS:
        rig.slack.revoke(BOT_TOKEN, error)
    else:
        rig.slack.fail("chat.postMessage", error, times=100)
    before = len(rig.slack.calls)
    rig.fake.move_entry(entries[0]["id"], "Offer")
    await rig.until(lambda: len(rig.slack.calls) > before)
    await rig.intervals(3)
    assert {f.channel_id: f.stopped for f in await rig.follows.list_follows(ACME)} == {CHANNEL: reason,
                                                                                        "COTHER": reason}
    tried = len(rig.slack.calls)
    rig.fake.move_entry(entries[1]["id"], "Offer")
    await rig.intervals(3)
    assert len(rig.slack.calls) == tried  # nothing more is tried


@pytest.mark.parametrize("allowed", [False, True], ids=["not allowed", "admins allow it"])
async def test_a_followed_channel_that_becomes_shared_stops_its_follow_unless_admins_allow_it(
    rig: Rig, allowed: bool
) -> None:
    """Issue 18 D: activity went to channels shared with another organisation without a check."""
    project, entries = pipeline(rig.fake)
    await seeded(rig, project)
    if allowed:
        await rig.store.update_settings(ACME, allow_shared_channels=True)
    rig.slack.ext_shared_channels.add(CHANNEL)
    rig.fake.move_entry(entries[0]["id"], "Offer")
    await rig.intervals(3)
    [follow] = await rig.follows.list_follows(ACME)
    if allowed:
        assert follow.stopped is None and len(rig.posts()) == 1  # posted, shared as the admins chose
    else:
        assert follow.stopped is StopReason.SHARED_CHANNEL and rig.posts() == []
