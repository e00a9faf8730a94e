"""Follows and the poller's state, one suite for both backends (SQLite, PostgreSQL): what the Slack side uses, the
lease that lets one instance poll a project at a time, the outbox that makes posting idempotent, and forgetting a
workspace."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.activity.events import Seen
from bot.activity.follow import Delivery, Follow, FollowFilter, StopReason
from bot.store import Store, Workspace, open_store
from bot.store.follows import Follows
from bot.store.poll_state import Outgoing, PollResult, PollStatus

ACME = Workspace(None, "T0001")
OTHER = Workspace(None, "T0002")
GRID = Workspace("E0001", "T0003")


@pytest.fixture(params=["sqlite", "postgres"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Store, Follows, str]]:
    url = (f"sqlite:///{tmp_path / 'bot.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    key = Fernet.generate_key().decode()
    store = await asyncio.to_thread(open_store, url, key)
    yield store, store.follows, url
    await store.close()


def follow(channel: str = "C1", project: str = "P1", **kwargs: object) -> Follow:
    return Follow("", channel, project, "Backend Engineer", "U1", **kwargs)  # type: ignore[arg-type]


async def test_follows_are_added_replaced_listed_removed_and_stopped(stores: tuple[Store, Follows, str]) -> None:
    _, follows, _ = stores
    first = await follows.add_follow(ACME, follow())
    again = await follows.add_follow(ACME, follow(filter=FollowFilter(hires=True, moves=False, new_candidates=False),
                                                  delivery=Delivery.DIGEST, digest_hour=9, time_zone="Europe/Paris",
                                                  lang="fr"))
    other = await follows.add_follow(ACME, follow(channel="C2"))
    await follows.add_follow(OTHER, follow())
    assert first.id and again.id != first.id
    listed = await follows.list_follows(ACME)
    assert [f.id for f in listed] == [again.id, other.id]  # the same project in the same channel: replaced
    assert listed[0] == again and listed[0].time_zone == "Europe/Paris" and listed[0].filter.hires
    assert [f.id for f in await follows.list_follows(ACME, channel_id="C2")] == [other.id]
    assert await follows.remove_follow(OTHER, other.id) is None  # not that workspace's
    assert await follows.stop_follows(ACME, StopReason.CHANNEL_ARCHIVED, channel_id="C2") == 1
    assert (await follows.list_follows(ACME, channel_id="C2"))[0].stopped is StopReason.CHANNEL_ARCHIVED
    assert await follows.stop_follows(ACME, StopReason.DISCONNECTED) == 1  # the one still polling
    removed = await follows.remove_follow(ACME, other.id)
    assert removed is not None and removed.id == other.id
    assert await follows.poll_status(ACME) is None
    await follows.save_poll_status(ACME, PollStatus(300.0, True, 50))
    assert await follows.poll_status(ACME) == PollStatus(300.0, True, 50)


async def test_one_holder_at_a_time_and_a_stale_holder_writes_nothing(stores: tuple[Store, Follows, str]) -> None:
    _, follows, _ = stores
    await follows.add_follow(ACME, follow())
    assert await follows.due_projects(10**12) == [(ACME, "P1")]
    assert await follows.lease(ACME, "P1", "a", 0.5)
    assert not await follows.lease(ACME, "P1", "b", 0.5)
    assert await follows.lease(ACME, "P1", "a", 0.5)  # renewed by its holder
    snapshot = {"E1": Seen("S1", "2026-01-01T00:00:00Z", "C1")}
    post = Outgoing("key1", "F", "C1", {"text": "t", "blocks": []})
    await asyncio.sleep(0.7)
    assert await follows.lease(ACME, "P1", "b", 5)  # expired: taken over
    assert not await follows.save_poll(ACME, "P1", "a", PollResult(snapshot, None, 0, [post]))
    assert (await follows.project_state(ACME, "P1")).snapshot is None and await follows.pending_posts(ACME, "P1") == []
    assert await follows.save_poll(ACME, "P1", "b", PollResult(snapshot, datetime(2026, 1, 1, tzinfo=UTC), 0,
                                                               [post]))
    state = await follows.project_state(ACME, "P1")
    assert state.snapshot == snapshot and state.polls == 1 and state.since == datetime(2026, 1, 1, tzinfo=UTC)
    # The same post key again (a poll repeated): not queued twice, and not again once delivered.
    assert await follows.save_poll(ACME, "P1", "b", PollResult(snapshot, None, 0, [post]))
    assert [p.key for p in await follows.pending_posts(ACME, "P1")] == ["key1"]
    await follows.posted("key1", delivered=True)
    assert await follows.save_poll(ACME, "P1", "b", PollResult(snapshot, None, 0, [post]))
    assert await follows.pending_posts(ACME, "P1") == []


async def test_forgetting_a_workspace_deletes_its_follows_and_poll_state(stores: tuple[Store, Follows, str]) -> None:
    store, follows, _ = stores
    await store.workspaces.save_connection(ACME, "leo_key_000000001", "U1")
    await store.workspaces.save_connection(GRID, "leo_key_000000002", "U1")
    for workspace in (ACME, OTHER, GRID):
        made = await follows.add_follow(workspace, follow(delivery=Delivery.DIGEST, digest_hour=9))
        assert await follows.lease(workspace, "P1", "a", 60)
        event = {"kind": "moved", "project_id": "P1", "entry_id": "E1", "at": "2026-01-01T00:00:00Z"}
        post = Outgoing(f"k{workspace.key}", made.id, "C1", {"text": "t", "blocks": []})
        assert await follows.save_poll(workspace, "P1", "a", PollResult({}, None, 0, [post], [(made.id, "e", event)]))
        await follows.save_poll_status(workspace, PollStatus(120, False, 1))
    assert await store.workspaces.forget(ACME)
    assert await store.workspaces.forget_enterprise("E0001") == [GRID]
    for gone in (ACME, GRID):
        assert await follows.list_follows(gone) == [] and await follows.poll_status(gone) is None
        assert await follows.pending_posts(gone, "P1") == [] and await follows.count_projects(gone) == 0
    assert await follows.due_projects(10**12) == [(OTHER, "P1")]
    [kept] = await follows.list_follows(OTHER)
    assert len(await follows.digest_events(kept.id)) == 1


async def test_following_again_a_project_nobody_polls_any_more_seeds_it_again(
    stores: tuple[Store, Follows, str],
) -> None:
    _, follows, _ = stores
    await follows.add_follow(ACME, follow())
    assert await follows.lease(ACME, "P1", "a", 60)
    snapshot = {"E1": Seen("S1", "2026-01-01T00:00:00Z", "C1")}
    assert await follows.save_poll(ACME, "P1", "a", PollResult(snapshot, None, 10**12))
    await follows.add_follow(ACME, follow(channel="C2"))  # another channel while the first still polls: kept
    await follows.add_follow(ACME, follow(lang="fr"))  # the first one replaced (a changed choice): kept too
    assert (await follows.project_state(ACME, "P1")).snapshot == snapshot
    await follows.stop_follows(ACME, StopReason.DISCONNECTED)
    await follows.add_follow(ACME, follow(channel="C3"))  # weeks later, say: no flood of what happened meanwhile
    state = await follows.project_state(ACME, "P1")
    assert state.snapshot is None and state.polls == 0
    assert await follows.due_projects(1.0) == [(ACME, "P1")]


async def test_follows_and_queued_posts_keep_the_order_they_were_made_in(stores: tuple[Store, Follows, str]) -> None:
    """Made within one tick of the database's clock (SQLite's counts milliseconds), they came back in the order of
    their random ids: a list of follows shuffled, a poll's posts sent out of order."""
    _, follows, _ = stores
    made = [await follows.add_follow(ACME, follow(channel=f"C{n}")) for n in range(12)]
    assert [f.id for f in await follows.list_follows(ACME)] == [f.id for f in made]
    assert await follows.lease(ACME, "P1", "a", 5)
    posts = [Outgoing(f"key{n}", made[0].id, "C0", {"text": str(n), "blocks": []}) for n in (7, 3, 11, 0, 5, 9, 1)]
    assert await follows.save_poll(ACME, "P1", "a", PollResult({}, None, 0, posts))
    assert [p.key for p in await follows.pending_posts(ACME, "P1")] == [p.key for p in posts]
