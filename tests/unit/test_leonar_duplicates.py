"""The duplicate check before an add, against a Leonar that ignores the undocumented `contact_id` filter of a
project's entries (and, in some tests, the documented `sort`) and accepts a second entry for the same contact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.leonar import AlreadyInProject, CheckIncomplete, Leonar, LeonarClient, NewEntry
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar

ENTRIES = r"/projects/[^/]+/entries"


@pytest.fixture
async def client(leonar: FakeLeonar) -> AsyncIterator[LeonarClient]:
    # The page logic is under test, not timeouts: no read timeout (and retry) on a busy machine.
    pool = Leonar(leonar.url, connect_timeout=0.5, read_timeout=10.0)
    yield pool.client(LEONAR_KEY)
    await pool.aclose()


@pytest.fixture
def careless(leonar: FakeLeonar) -> FakeLeonar:
    """A Leonar that lists every entry whatever `contact_id` asks, and adds a contact to a project twice."""
    leonar.ignore_undocumented_filters = True
    leonar.duplicate_mode = "allow"
    return leonar


def big_project(leonar: FakeLeonar, size: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    project = leonar.add_project("Big")
    people = [leonar.add_contact(f"Person{n:04d}") for n in range(size)]
    for person in people:
        leonar.add_entry(project["id"], person["id"])
    return project, people


def gets(leonar: FakeLeonar) -> int:
    return leonar.count("GET", ENTRIES)


async def test_a_candidate_deep_in_a_big_project_is_not_added_twice(careless: FakeLeonar,
                                                                     client: LeonarClient) -> None:
    project, people = big_project(careless, 150)
    with pytest.raises(AlreadyInProject) as already:
        await client.add_entry(NewEntry(project["id"], people[120]["id"]))
    assert already.value.entry is not None and already.value.entry.stage is not None
    assert already.value.entry.stage.name == "Sourced"
    assert len(careless.entries(project["id"])) == 150 and careless.count("POST", ENTRIES) == 0
    assert gets(careless) == 2  # both pages, asked for in creation order
    assert {r.query["sort"] for r in careless.requests if r.method == "GET"} == {"created_at"}


async def test_a_leonar_that_filters_costs_one_request_per_check(leonar: FakeLeonar, client: LeonarClient) -> None:
    project, people = big_project(leonar, 150)
    with pytest.raises(AlreadyInProject):
        await client.add_entry(NewEntry(project["id"], people[120]["id"]))
    newcomer = leonar.add_contact("New")
    await client.add_entry(NewEntry(project["id"], newcomer["id"]))
    assert gets(leonar) == 2 and len(leonar.entries(project["id"])) == 151


async def test_what_was_read_is_kept_and_only_new_entries_are_read(careless: FakeLeonar,
                                                                   client: LeonarClient) -> None:
    project, people = big_project(careless, 150)
    careless.spread_entries(60)
    first, second, third = (careless.add_contact(name) for name in ("First", "Second", "Third"))
    await client.add_entry(NewEntry(project["id"], first["id"]))
    assert gets(careless) == 2
    with pytest.raises(AlreadyInProject):  # known from the pages already read: no request
        await client.add_entry(NewEntry(project["id"], people[3]["id"]))
    assert gets(careless) == 2
    careless.add_entry(project["id"], second["id"])  # someone adds them in Leonar meanwhile
    with pytest.raises(AlreadyInProject):
        await client.add_entry(NewEntry(project["id"], second["id"]))
    assert gets(careless) == 3  # one page, from the last entry read on
    await client.add_entry(NewEntry(project["id"], third["id"]))
    assert gets(careless) == 4 and len(careless.entries(project["id"])) == 153


@pytest.mark.parametrize(("spread", "requests"), [(True, 2), (False, 3)],
                         ids=["dates out of order", "same dates, last entry moved"])
async def test_an_ignored_sort_is_noticed_and_the_project_read_again(
    careless: FakeLeonar, client: LeonarClient, spread: bool, requests: int
) -> None:
    careless.ignore_sort = True  # newest first, whatever `sort` says: new entries come first, not last
    if not spread:
        careless.clock = lambda: 1_796_000_000.0  # made within one second: one timestamp, however loaded the machine
    project, _ = big_project(careless, 150)
    if spread:
        careless.spread_entries(60)
    newcomer, latecomer = careless.add_contact("New"), careless.add_contact("Late")
    await client.add_entry(NewEntry(project["id"], newcomer["id"]))
    careless.add_entry(project["id"], latecomer["id"])
    before = gets(careless)
    with pytest.raises(AlreadyInProject):
        await client.add_entry(NewEntry(project["id"], latecomer["id"]))
    assert gets(careless) - before == requests and len(careless.entries(project["id"])) == 152


@pytest.mark.slow
async def test_a_huge_project_is_checked_over_several_submits(careless: FakeLeonar, client: LeonarClient) -> None:
    project, people = big_project(careless, 2150)
    with pytest.raises(CheckIncomplete) as incomplete:  # 20 pages read: not sure yet, so nothing is sent
        await client.add_entry(NewEntry(project["id"], people[2100]["id"]))
    assert (incomplete.value.read, incomplete.value.total) == (2000, 2150) and gets(careless) == 20
    with pytest.raises(AlreadyInProject):  # the next submit reads on from there
        await client.add_entry(NewEntry(project["id"], people[2100]["id"]))
    assert gets(careless) == 22
    assert careless.count("POST", ENTRIES) == 0 and len(careless.entries(project["id"])) == 2150


class Indexes:
    """The database instances share their indexes through (bot/store/shared.py), in memory."""

    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], tuple[str, float]] = {}

    async def load_index(self, key_id: str, project_id: str) -> tuple[str, float] | None:
        return self.saved.get((key_id, project_id))

    async def save_index(self, key_id: str, project_id: str, data: str, read_at: float) -> None:
        self.saved[(key_id, project_id)] = (data, read_at)


async def test_instances_sharing_their_indexes_read_a_big_project_once_between_them(careless: FakeLeonar) -> None:
    """Issue 18 G: each instance read the project's pages again for its own index."""
    project, people = big_project(careless, 450)
    shared = Indexes()
    one = Leonar(careless.url, connect_timeout=0.5, read_timeout=10.0, indexes=shared)
    two = Leonar(careless.url, connect_timeout=0.5, read_timeout=10.0, indexes=shared)
    try:
        with pytest.raises(AlreadyInProject):
            await one.client(LEONAR_KEY).add_entry(NewEntry(project["id"], people[400]["id"]))
        for _ in range(10):  # saved behind the user's back: the add did not wait for it
            if shared.saved:
                break
            await asyncio.sleep(0)
        assert gets(careless) == 5 and len(shared.saved) == 1  # the whole project, once
        with pytest.raises(AlreadyInProject):  # another instance, another candidate of the project
            await two.client(LEONAR_KEY).add_entry(NewEntry(project["id"], people[10]["id"]))
        assert gets(careless) == 5  # known from the shared index: no page read again
        newcomer = careless.add_contact("Newcomer")
        entry = await two.client(LEONAR_KEY).add_entry(NewEntry(project["id"], newcomer["id"]))
        assert entry.contact is not None or entry.id  # added
        assert gets(careless) == 6  # only what came after the last entry known
        with pytest.raises(AlreadyInProject):  # back on the first: the newcomer is found, never added twice
            await one.client(LEONAR_KEY).add_entry(NewEntry(project["id"], newcomer["id"]))
    finally:
        await one.aclose()
        await two.aclose()
