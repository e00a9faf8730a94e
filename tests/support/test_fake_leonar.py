"""Tests of the fake Leonar REST API itself, driven over real HTTP with httpx."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.fakes.leonar import ALL_SCOPES, DEFAULT_STAGES, FakeLeonar, seed_demo

KEY = "leo_test_key_acme"
OTHER_KEY = "leo_test_key_globex"
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def client_for(fake: FakeLeonar, key: str | None = KEY, **kwargs: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    # trust_env=False: a proxy from the environment must never see loopback test traffic.
    kwargs.setdefault("timeout", 5)
    return httpx.Client(base_url=fake.url, headers=headers, trust_env=False, **kwargs)


def error_of(resp: httpx.Response) -> tuple[int, str, str]:
    err = resp.json()["error"]
    return resp.status_code, err["code"], err["message"]


def ids(resp: httpx.Response) -> list[str]:
    return [item["id"] for item in resp.json()["data"]]


@pytest.fixture
def fake() -> Iterator[FakeLeonar]:
    with FakeLeonar() as server:
        server.add_key(KEY)
        server.add_key(OTHER_KEY, workspace="globex")
        yield server


@pytest.fixture
def api(fake: FakeLeonar) -> Iterator[httpx.Client]:
    with client_for(fake) as client:
        yield client


@pytest.fixture
def project(fake: FakeLeonar) -> dict[str, Any]:
    return fake.add_project("Backend Engineer — Paris", client_company="Doctolib", location="Paris")


@pytest.fixture
def contact(fake: FakeLeonar) -> dict[str, Any]:
    return fake.add_contact("Éloïse", "Martin", title="Staff Engineer", current_company="Datadog")


# ---- lifecycle, envelope, routing ----------------------------------------------------------------


def test_url_is_loopback_ephemeral_and_stop_closes(fake: FakeLeonar) -> None:
    assert fake.url.startswith("http://127.0.0.1:") and fake.url.endswith("/api/v1")
    second = FakeLeonar().start()
    try:
        assert second.url != fake.url  # ephemeral ports: parallel fakes never collide
        second.add_key(KEY)
        with client_for(second) as client:
            assert client.get("/projects").status_code == 200
            second.stop()
            with pytest.raises(httpx.TransportError):  # even the pooled keep-alive connection is cut
                client.get("/projects")
    finally:
        second.stop()


def test_unknown_route_and_outside_prefix_are_404(fake: FakeLeonar, api: httpx.Client) -> None:
    assert error_of(api.get("/nope"))[:2] == (404, "not_found")
    assert error_of(api.delete("/projects"))[:2] == (404, "not_found")
    with httpx.Client(trust_env=False) as raw:
        resp = raw.get(fake.url.removesuffix("/api/v1") + "/projects", headers={"Authorization": f"Bearer {KEY}"})
    assert error_of(resp)[:2] == (404, "not_found")
    assert resp.headers["Content-Type"] == "application/json"


def test_malformed_json_is_validation_error(api: httpx.Client, project: dict[str, Any]) -> None:
    resp = api.post(
        f"/projects/{project['id']}/entries", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert error_of(resp) == (400, "validation_error", "body: Invalid JSON")


# ---- auth and scopes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Token leo_test_key_acme", "Bearer test_key_acme", "Bearer leo_unknown", "leo_test_key_acme", "Bearer"],
)
def test_bad_credentials_are_401_with_rate_headers(fake: FakeLeonar, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with httpx.Client(base_url=fake.url, trust_env=False) as client:
        resp = client.get("/projects", headers=headers)
    assert error_of(resp) == (401, "invalid_api_key", "Missing or invalid API key")
    assert all(h in resp.headers for h in RATE_HEADERS)


def test_key_without_leo_prefix_is_rejected_even_if_registered(fake: FakeLeonar) -> None:
    fake.add_key("sk_live_123")
    with client_for(fake, "sk_live_123") as client:
        assert client.get("/projects").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/projects", "projects:read"),
        ("GET", "/projects/{pid}", "projects:read"),
        ("GET", "/projects/{pid}/entries", "pipeline:read"),
        ("POST", "/projects/{pid}/entries", "pipeline:write"),
        ("GET", "/contacts", "contacts:read"),
        ("GET", "/contacts/{cid}", "contacts:read"),
        ("POST", "/contacts/search", "contacts:read"),
        ("POST", "/contacts", "contacts:write"),
    ],
)
def test_each_route_requires_its_scope(
    fake: FakeLeonar, project: dict[str, Any], contact: dict[str, Any], method: str, path: str, scope: str
) -> None:
    url = path.format(pid=project["id"], cid=contact["id"])
    body = {"contact_id": contact["id"], "first_name": "Ada"} if method == "POST" else None
    fake.add_key("leo_lacking", scopes=ALL_SCOPES - {scope})
    fake.add_key("leo_only", scopes={scope})
    with client_for(fake, "leo_lacking") as lacking, client_for(fake, "leo_only") as only:
        denied = lacking.request(method, url, json=body)
        assert error_of(denied) == (403, "insufficient_scope", f"This API key lacks the {scope} scope")
        assert only.request(method, url, json=body).status_code in (200, 201)


# ---- rate limiting ------------------------------------------------------------------------------


def test_rate_limit_headers_count_down_then_429() -> None:
    with FakeLeonar(rate_limit=3) as fake:
        fake.add_key(KEY)
        fake.add_key(OTHER_KEY)
        with client_for(fake) as api, client_for(fake, OTHER_KEY) as other:
            before = int(time.time())
            seen = [api.get("/projects") for _ in range(4)]
            assert [r.status_code for r in seen] == [200, 200, 200, 429]
            assert [r.headers["X-RateLimit-Remaining"] for r in seen] == ["2", "1", "0", "0"]
            assert all(r.headers["X-RateLimit-Limit"] == "3" for r in seen)
            reset = int(seen[0].headers["X-RateLimit-Reset"])
            assert before + 3599 <= reset <= before + 3601 and seen[3].headers["X-RateLimit-Reset"] == str(reset)
            assert error_of(seen[3]) == (429, "rate_limit_exceeded", "Rate limit exceeded. Limit: 3 requests per hour.")
            assert "Retry-After" not in seen[3].headers
            assert other.get("/projects").status_code == 200  # budgets are per key
            fake.reset_rate_limits()
            assert api.get("/projects").headers["X-RateLimit-Remaining"] == "2"


def test_exhaust_rate_limit(fake: FakeLeonar, api: httpx.Client) -> None:
    fake.exhaust_rate_limit(KEY, reset_in=42)
    resp = api.get("/contacts")
    assert resp.status_code == 429 and resp.headers["X-RateLimit-Remaining"] == "0"
    assert abs(int(resp.headers["X-RateLimit-Reset"]) - (time.time() + 42)) <= 2
    assert api.post("/contacts", json={"first_name": "Ada"}).status_code == 429  # no state change when limited
    fake.exhaust_rate_limit(KEY, reset_in=-1)  # a window that already ended starts afresh
    assert api.get("/contacts").json()["meta"]["total"] == 0


# ---- pagination ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit: must be between 1 and 100"),
        ({"limit": "101"}, "limit: must be between 1 and 100"),
        ({"limit": "ten"}, "limit: must be between 1 and 100"),
        ({"limit": "2.5"}, "limit: must be between 1 and 100"),
        ({"offset": "-1"}, "offset: must be greater than or equal to 0"),
        ({"offset": "x"}, "offset: must be greater than or equal to 0"),
    ],
)
def test_bad_pagination_params(api: httpx.Client, params: dict[str, str], message: str) -> None:
    assert error_of(api.get("/projects", params=params)) == (400, "validation_error", message)


def test_search_body_pagination_is_validated(api: httpx.Client) -> None:
    for bad in (0, 101, "abc", True):
        resp = api.post("/contacts/search", json={"limit": bad})
        assert error_of(resp) == (400, "validation_error", "limit: must be between 1 and 100"), bad


def test_seeded_projects_paginate_to_the_last_page(fake: FakeLeonar) -> None:
    seed_demo(fake, "leo_demo")
    names: list[str] = []
    with client_for(fake, "leo_demo") as api:
        first = api.get("/projects", params={"status": "active"}).json()
        assert first["meta"] == {"total": 250, "limit": 50, "offset": 0, "has_more": True}
        offset = 0
        while True:
            page = api.get("/projects", params={"status": "active", "limit": 100, "offset": offset}).json()
            names += [p["name"] for p in page["data"]]
            if not page["meta"]["has_more"]:
                break
            offset += 100
        beyond = api.get("/projects", params={"offset": 1000}).json()
    assert len(names) == 250 and len(set(names)) == 250
    assert names[0] == "Senior Backend Engineer — Paris #001" and names[-1] == "Zeta Platform Lead"
    assert beyond == {"data": [], "meta": {"total": 255, "limit": 50, "offset": 1000, "has_more": False}}


# ---- projects --------------------------------------------------------------------------------------


def test_project_list_is_slim_filtered_and_ordered(fake: FakeLeonar, api: httpx.Client) -> None:
    a = fake.add_project("Alpha Data Engineer")
    b = fake.add_project("Beta Designer", status="archived")
    c = fake.add_project("Gamma data analyst")
    fake.add_project("Delta hidden", workspace="globex")
    all_items = api.get("/projects").json()["data"]
    assert [p["id"] for p in all_items] == [a["id"], b["id"], c["id"]]
    assert all("pipeline" not in p for p in all_items)
    assert {"id", "name", "status", "client_company", "owners", "entries_count", "created_at"} <= set(all_items[0])
    active = api.get("/projects", params={"status": "active"}).json()
    assert [p["name"] for p in active["data"]] == ["Alpha Data Engineer", "Gamma data analyst"]
    assert [p["id"] for p in api.get("/projects", params={"status": "archived"}).json()["data"]] == [b["id"]]
    found = api.get("/projects", params={"search": "DATA"}).json()
    assert [p["id"] for p in found["data"]] == [a["id"], c["id"]] and found["meta"]["total"] == 2


def test_project_detail_has_sorted_stages(fake: FakeLeonar, api: httpx.Client, project: dict[str, Any]) -> None:
    data = api.get(f"/projects/{project['id']}").json()["data"]
    assert data == project and data["client_company"] == "Doctolib"
    stages = data["pipeline"]["stages"]
    assert [s["name"] for s in stages] == list(DEFAULT_STAGES)
    assert [s["position"] for s in stages] == [0, 1, 2, 3, 4]
    assert [s["system_category"] for s in stages] == ["sourced", None, None, None, None]
    assert all(s["color"].startswith("#") and s["entries_count"] == 0 for s in stages)
    assert error_of(api.get("/projects/00000000-0000-0000-0000-000000000000"))[:2] == (404, "not_found")


def test_workspaces_are_isolated(fake: FakeLeonar, api: httpx.Client) -> None:
    theirs = fake.add_project("Globex secret role", workspace="globex")
    their_contact = fake.add_contact("Hank", "Scorpio", workspace="globex")
    assert api.get("/projects").json()["meta"]["total"] == 0
    assert api.get(f"/projects/{theirs['id']}").status_code == 404
    assert api.get(f"/contacts/{their_contact['id']}").status_code == 404
    assert api.post("/contacts/search", json={"name": "hank"}).json()["data"] == []
    with client_for(fake, OTHER_KEY) as other:
        assert other.get(f"/projects/{theirs['id']}").status_code == 200
    assert [r.api_key for r in fake.requests][-1] == OTHER_KEY


# ---- contacts --------------------------------------------------------------------------------------


def test_contact_search_matches_name_title_company(fake: FakeLeonar, api: httpx.Client) -> None:
    eloise = fake.add_contact(
        "Éloïse", "Martin", title="Staff Engineer", current_company="Datadog", email="eloise@example.com", skills=["Go"]
    )
    lucas = fake.add_contact("Lucas", "Bernard", title="Product Designer", current_company="Algolia")
    solo = fake.add_contact("Kenji")
    assert ids(api.post("/contacts/search", json={"name": "éloïse mar"})) == [eloise["id"]]
    assert ids(api.post("/contacts/search", json={"query": "DESIGNER"})) == [lucas["id"]]
    assert ids(api.post("/contacts/search", json={"query": "datadog"})) == [eloise["id"]]
    assert ids(api.post("/contacts/search", json={"name": "kenji"})) == [solo["id"]]
    assert ids(api.post("/contacts/search", json={})) == [eloise["id"], lucas["id"], solo["id"]]
    assert ids(api.get("/contacts", params={"search": "algo"})) == [lucas["id"]]
    assert ids(api.get("/contacts", params={"search": ""})) == [eloise["id"], lucas["id"], solo["id"]]
    page = api.post("/contacts/search", json={"query": "", "limit": 2, "offset": 1}).json()
    assert [c["id"] for c in page["data"]] == [lucas["id"], solo["id"]]
    assert page["meta"] == {"total": 3, "limit": 2, "offset": 1, "has_more": False}
    slim = api.get("/contacts", params={"search": "Éloïse"}).json()["data"][0]
    assert set(slim) == {
        "id",
        "first_name",
        "last_name",
        "title",
        "current_company",
        "location",
        "linkedin_profile",
        "tags",
        "global_status",
        "created_at",
        "updated_at",
    }


def test_get_contact_is_full(fake: FakeLeonar, api: httpx.Client) -> None:
    made = fake.add_contact("Inès", "Benali", email="ines@example.com", phone="+33 6 12", years_experience=7)
    data = api.get(f"/contacts/{made['id']}").json()["data"]
    assert data == made
    assert data["emails"] == [{"email": "ines@example.com", "type": "work"}]
    assert data["phones"] == [{"phone": "+33 6 12", "type": "personal"}]
    assert data["global_status"] == "new" and data["tags"] == [] and data["skills"] == []
    assert data["created_at"].endswith("Z") and len(data["created_at"]) == 20
    assert error_of(api.get("/contacts/nope")) == (404, "not_found", "Contact not found")


def test_create_contact(fake: FakeLeonar, api: httpx.Client) -> None:
    resp = api.post(
        "/contacts",
        json={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "linkedin_profile": "https://www.linkedin.com/in/ada",
            "bogus": 1,
        },
    )
    assert resp.status_code == 201
    data = resp.json()["data"]
    assert data["emails"] == [{"email": "ada@example.com", "type": "work"}] and "bogus" not in data
    assert api.get(f"/contacts/{data['id']}").json()["data"] == data
    assert error_of(api.post("/contacts", json={"last_name": "X"})) == (400, "validation_error", "first_name: Required")
    assert error_of(api.post("/contacts", json=["Ada"]))[:2] == (400, "validation_error")


# ---- pipeline entries -------------------------------------------------------------------------------


def test_add_entry_defaults_to_first_stage(
    fake: FakeLeonar, api: httpx.Client, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    resp = api.post(f"/projects/{project['id']}/entries", json={"contact_id": contact["id"]})
    assert resp.status_code == 201
    entry = resp.json()["data"]
    first = project["pipeline"]["stages"][0]
    assert entry["stage"] == {"id": first["id"], "name": "Sourced"} and entry["project_id"] == project["id"]
    assert entry["contact"] == contact
    assert (entry["rating"], entry["notes"], entry["rejection_reason_id"]) == (None, None, None)
    detail = api.get(f"/projects/{project['id']}").json()["data"]
    assert detail["entries_count"] == 1 and detail["pipeline"]["stages"][0]["entries_count"] == 1
    assert fake.entries(project["id"]) == [entry] and fake.entries() == [entry]


def test_add_entry_at_explicit_stage_and_list_filters(
    fake: FakeLeonar, api: httpx.Client, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    other = fake.add_contact("Lucas", "Bernard")
    interview = project["pipeline"]["stages"][2]
    url = f"/projects/{project['id']}/entries"
    assert api.post(url, json={"contact_id": contact["id"], "stage_id": interview["id"]}).status_code == 201
    assert api.post(url, json={"contact_id": other["id"]}).status_code == 201
    listed = api.get(url).json()
    assert listed["meta"]["total"] == 2 and [e["contact"]["first_name"] for e in listed["data"]] == ["Éloïse", "Lucas"]
    by_stage = api.get(url, params={"stage_id": interview["id"]}).json()["data"]
    assert [e["stage"]["name"] for e in by_stage] == ["Interview"]
    by_contact = api.get(url, params={"contact_id": other["id"]}).json()["data"]
    assert [e["contact"]["id"] for e in by_contact] == [other["id"]]
    assert api.get(url, params={"limit": 1, "offset": 1}).json()["meta"]["has_more"] is False
    assert api.get("/projects/unknown/entries").status_code == 404
    counts = {
        s["name"]: s["entries_count"]
        for s in api.get(f"/projects/{project['id']}").json()["data"]["pipeline"]["stages"]
    }
    assert counts == {"Sourced": 1, "Screening": 0, "Interview": 1, "Offer": 0, "Hired": 0}


def test_entries_sort_and_the_switches_that_ignore_filters_and_sort(
    fake: FakeLeonar, api: httpx.Client, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    people = [contact, *(fake.add_contact(f"P{n}") for n in range(3))]
    made = [fake.add_entry(project["id"], person["id"])["id"] for person in people]  # someone else's adds
    fake.spread_entries(60)
    url = f"/projects/{project['id']}/entries"
    assert ids(api.get(url, params={"sort": "created_at"})) == made
    assert ids(api.get(url, params={"sort": "-created_at"})) == made[::-1]
    assert error_of(api.get(url, params={"sort": "rating"}))[:2] == (400, "validation_error")
    assert ids(api.get(url, params={"contact_id": contact["id"]})) == made[:1]
    fake.ignore_undocumented_filters = True
    assert ids(api.get(url, params={"contact_id": contact["id"]})) == made  # as if there were no filter
    fake.ignore_sort = True
    assert ids(api.get(url, params={"sort": "created_at"})) == made[::-1]  # newest first, whatever was asked
    assert api.get(f"/projects/{project['id']}").json()["data"]["entries_count"] == 4
    stamps = [e["created_at"] for e in fake.entries(project["id"])]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_add_entry_validation(
    fake: FakeLeonar, api: httpx.Client, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    url = f"/projects/{project['id']}/entries"
    elsewhere = fake.add_project("Other role")["pipeline"]["stages"][1]["id"]
    cases = [
        ({}, (400, "validation_error", "contact_id: Required")),
        ({"contact_id": "nope"}, (404, "not_found", "Contact not found")),
        (
            {"contact_id": contact["id"], "stage_id": elsewhere},
            (400, "validation_error", "stage_id: Stage does not belong to this project"),
        ),
        ({"contact_id": contact["id"], "rating": 3}, (400, "validation_error", "rating: deprecated field")),
        ({"contact_id": contact["id"], "notes": "hi"}, (400, "validation_error", "notes: deprecated field")),
    ]
    for body, expected in cases:
        assert error_of(api.post(url, json=body)) == expected, body
    assert error_of(api.post("/projects/nope/entries", json={"contact_id": contact["id"]}))[:2] == (404, "not_found")
    assert fake.entries() == []


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("conflict", 409, "conflict"),
        ("validation", 400, "validation_error"),
        ("existing", 200, None),
        ("allow", 201, None),
    ],
)
def test_duplicate_modes(
    fake: FakeLeonar,
    api: httpx.Client,
    project: dict[str, Any],
    contact: dict[str, Any],
    mode: str,
    status: int,
    code: str | None,
) -> None:
    fake.duplicate_mode = mode
    url = f"/projects/{project['id']}/entries"
    first = api.post(url, json={"contact_id": contact["id"]}).json()["data"]
    again = api.post(url, json={"contact_id": contact["id"]})
    assert again.status_code == status
    if code:
        assert again.json()["error"]["code"] == code
        assert "already in this project" in again.json()["error"]["message"]
    if mode == "existing":
        assert again.json()["data"] == first
    assert len(fake.entries(project["id"])) == (2 if mode == "allow" else 1)
    assert api.get(f"/projects/{project['id']}").json()["data"]["entries_count"] == len(fake.entries())


def test_concurrent_duplicate_adds_create_exactly_one_entry(
    fake: FakeLeonar, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    # A burst of simultaneous connections (beyond the default listen backlog of 5) must all be served,
    # and exactly one of the identical adds may win. (Under the GIL this cannot reliably *prove* the
    # lock is needed, but it catches lost requests and double inserts.)
    fake.latency = 0.05  # every request wakes up at about the same moment
    statuses: list[int] = []
    ready = threading.Barrier(24)

    def add() -> None:
        with client_for(fake) as client:
            ready.wait()
            resp = client.post(f"/projects/{project['id']}/entries", json={"contact_id": contact["id"]})
            statuses.append(resp.status_code)

    threads = [threading.Thread(target=add) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 23 and len(fake.entries()) == 1


# ---- recording, latency ------------------------------------------------------------------------------


def test_requests_are_recorded(fake: FakeLeonar, api: httpx.Client, project: dict[str, Any]) -> None:
    api.get("/projects", params={"status": "active", "limit": 100})
    api.post(f"/projects/{project['id']}/entries", json={"contact_id": "x"})
    first, second = fake.requests
    assert (first.method, first.path, first.json) == ("GET", "/projects", None)
    assert first.query == {"status": "active", "limit": "100"}
    assert (second.method, second.path) == ("POST", f"/projects/{project['id']}/entries")
    assert (second.json, second.api_key) == ({"contact_id": "x"}, KEY)
    assert fake.count("POST", r"/projects/[^/]+/entries") == 1
    assert fake.count("get", "/projects") == 1 and fake.count("GET", "/proj") == 0


def test_latency_applies_to_every_request_and_overlaps(fake: FakeLeonar) -> None:
    fake.latency = 0.3
    results: list[int] = []

    def call() -> None:
        with client_for(fake) as client:
            results.append(client.get("/projects").status_code)

    started = time.monotonic()
    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert results == [200] * 6 and 0.3 <= elapsed < 1.2  # serialized it would take >= 1.8 s


# ---- fault injection ----------------------------------------------------------------------------------


def test_inject_error_status_counts_down(fake: FakeLeonar, api: httpx.Client) -> None:
    fake.inject(
        "GET", "/projects", status=503, code="internal_error", message="down", times=2, headers={"Retry-After": "1"}
    )
    first, second, third = (api.get("/projects") for _ in range(3))
    assert error_of(first) == (503, "internal_error", "down") and first.headers["Retry-After"] == "1"
    assert all(h in first.headers for h in RATE_HEADERS)
    assert second.status_code == 503 and third.status_code == 200
    fake.inject("GET", "/projects", status=500)
    fake.inject("GET", "/projects", status=409)
    assert error_of(api.get("/projects"))[:2] == (500, "internal_error")  # default code from the status
    assert error_of(api.get("/projects"))[:2] == (409, "conflict")


def test_inject_only_matches_method_and_full_path(fake: FakeLeonar, api: httpx.Client, project: dict[str, Any]) -> None:
    fake.inject("POST", r"/projects/[^/]+/entries", status=500)
    assert api.get(f"/projects/{project['id']}/entries").status_code == 200  # other method
    assert api.get(f"/projects/{project['id']}").status_code == 200  # no fullmatch
    assert api.post(f"/projects/{project['id']}/entries", json={}).status_code == 500


def test_inject_faults_bypass_auth(fake: FakeLeonar) -> None:
    fake.inject("GET", "/projects", status=502)
    with client_for(fake, None) as anonymous:
        resp = anonymous.get("/projects")
    assert resp.status_code == 502 and all(h in resp.headers for h in RATE_HEADERS)


def test_inject_raw_body(fake: FakeLeonar, api: httpx.Client) -> None:
    fake.inject("GET", "/contacts", raw_body=b"<html>gateway</html>")
    fake.inject("GET", "/contacts", raw_body=b"{trunc", status=502)
    first, second = api.get("/contacts"), api.get("/contacts")
    assert (first.status_code, first.content) == (200, b"<html>gateway</html>")
    assert (second.status_code, second.content) == (502, b"{trunc")
    assert all(h in first.headers for h in RATE_HEADERS)


def test_inject_drop_connection(fake: FakeLeonar, api: httpx.Client) -> None:
    fake.inject("GET", "/projects", drop_connection=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/projects")
    assert api.get("/projects").status_code == 200  # the client recovers on a new connection


def test_inject_delay_triggers_client_timeout(fake: FakeLeonar) -> None:
    fake.inject("GET", "/projects", delay=0.5)
    with client_for(fake, timeout=0.1) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get("/projects")
    fake.inject("GET", "/projects", delay=0.2)  # delay alone: the real answer follows
    started = time.monotonic()
    with client_for(fake) as api:
        assert api.get("/projects").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_inject_after_processing_keeps_the_state_change(
    fake: FakeLeonar, api: httpx.Client, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    url = f"/projects/{project['id']}/entries"
    fake.inject("POST", r"/projects/[^/]+/entries", status=502, after_processing=True)
    assert api.post(url, json={"contact_id": contact["id"]}).status_code == 502
    assert len(fake.entries(project["id"])) == 1  # the add happened although the client saw an error
    assert api.post(url, json={"contact_id": contact["id"]}).status_code == 409  # a blind retry hits the duplicate
    fake.inject("POST", "/contacts", drop_connection=True, after_processing=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/contacts", json={"first_name": "Ghost"})
    assert api.get("/contacts", params={"search": "ghost"}).json()["meta"]["total"] == 1


def test_inject_without_processing_changes_nothing(
    fake: FakeLeonar, api: httpx.Client, project: dict[str, Any], contact: dict[str, Any]
) -> None:
    fake.inject("POST", r"/projects/[^/]+/entries", status=500)
    assert api.post(f"/projects/{project['id']}/entries", json={"contact_id": contact["id"]}).status_code == 500
    assert fake.entries() == []


# ---- demo seed ----------------------------------------------------------------------------------------


def test_seed_demo_contents(fake: FakeLeonar) -> None:
    seed_demo(fake, projects=30, workspace="demo")
    with client_for(fake, "leo_demo_key_0123456789") as api:
        archived = api.get("/projects", params={"status": "archived"}).json()
        everything = api.get("/projects", params={"limit": 100}).json()
        contacts = api.get("/contacts", params={"limit": 100}).json()
        eloise = api.post("/contacts/search", json={"name": "Éloïse Martin"}).json()["data"]
        full = api.get(f"/contacts/{eloise[0]['id']}").json()["data"]
    assert archived["meta"]["total"] == 5 and everything["meta"]["total"] == 35
    assert everything["data"][-1]["name"] == "Zeta Platform Lead"
    assert len({p["name"] for p in everything["data"]}) == 35
    assert 35 <= contacts["meta"]["total"] <= 45 and eloise
    assert full["linkedin_profile"] is None or full["linkedin_profile"].startswith("https://www.linkedin.com/in/")
    items = contacts["data"]
    assert sum(1 for c in items if c["linkedin_profile"]) >= 30 and sum(1 for c in items if c["tags"]) >= 15
    assert len({c["title"] for c in items}) >= 5 and len({c["location"] for c in items}) >= 5
    assert fake.entries(workspace="demo") == [] and fake.count("GET", "/projects") == 2


def test_seed_demo_is_deterministic() -> None:
    def names() -> list[str]:
        with FakeLeonar() as fake:
            seed_demo(fake, projects=40)
            with client_for(fake, "leo_demo_key_0123456789") as api:
                projects = [p["name"] for p in api.get("/projects", params={"limit": 100}).json()["data"]]
                people = [f"{c['first_name']} {c['last_name']}" for c in api.get("/contacts").json()["data"]]
                return projects + people

    assert names() == names()
