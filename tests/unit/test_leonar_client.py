"""The Leonar client against the fake Leonar API (a real HTTP server on loopback)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest

from bot.leonar import (
    AlreadyInProject,
    InsufficientScope,
    InvalidApiKey,
    Leonar,
    LeonarClient,
    Listing,
    NewEntry,
    NotFound,
    RateLimited,
    ServerError,
    Unavailable,
    UnexpectedResponse,
    ValidationFailed,
)
from bot.leonar.cache import ReadCache
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar


@pytest.fixture
async def pool(leonar: FakeLeonar) -> AsyncIterator[Leonar]:
    pool = Leonar(leonar.url, connect_timeout=0.5, read_timeout=1.0)
    yield pool
    await pool.aclose()


@pytest.fixture
def client(pool: Leonar) -> LeonarClient:
    return pool.client(LEONAR_KEY)


async def test_list_projects_reads_every_page_of_active_projects(leonar: FakeLeonar, client: LeonarClient) -> None:
    for n in range(257):
        leonar.add_project(f"Project {n:03d}")
    leonar.add_project("Archived", status="archived")
    projects = await client.list_projects()
    assert len(projects.items) == 257 and projects.items[-1].name == "Project 256" and not projects.stale
    pages = [r for r in leonar.requests if r.path == "/projects"]
    assert sorted(int(r.query["offset"]) for r in pages) == [0, 100, 200]
    assert {r.query["limit"] for r in pages} == {"100"} and {r.query["status"] for r in pages} == {"active"}
    assert {r.api_key for r in pages} == {LEONAR_KEY}


async def test_get_project_has_ordered_stages(leonar: FakeLeonar, client: LeonarClient) -> None:
    created = leonar.add_project("Lead", stages=["Sourced", "Call", "Offer"])
    project = await client.get_project(created["id"])
    assert [s.name for s in project.stages] == ["Sourced", "Call", "Offer"]
    with pytest.raises(NotFound):
        await client.get_project("00000000-0000-0000-0000-000000000000")


async def test_search_contacts_is_server_side(leonar: FakeLeonar, client: LeonarClient) -> None:
    leonar.add_contact("Ada", "Lovelace", title="CTO")
    leonar.add_contact("Alan", "Turing")
    found = await client.search_contacts("lovelace", limit=10)
    assert [c.full_name for c in found.items] == ["Ada Lovelace"] and not found.stale
    [search] = [r for r in leonar.requests if r.path == "/contacts/search"]
    assert search.json == {"query": "lovelace", "limit": 10, "offset": 0}


async def test_add_entry_sends_only_contact_and_stage(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Lead", stages=["Sourced", "Call"])
    person = leonar.add_contact("Ada", "Lovelace")
    call = project["pipeline"]["stages"][1]["id"]
    entry = await client.add_entry(NewEntry(project["id"], person["id"], call))
    assert entry.stage is not None and entry.stage.name == "Call"
    assert entry.contact is not None and entry.contact.full_name == "Ada Lovelace"
    other = leonar.add_contact("Alan", "Turing")
    first = await client.add_entry(NewEntry(project["id"], other["id"]))
    assert first.stage is not None and first.stage.name == "Sourced"
    posts = [r.json for r in leonar.requests if r.method == "POST"]
    assert posts == [{"contact_id": person["id"], "stage_id": call}, {"contact_id": other["id"]}]


@pytest.mark.parametrize("mode", ["conflict", "validation"])
async def test_duplicate_add_is_already_in_project(leonar: FakeLeonar, client: LeonarClient, mode: str) -> None:
    leonar.duplicate_mode = mode
    project = leonar.add_project("Lead")
    person = leonar.add_contact("Ada")
    await client.add_entry(NewEntry(project["id"], person["id"]))
    with pytest.raises(AlreadyInProject):
        await client.add_entry(NewEntry(project["id"], person["id"]))


async def test_errors_are_typed(leonar: FakeLeonar, pool: Leonar) -> None:
    with pytest.raises(InvalidApiKey):
        await pool.client("leo_nobody_knows_me").list_projects()
    leonar.add_key("leo_limited_key_1", scopes={"projects:read"})
    with pytest.raises(InsufficientScope) as scope:
        await pool.client("leo_limited_key_1").search_contacts("x")
    assert "contacts:read" in scope.value.message
    project = leonar.add_project("Lead")
    person = leonar.add_contact("Ada")
    with pytest.raises(ValidationFailed) as invalid:
        await pool.client(LEONAR_KEY).add_entry(NewEntry(project["id"], person["id"], "not-a-stage"))
    assert invalid.value.field == "stage_id"


async def test_rate_limit_is_tracked_and_429_carries_the_reset(leonar: FakeLeonar, client: LeonarClient) -> None:
    await client.list_projects()
    last = client.budget.last
    assert last is not None and last.remaining == last.limit - 1
    leonar.exhaust_rate_limit(LEONAR_KEY, reset_in=120)
    with pytest.raises(RateLimited) as limited:
        await client.search_contacts("ada")
    assert limited.value.reset_at is not None and limited.value.reset_at > time.time() + 60


async def test_reads_are_retried_once_after_a_server_error(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Lead")
    leonar.inject("GET", "/projects", status=500, code="internal_error")
    assert [p.name for p in (await client.list_projects()).items] == ["Lead"]
    leonar.inject("GET", r"/projects/[^/]+", status=500, code="internal_error", times=2)
    with pytest.raises(ServerError):
        await client.get_project(project["id"])
    assert leonar.count("GET", r"/projects/[^/]+") == 2  # one retry, no more


ENTRIES = r"/projects/[^/]+/entries"


async def test_a_post_whose_answer_was_lost_is_found_not_resent(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Lead")
    person = leonar.add_contact("Ada")
    leonar.inject("POST", ENTRIES, drop_connection=True, after_processing=True)
    entry = await client.add_entry(NewEntry(project["id"], person["id"]))
    assert [entry.id] == [e["id"] for e in leonar.entries()]
    assert leonar.count("POST", ENTRIES) == 1


async def test_a_post_that_never_landed_is_sent_again(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Lead")
    person = leonar.add_contact("Ada")
    leonar.inject("POST", ENTRIES, status=502, code="internal_error")
    await client.add_entry(NewEntry(project["id"], person["id"]))
    assert len(leonar.entries()) == 1 and leonar.count("POST", ENTRIES) == 2


async def test_an_unknown_outcome_is_reported_as_such(leonar: FakeLeonar, client: LeonarClient) -> None:
    project = leonar.add_project("Lead")
    person = leonar.add_contact("Ada")
    leonar.inject("POST", ENTRIES, drop_connection=True, after_processing=True)
    leonar.inject("GET", ENTRIES, delay=0.01)  # the pre-check goes through...
    leonar.inject("GET", ENTRIES, status=500, code="internal_error", times=2)  # ...the look-up after does not
    with pytest.raises(Unavailable) as unknown:
        await client.add_entry(NewEntry(project["id"], person["id"]))
    assert unknown.value.may_have_arrived and unknown.value.writing
    assert len(leonar.entries()) == 1 and leonar.count("POST", ENTRIES) == 1


@pytest.mark.parametrize("mode", ["conflict", "validation", "existing"])
async def test_already_in_project_is_told_with_its_stage(leonar: FakeLeonar, client: LeonarClient, mode: str) -> None:
    leonar.duplicate_mode = mode
    project = leonar.add_project("Lead", stages=["Sourced", "Call"])
    person = leonar.add_contact("Ada")
    await client.add_entry(NewEntry(project["id"], person["id"], project["pipeline"]["stages"][1]["id"]))
    leonar.backdate_entries(600)
    # The pre-check finds it...
    with pytest.raises(AlreadyInProject) as found:
        await client.add_entry(NewEntry(project["id"], person["id"]))
    assert found.value.entry is not None and found.value.entry.stage is not None
    assert found.value.entry.stage.name == "Call"
    # ...and Leonar's own answer is recognised when the pre-check misses it (a server ignoring the filter).
    leonar.inject("GET", ENTRIES, raw_body=b'{"data": [], "meta": {"total": 0, "has_more": false}}')
    with pytest.raises(AlreadyInProject):
        await client.add_entry(NewEntry(project["id"], person["id"]))
    assert len(leonar.entries()) == 1


async def test_timeouts_and_garbage_are_errors_not_crashes(leonar: FakeLeonar, client: LeonarClient) -> None:
    impatient = Leonar(leonar.url, connect_timeout=0.5, read_timeout=0.2)  # the bot's 2 s, shrunk
    leonar.inject("GET", "/projects", delay=0.5, times=2)
    with pytest.raises(Unavailable):
        await impatient.client(LEONAR_KEY).list_projects()
    await impatient.aclose()
    leonar.inject("GET", "/projects", raw_body=b"<html>oops</html>", times=2)
    with pytest.raises(UnexpectedResponse):
        await client.list_projects()
    leonar.inject("GET", "/projects", raw_body=b'{"data": "nope"}', times=2)
    with pytest.raises(UnexpectedResponse):
        await client.list_projects()


async def test_unreachable_leonar_is_unavailable_and_never_arrived() -> None:
    pool = Leonar("http://127.0.0.1:9/api/v1", connect_timeout=0.5)
    with pytest.raises(Unavailable) as down:
        await pool.client(LEONAR_KEY).missing_scopes()
    assert down.value.may_have_arrived is False
    await pool.aclose()


async def test_missing_scopes_are_found_by_reads_only(leonar: FakeLeonar, pool: Leonar) -> None:
    assert await pool.client(LEONAR_KEY).missing_scopes() == []
    leonar.add_key("leo_reader_0001", scopes={"projects:read", "contacts:read", "pipeline:read"})
    assert await pool.client("leo_reader_0001").missing_scopes() == []  # write scopes: learnt at first use
    leonar.add_key("leo_nothing_0001", scopes=set())
    assert await pool.client("leo_nothing_0001").missing_scopes() == ["projects:read", "contacts:read",
                                                                      "pipeline:read"]
    with pytest.raises(InvalidApiKey):
        await pool.client("leo_unknown_0001").missing_scopes()
    writes = [(r.method, r.path) for r in leonar.requests if (r.method, r.path) != ("POST", "/contacts/search")
              and r.method != "GET"]
    assert writes == [] and leonar.entries() == [] and leonar.notes() == []


@pytest.mark.parametrize(("call", "scope"), [("add", "pipeline:write"), ("note", "notes:write"),
                                             ("create", "contacts:write")])
async def test_a_write_refused_for_its_scope_names_it(leonar: FakeLeonar, pool: Leonar, call: str, scope: str
                                                      ) -> None:
    leonar.add_key("leo_reader_0001", scopes={"projects:read", "contacts:read", "pipeline:read"})
    client = pool.client("leo_reader_0001")
    project, person = leonar.add_project("Lead"), leonar.add_contact("Ada")
    writes = {"add": lambda: client.add_entry(NewEntry(project["id"], person["id"])),
              "note": lambda: client.add_note(person["id"], "hello"),
              "create": lambda: client.create_contact({"first_name": "Alan"})}
    with pytest.raises(InsufficientScope) as refused:
        await writes[call]()
    assert refused.value.scope == scope


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_identical_concurrent_lookups_make_one_call(leonar: FakeLeonar, client: LeonarClient) -> None:
    leonar.add_project("Lead")
    leonar.latency = 0.2
    results = await asyncio.gather(*(client.list_projects() for _ in range(10)),
                                   *(client.search_contacts(" Ada  ") for _ in range(5)),
                                   *(client.search_contacts("ada") for _ in range(5)))
    assert all(r == results[0] for r in results[:10])
    assert leonar.count("GET", "/projects") == 1 and leonar.count("POST", "/contacts/search") == 1


async def test_reads_are_cached_per_ttl_and_an_add_updates_the_project(leonar: FakeLeonar, pool: Leonar) -> None:
    clock = Clock()
    pool.cache = ReadCache(clock=clock)
    client = pool.client(LEONAR_KEY)
    project = leonar.add_project("Lead")
    person = leonar.add_contact("Ada")
    for _ in range(3):
        await client.list_projects()
        await client.get_project(project["id"])
    assert leonar.count("GET", "/projects") == 1 and leonar.count("GET", r"/projects/[^/]+") == 1
    clock.now += 61  # the project list is a minute old: asked again; the project detail (5 min) is not
    await client.list_projects()
    await client.get_project(project["id"])
    assert leonar.count("GET", "/projects") == 2 and leonar.count("GET", r"/projects/[^/]+") == 1
    await client.add_entry(NewEntry(project["id"], person["id"]))
    detail = await client.get_project(project["id"])  # brought up to date without asking Leonar again
    assert leonar.count("GET", r"/projects/[^/]+") == 1
    assert detail.entries_count == 1 and [s.entries_count for s in detail.stages] == [1, 0, 0, 0, 0]
    [listed] = (await client.list_projects()).items
    assert listed.entries_count == 1 and leonar.count("GET", "/projects") == 2
    elsewhere = Leonar(leonar.url)  # no shared cache: what Leonar itself now says
    assert await elsewhere.client(LEONAR_KEY).get_project(project["id"]) == detail
    await elsewhere.aclose()


async def test_cache_is_per_key(leonar: FakeLeonar, pool: Leonar) -> None:
    leonar.add_key("leo_other_workspace", workspace="other")
    leonar.add_project("Acme only")
    assert [p.name for p in (await pool.client(LEONAR_KEY).list_projects()).items] == ["Acme only"]
    assert await pool.client("leo_other_workspace").list_projects() == Listing([], stale=False)


async def test_after_a_429_nothing_is_sent_before_the_reset(leonar: FakeLeonar, pool: Leonar) -> None:
    client = pool.client(LEONAR_KEY)
    leonar.exhaust_rate_limit(LEONAR_KEY, reset_in=300)
    with pytest.raises(RateLimited):
        await client.search_contacts("ada")
    sent = len(leonar.requests)
    for attempt in (client.search_contacts("bob"), client.get_project("p"), client.missing_scopes(),
                    pool.client(LEONAR_KEY).list_projects()):
        with pytest.raises(RateLimited) as blocked:
            await attempt
        assert blocked.value.reset_at is not None and blocked.value.reset_at > time.time() + 200
    assert len(leonar.requests) == sent  # nothing went out
    budget = pool.client(LEONAR_KEY).budget
    budget.blocked_until, budget.last = 0, None  # the reset has come: what Leonar said of the last hour is void
    leonar.reset_rate_limits()
    await client.search_contacts("bob")
    assert len(leonar.requests) == sent + 1


async def test_a_nearly_spent_budget_serves_stale_reads(leonar: FakeLeonar) -> None:
    small = FakeLeonar(rate_limit=25).start()
    try:
        small.add_key(LEONAR_KEY)
        small.add_project("Lead")
        clock = Clock()
        pool = Leonar(small.url)
        pool.cache = ReadCache(clock=clock)
        client = pool.client(LEONAR_KEY)
        assert not (await client.list_projects()).stale
        clock.now += 120
        asked = await client.list_projects()  # 23 left: still asked
        assert not asked.stale and small.count("GET", "/projects") == 2
        for n in range(3):
            await client.search_contacts(f"q{n}")  # 20 left: the last 5% (at least 20) is kept for adds
        clock.now += 120
        projects = await client.list_projects()
        assert [p.name for p in projects.items] == ["Lead"] and projects.stale
        assert small.count("GET", "/projects") == 2
        await pool.aclose()
    finally:
        small.stop()


async def test_connect_timeout_is_unavailable_and_never_arrived() -> None:
    # A listening socket whose backlog is full drops new SYNs: the connect itself times out.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = []
        for _ in range(3):  # fill the accept queue without waiting on it
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        pool = Leonar(f"http://127.0.0.1:{port}/api/v1", connect_timeout=0.3, read_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(Unavailable) as down:
            await pool.client(LEONAR_KEY).list_projects()
        assert not down.value.may_have_arrived and time.monotonic() - started < 2.5
        await pool.aclose()
        for filler in fillers:
            filler.close()


async def test_a_note_is_updated_in_place_and_an_update_leonar_cannot_make_says_so(leonar: FakeLeonar,
                                                                                    client: LeonarClient) -> None:
    person = leonar.add_contact("Ada", "Lovelace")
    note_id = await client.add_note(person["id"], "first words")
    assert note_id is not None
    assert await client.update_note(person["id"], note_id, "second words") is True
    assert [n["content"] for n in leonar.notes(person["id"])] == ["second words"]  # the same note, changed
    assert await client.update_note(person["id"], "no-such-note", "lost") is False
    leonar.note_updates = False  # a Leonar without the (inferred) route
    assert await client.update_note(person["id"], note_id, "third words") is False
    assert [n["content"] for n in leonar.notes(person["id"])] == ["second words"]


def test_what_leonar_turned_away_for_now_is_asked_again_only_when_it_cannot_be_done_twice() -> None:
    from bot.leonar.errors import CheckIncomplete, UserRateLimited, retry_in

    never_arrived = Unavailable("refused", may_have_arrived=False)
    maybe_arrived = Unavailable("cut", may_have_arrived=True)
    limited = UserRateLimited("share", retry_in=12.0)
    for repeatable in (True, False):
        assert retry_in(limited, repeatable=repeatable) == 12.0
        assert retry_in(RateLimited("key", reset_at=None), repeatable=repeatable) == 60.0
        assert retry_in(never_arrived, repeatable=repeatable) == 30.0
        assert retry_in(ValidationFailed("name: required"), repeatable=repeatable) is None
    # Leonar may have made it: an add finds its own entry again, a note would be a second copy.
    for maybe_made in (maybe_arrived, ServerError("500"), CheckIncomplete("more", read=2000, total=2150)):
        assert retry_in(maybe_made, repeatable=True) == 30.0
        assert retry_in(maybe_made, repeatable=False) is None


async def test_latest_notes_newest_first_and_none_without_the_scope_or_the_route(leonar: FakeLeonar,
                                                                                 pool: Leonar) -> None:
    client = pool.client(LEONAR_KEY)
    person = leonar.add_contact("Nora", "Notes")
    other = leonar.add_contact("Otto", "Other")
    for words in ("first", "second", "third", "fourth"):
        await client.add_note(person["id"], words)
    await client.add_note(other["id"], "not hers")
    notes = await client.latest_notes(person["id"], limit=3)
    assert notes is not None and [n.content for n in notes] == ["fourth", "third", "second"]
    [read] = [r for r in leonar.requests if r.method == "GET" and r.path.endswith("/notes")]
    assert read.query["limit"] == "100" and read.api_key == LEONAR_KEY  # one request, a whole page: see below
    leonar.add_key("leo_no_notes_read", scopes={"contacts:read", "notes:write"})
    assert await pool.client("leo_no_notes_read").latest_notes(person["id"]) is None  # 403 insufficient_scope
    leonar.note_listing = False  # a Leonar without the (undocumented) route: 404
    assert await client.latest_notes(person["id"]) is None
    with pytest.raises(ServerError):
        leonar.note_listing = True
        leonar.inject("GET", r"/contacts/[^/]+/notes", status=500, times=10)
        await client.latest_notes(person["id"])


async def test_latest_notes_are_the_latest_even_when_leonar_answers_oldest_first(leonar: FakeLeonar,
                                                                                  pool: Leonar) -> None:
    """The notes' list is undocumented: should it ignore `sort`, the first page is the oldest notes, and the latest
    are found among a whole page rather than cut to the oldest `limit`."""
    client = pool.client(LEONAR_KEY)
    person = leonar.add_contact("Olga", "Oldest")
    moments = iter(range(1_796_000_000, 1_796_000_100, 10))
    leonar.clock = lambda: float(next(moments))  # one note every 10 s: their order is their timestamps'
    for words in ("first", "second", "third", "fourth", "fifth"):
        leonar.add_note(person["id"], words)
    leonar.notes_oldest_first = True
    notes = await client.latest_notes(person["id"], limit=3)
    assert notes is not None and [n.content for n in notes] == ["fifth", "fourth", "third"]
