"""The core pieces together, as the poller will chain them, against the fake Leonar over HTTP: the first poll seeds
silently, each move is reported once however often it is read, and removals appear on full scans — whether Leonar
honours the list operators or not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.activity.digest import batch
from bot.activity.events import Event, Kind, Snapshot, diff, next_since
from bot.activity.follow import FollowFilter
from bot.activity.stages import Board
from bot.leonar import Leonar, LeonarClient
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar

ENTRIES = r"/projects/[^/]+/entries"


@dataclass
class Followed:
    """What the store will keep per followed project: the snapshot and the keys of the events posted."""

    project_id: str
    snapshot: Snapshot | None = None
    posted: dict[str, Event] = field(default_factory=dict)
    polls: int = 0


async def poll(client: LeonarClient, followed: Followed, *, full_scan_every: int = 5) -> list[Event]:
    full = followed.snapshot is None or followed.polls % full_scan_every == 0
    since = None if full or followed.snapshot is None else next_since(followed.snapshot)
    read = await client.entries_changed_since(followed.project_id, since)
    board = Board((await client.get_project(followed.project_id)).stages)
    result = diff(followed.project_id, followed.snapshot, read.entries, board, full_scan=read.full_scan)
    new = [e for e in result.events if e.key not in followed.posted]
    followed.posted.update({e.key: e for e in new})  # with the snapshot, in one transaction
    followed.snapshot, followed.polls = result.snapshot, followed.polls + 1
    return new


@pytest.fixture
async def client(leonar: FakeLeonar) -> AsyncIterator[LeonarClient]:
    pool = Leonar(leonar.url, connect_timeout=0.5, read_timeout=10.0)
    yield pool.client(LEONAR_KEY)
    await pool.aclose()


@pytest.mark.parametrize("careless", [False, True], ids=["operators-honoured", "operators-ignored"])
async def test_twenty_moves_are_each_reported_once(leonar: FakeLeonar, client: LeonarClient, careless: bool) -> None:
    leonar.ignore_undocumented_filters = leonar.ignore_sort = careless
    project = leonar.add_project("Backend")
    made = [leonar.add_entry(project["id"], leonar.add_contact(f"P{n:02d}")["id"])["id"] for n in range(30)]
    leonar.spread_entries(60)
    followed = Followed(project["id"])
    assert await poll(client, followed) == []  # seeded: 30 old entries, no flood
    for entry_id in made[:20]:
        leonar.move_entry(entry_id, "Interview")
    first = await poll(client, followed)
    assert sorted(e.entry_id for e in first) == sorted(made[:20]) and {e.kind for e in first} == {Kind.MOVED}
    assert [await poll(client, followed) for _ in range(3)] == [[], [], []]  # read again: nothing twice
    shown = batch(first)
    assert shown is not None and len(shown.shown) == 10 and shown.more == 10


async def test_adds_hires_and_removals_reach_the_right_follows(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Backend")
    made = [leonar.add_entry(project["id"], leonar.add_contact(f"P{n}")["id"])["id"] for n in range(4)]
    leonar.spread_entries(60)
    followed = Followed(project["id"])
    await poll(client, followed, full_scan_every=3)
    leonar.move_entry(made[0], "Hired")
    leonar.add_entry(project["id"], leonar.add_contact("Newcomer")["id"], stage="Offer")
    leonar.remove_entry(made[1])
    seen = await poll(client, followed, full_scan_every=3)  # filtered: the removal cannot be seen yet
    assert sorted((e.kind.value, e.candidate.name) for e in seen) == [("added", "Newcomer"), ("hired", "P0")]
    seen = await poll(client, followed, full_scan_every=3)
    assert seen == []
    seen = await poll(client, followed, full_scan_every=3)  # the periodic full scan
    assert [(e.kind, e.entry_id) for e in seen] == [(Kind.REMOVED, made[1])]
    board = Board((await client.get_project(project["id"])).stages)
    events = list(followed.posted.values())
    offer_and_later = FollowFilter(False, False, False, from_stage_id=board.stages[3].id)
    assert sorted(e.kind.value for e in offer_and_later.select(events, board)) == ["added", "hired"]
    assert [e.kind for e in FollowFilter(False, False, True).select(events, board)] == [Kind.HIRED]


async def test_a_quiet_project_costs_one_request_a_poll(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Backend")
    for n in range(250):
        leonar.add_entry(project["id"], leonar.add_contact(f"P{n}")["id"])
    leonar.spread_entries(60)
    followed = Followed(project["id"])
    await poll(client, followed, full_scan_every=100)
    seeded = leonar.count("GET", ENTRIES)
    for _ in range(10):
        assert await poll(client, followed, full_scan_every=100) == []
    assert seeded == 3 and leonar.count("GET", ENTRIES) - seeded == 10
