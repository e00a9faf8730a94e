"""`entries_changed_since`: one read of what changed in a project, against a Leonar that honours the documented
list operators and against one that ignores the filter, the sort, or both (then it reads everything)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.leonar import Leonar, LeonarClient
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar

ENTRIES = r"/projects/[^/]+/entries"


@pytest.fixture
async def client(leonar: FakeLeonar) -> AsyncIterator[LeonarClient]:
    leonar.add_key(LEONAR_KEY)
    pool = Leonar(leonar.url, connect_timeout=0.5, read_timeout=10.0)
    yield pool.client(LEONAR_KEY)
    await pool.aclose()


def pipeline(leonar: FakeLeonar, size: int) -> tuple[dict[str, Any], list[str]]:
    """`size` entries made over the last `size` minutes, oldest first."""
    project = leonar.add_project("Backend")
    made = [leonar.add_entry(project["id"], leonar.add_contact(f"P{n:03d}")["id"])["id"] for n in range(size)]
    leonar.spread_entries(60)
    return project, made


def ten_seconds_ago() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=10)


async def test_a_full_read_lists_every_entry_with_what_the_diff_needs(leonar: FakeLeonar,
                                                                      client: LeonarClient) -> None:
    project, made = pipeline(leonar, 3)
    read = await client.entries_changed_since(project["id"], None)
    assert read.full_scan and read.complete and read.requests == 1 and not read.ignored
    assert sorted(e.id for e in read.entries) == sorted(made)
    entry = read.entries[0]
    assert entry.contact_id and entry.stage and entry.stage.id and entry.updated_at is not None
    assert "updated_at" not in leonar.requests[-1].query and leonar.requests[-1].query["sort"] == "-updated_at"


async def test_an_honoured_filter_returns_only_the_changes_in_one_request(leonar: FakeLeonar,
                                                                         client: LeonarClient) -> None:
    project, made = pipeline(leonar, 250)
    since = ten_seconds_ago()
    leonar.move_entry(made[3], "Interview")
    leonar.move_entry(made[200], "Offer")
    read = await client.entries_changed_since(project["id"], since)
    assert {e.id for e in read.entries} == {made[3], made[200]}
    assert not read.full_scan and read.complete and read.requests == 1 and not read.ignored
    assert leonar.requests[-1].query["updated_at"].startswith("gte.")


async def test_an_ignored_filter_is_seen_and_becomes_a_full_scan(leonar: FakeLeonar, client: LeonarClient) -> None:
    project, made = pipeline(leonar, 250)
    since = ten_seconds_ago()
    leonar.move_entry(made[3], "Interview")
    leonar.remove_entry(made[7])
    leonar.ignore_undocumented_filters = True
    read = await client.entries_changed_since(project["id"], since)
    assert read.ignored == {"filter"} and read.full_scan and read.complete
    assert len(read.entries) == 249 and made[7] not in {e.id for e in read.entries}
    assert read.requests == 3 == leonar.count("GET", ENTRIES)  # the same query's pages, none asked twice


async def test_an_ignored_sort_and_filter_still_miss_no_move(leonar: FakeLeonar, client: LeonarClient) -> None:
    project, made = pipeline(leonar, 150)
    since = ten_seconds_ago()
    leonar.move_entry(made[0], "Offer")  # oldest created: last of a list sorted by creation, newest first
    leonar.ignore_undocumented_filters = leonar.ignore_sort = True
    read = await client.entries_changed_since(project["id"], since)
    assert read.ignored == {"filter", "sort"} and read.full_scan
    moved = next(e for e in read.entries if e.id == made[0])
    assert moved.stage is not None and moved.stage.name == "Offer"


async def test_an_ignored_sort_alone_keeps_the_filtered_answer(leonar: FakeLeonar, client: LeonarClient) -> None:
    project, made = pipeline(leonar, 5)  # updated 5, 4, 3, 2 and 1 minutes ago
    leonar.move_entry(made[3], "Offer")  # now the newest change, though not the newest entry
    leonar.ignore_sort = True  # newest created first: made[4] before made[3]
    read = await client.entries_changed_since(project["id"], datetime.now(UTC) - timedelta(seconds=150))
    assert read.ignored == {"sort"} and not read.full_scan and read.complete
    assert [e.id for e in read.entries] == [made[4], made[3]]


async def test_the_page_cap_cuts_the_read_and_says_so(leonar: FakeLeonar, client: LeonarClient) -> None:
    project, _ = pipeline(leonar, 250)
    read = await client.entries_changed_since(project["id"], None, max_pages=2)
    assert not read.complete and not read.full_scan and len(read.entries) == 200 and read.requests == 2


async def test_a_key_without_pipeline_read_is_told_which_scope(leonar: FakeLeonar) -> None:
    from bot.leonar import InsufficientScope

    leonar.add_key("leo_no_pipeline", scopes={"projects:read"})
    project, _ = pipeline(leonar, 1)
    pool = Leonar(leonar.url)
    try:
        with pytest.raises(InsufficientScope) as refused:
            await pool.client("leo_no_pipeline").entries_changed_since(project["id"], None)
        assert refused.value.scope == "pipeline:read"
    finally:
        await pool.aclose()


async def test_a_list_that_shifts_between_pages_is_not_complete(leonar: FakeLeonar, client: LeonarClient) -> None:
    project, made = pipeline(leonar, 150)
    since = ten_seconds_ago()
    for entry_id in made[:120]:
        leonar.move_entry(entry_id, "Interview")
    leonar.latency = 0.4  # each page answered 0.4 s after it was asked for
    newcomer = leonar.add_contact("Late")["id"]
    timer = threading.Timer(0.6, lambda: leonar.add_entry(project["id"], newcomer))  # between the two pages
    timer.start()
    try:
        read = await client.entries_changed_since(project["id"], since)
    finally:
        timer.join()
    assert read.requests == 2 and not read.complete and not read.full_scan
    leonar.latency = 0.0
    again = await client.entries_changed_since(project["id"], since)
    assert again.complete and len(again.entries) == 121
