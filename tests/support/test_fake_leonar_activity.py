"""The fake Leonar's pipeline activity: entries moved, added and removed outside Slack, archived projects, and the
list operators of a project's entries (`updated_at=gte.`, `sort=-updated_at`) with the switch that ignores them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.fakes.leonar import FakeLeonar
from tests.support.test_fake_leonar import KEY, client_for, error_of, ids


@pytest.fixture
def fake() -> Iterator[FakeLeonar]:
    with FakeLeonar() as server:
        server.add_key(KEY)
        yield server


@pytest.fixture
def api(fake: FakeLeonar) -> Iterator[httpx.Client]:
    with client_for(fake) as client:
        yield client


def stage_counts(api: httpx.Client, project_id: str) -> dict[str, int]:
    stages = api.get(f"/projects/{project_id}").json()["data"]["pipeline"]["stages"]
    return {s["name"]: s["entries_count"] for s in stages}


def filled(fake: FakeLeonar, size: int = 3) -> tuple[dict[str, Any], list[str]]:
    project = fake.add_project("Backend")
    made = [fake.add_entry(project["id"], fake.add_contact(f"P{n}")["id"])["id"] for n in range(size)]
    fake.spread_entries(60)  # an hour's history: 3, 2 and 1 minutes ago
    return project, made


def test_a_move_changes_the_stage_the_timestamp_and_the_counts(fake: FakeLeonar, api: httpx.Client) -> None:
    project, made = filled(fake)
    before = {e["id"]: e["updated_at"] for e in fake.entries(project["id"])}
    moved = fake.move_entry(made[0], "Offer")
    assert moved["stage"]["name"] == "Offer" and moved["updated_at"] > before[made[0]]
    listed = {e["id"]: e for e in api.get(f"/projects/{project['id']}/entries").json()["data"]}
    assert listed[made[0]]["stage"]["name"] == "Offer" and listed[made[1]]["updated_at"] == before[made[1]]
    assert stage_counts(api, project["id"])["Offer"] == 1 and stage_counts(api, project["id"])["Sourced"] == 2
    stage_id = listed[made[0]]["stage"]["id"]
    assert fake.move_entry(made[1], stage_id)["stage"]["name"] == "Offer"  # by id as well
    with pytest.raises(KeyError):
        fake.move_entry(made[2], "Nowhere")


def test_adds_made_outside_slack_land_where_asked(fake: FakeLeonar, api: httpx.Client) -> None:
    project = fake.add_project("Backend")
    entry = fake.add_entry(project["id"], fake.add_contact("Ada")["id"], stage="Interview")
    assert entry["stage"]["name"] == "Interview" and stage_counts(api, project["id"])["Interview"] == 1


def test_a_removed_entry_leaves_every_list(fake: FakeLeonar, api: httpx.Client) -> None:
    project, made = filled(fake)
    fake.remove_entry(made[1])
    assert ids(api.get(f"/projects/{project['id']}/entries")) == [made[0], made[2]]
    assert stage_counts(api, project["id"])["Sourced"] == 2
    assert api.get(f"/projects/{project['id']}").json()["data"]["entries_count"] == 2


def test_an_archived_project_says_so_and_stays_readable(fake: FakeLeonar, api: httpx.Client) -> None:
    project, made = filled(fake)
    fake.archive_project(project["id"])
    assert api.get(f"/projects/{project['id']}").json()["data"]["status"] == "archived"
    assert ids(api.get("/projects", params={"status": "active"})) == []
    assert ids(api.get(f"/projects/{project['id']}/entries")) == made


def test_updated_since_and_newest_first(fake: FakeLeonar, api: httpx.Client) -> None:
    project, made = filled(fake)
    stamps = {e["id"]: e["updated_at"] for e in fake.entries(project["id"])}
    url = f"/projects/{project['id']}/entries"
    assert ids(api.get(url, params={"updated_at": f"gte.{stamps[made[1]]}"})) == made[1:]
    assert ids(api.get(url, params={"updated_at": f"gt.{stamps[made[1]]}"})) == made[2:]
    fake.move_entry(made[0], "Offer")  # the oldest, now the latest change
    newest_first = {"updated_at": f"gte.{stamps[made[1]]}", "sort": "-updated_at"}
    assert ids(api.get(url, params=newest_first)) == [made[0], made[2], made[1]]
    assert ids(api.get(url, params={**newest_first, "limit": 2, "offset": 2})) == [made[1]]
    page = api.get(url, params={**newest_first, "limit": 2}).json()
    assert page["meta"] == {"total": 3, "limit": 2, "offset": 0, "has_more": True}
    assert error_of(api.get(url, params={"updated_at": "after.2026"}))[:2] == (400, "validation_error")
    assert error_of(api.get(url, params={"updated_at": "gte.yesterday"}))[:2] == (400, "validation_error")


def test_the_switches_ignore_the_operator_and_the_sort(fake: FakeLeonar, api: httpx.Client) -> None:
    project, made = filled(fake)
    url = f"/projects/{project['id']}/entries"
    fake.move_entry(made[0], "Offer")
    recent = {"updated_at": "gte.2999-01-01T00:00:00Z", "sort": "-updated_at"}
    assert ids(api.get(url, params=recent)) == []
    fake.ignore_undocumented_filters = True
    assert ids(api.get(url, params=recent)) == [made[0], made[2], made[1]]  # everything, still sorted
    fake.ignore_sort = True
    assert ids(api.get(url, params=recent)) == made[::-1]  # everything, newest created first
