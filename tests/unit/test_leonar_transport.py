"""Error mapping, retries and the rate-limit budget, against answers scripted with httpx.MockTransport."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import httpx
import pytest

from bot.leonar import (
    InsufficientScope,
    InvalidApiKey,
    Leonar,
    LeonarClient,
    LeonarError,
    Listing,
    NotFound,
    Project,
    RateLimit,
    RateLimited,
    ServerError,
    Unavailable,
    UnexpectedResponse,
    ValidationFailed,
)
from bot.leonar.cache import ReadCache

KEY = "leo_unit_key_0001"
PROJECT = {"id": "p1", "name": "Lead"}
CONTACT = {"id": "c1", "first_name": "Ada"}

Answer = Callable[[httpx.Request], httpx.Response]


def ok(body: Any, headers: dict[str, str] | None = None) -> Answer:
    return lambda request: httpx.Response(200, json=body, headers=headers)


def fail(status: int, code: str, message: str = "refused", headers: dict[str, str] | None = None) -> Answer:
    body = {"error": {"code": code, "message": message}}
    return lambda request: httpx.Response(status, json=body, headers=headers)


def raw(status: int, content: bytes) -> Answer:
    return lambda request: httpx.Response(status, content=content)


def raises(make: Callable[[httpx.Request], Exception]) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise make(request)

    return answer


class Script:
    """Answers the n-th request with the n-th answer (the last one repeats), recording every request."""

    def __init__(self) -> None:
        self.answers: list[Answer] = [ok({"data": PROJECT})]
        self.requests: list[httpx.Request] = []

    def will(self, *answers: Answer) -> None:
        self.answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers[min(len(self.requests), len(self.answers)) - 1](request)

    def sent(self, method: str | None = None) -> int:
        return sum(1 for r in self.requests if method is None or r.method == method)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
async def pool(script: Script) -> AsyncIterator[Leonar]:
    pool = Leonar("https://leonar.test/api/v1", transport=httpx.MockTransport(script))
    yield pool
    await pool.aclose()


@pytest.fixture
def client(pool: Leonar) -> LeonarClient:
    return pool.client(KEY)


async def test_every_request_carries_the_key_as_a_bearer_token(script: Script, client: LeonarClient) -> None:
    assert (await client.get_project("p1")).name == "Lead"
    [request] = script.requests
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.url == "https://leonar.test/api/v1/projects/p1"


@pytest.mark.parametrize(("status", "code", "error"), [
    (401, "invalid_api_key", InvalidApiKey),
    (403, "insufficient_scope", InsufficientScope),
    (404, "not_found", NotFound),
])
async def test_documented_codes_are_typed_and_not_retried(
    script: Script, client: LeonarClient, status: int, code: str, error: type[LeonarError]
) -> None:
    script.will(fail(status, code, "told by Leonar"))
    with pytest.raises(LeonarError) as raised:
        await client.get_project("p1")
    assert type(raised.value) is error
    assert (raised.value.status, raised.value.code, raised.value.message) == (status, code, "told by Leonar")
    assert script.sent() == 1


async def test_a_validation_error_names_its_field(script: Script, client: LeonarClient) -> None:
    script.will(fail(400, "validation_error", "stage_id: is not a stage of this project"))
    with pytest.raises(ValidationFailed) as invalid:
        await client.create_contact({"first_name": "Ada"})
    assert invalid.value.field == "stage_id" and invalid.value.status == 400
    assert script.sent() == 1


async def test_the_status_types_an_answer_without_a_known_code(script: Script, client: LeonarClient) -> None:
    script.will(raw(404, b"<html>no such page</html>"))
    with pytest.raises(NotFound) as missing:
        await client.get_project("p1")
    assert missing.value.message == "Leonar answered HTTP 404" and script.sent() == 1


async def test_an_unknown_code_and_status_is_a_plain_leonar_error_with_that_code(
    script: Script, client: LeonarClient
) -> None:
    script.will(fail(418, "teapot", "short and stout"))
    with pytest.raises(LeonarError) as odd:
        await client.get_project("p1")
    assert type(odd.value) is LeonarError
    assert (odd.value.status, odd.value.code, odd.value.message) == (418, "teapot", "short and stout")
    assert script.sent() == 1


async def test_a_429_carries_its_reset_and_blocks_the_key_without_sending(script: Script, pool: Leonar) -> None:
    reset = int(time.time()) + 300
    script.will(fail(429, "rate_limit_exceeded", "slow down", headers={
        "X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}))
    client = pool.client(KEY)
    with pytest.raises(RateLimited) as limited:
        await client.get_project("p1")
    assert (limited.value.reset_at, limited.value.status, limited.value.message) == (reset, 429, "slow down")
    assert script.sent() == 1
    script.will(ok({"data": PROJECT}))
    for attempt in (pool.client(KEY).get_project("p1"), client.create_contact({"first_name": "Ada"})):
        with pytest.raises(RateLimited) as blocked:
            await attempt
        assert blocked.value.reset_at == reset
    assert script.sent() == 1  # nothing went out while blocked
    assert (await pool.client("leo_other_key_0001").get_project("p1")).name == "Lead"  # another key's budget
    assert script.sent() == 1 + 1


async def test_a_429_without_a_reset_blocks_the_key_for_a_minute(script: Script, client: LeonarClient) -> None:
    script.will(fail(429, "rate_limit_exceeded"))
    with pytest.raises(RateLimited) as limited:
        await client.get_project("p1")
    assert limited.value.reset_at is None
    assert client.budget.blocked() and client.budget.reset_at is not None
    assert 50 < client.budget.reset_at - time.time() <= 60
    with pytest.raises(RateLimited):
        await client.get_project("p1")
    assert script.sent() == 1


async def test_rate_limit_headers_update_the_budget(script: Script, client: LeonarClient) -> None:
    reset = int(time.time()) + 3600
    headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "999", "X-RateLimit-Reset": f"{reset}.5"}
    script.will(ok({"data": PROJECT}, headers))
    await client.get_project("p1")
    assert client.budget.last == RateLimit(limit=1000, remaining=999, reset_at=reset) and not client.budget.low()
    script.will(ok({"data": CONTACT}, {**headers, "X-RateLimit-Remaining": "20"}))
    await client.get_contact("c1")
    assert client.budget.last is not None and client.budget.last.remaining == 20 and client.budget.low()
    script.will(ok({"data": CONTACT}, {**headers, "X-RateLimit-Remaining": "many"}))
    await client.get_contact("c1")
    assert client.budget.last.remaining == 20  # a garbled header changes nothing
    assert script.sent() == 3


async def test_a_read_is_retried_once_after_a_server_error(script: Script, client: LeonarClient) -> None:
    script.will(fail(500, "internal_error"), ok({"data": PROJECT}))
    assert (await client.get_project("p1")).name == "Lead"
    assert script.sent("GET") == 2
    script.requests.clear()
    script.will(fail(500, "internal_error", "boom"))
    with pytest.raises(ServerError) as failed:
        await client.get_project("p2")
    assert (failed.value.status, failed.value.code, failed.value.message) == (500, "internal_error", "boom")
    assert script.sent("GET") == 2  # one retry, no more


async def test_an_unknown_code_on_a_5xx_is_a_server_error(script: Script, client: LeonarClient) -> None:
    script.will(fail(502, "bad_gateway"))
    with pytest.raises(ServerError) as failed:
        await client.get_project("p1")
    assert failed.value.status == 502 and failed.value.code == "internal_error"
    assert script.sent() == 2


@pytest.mark.parametrize("call", ["search", "create"])
async def test_a_post_is_never_retried_after_a_server_error(script: Script, client: LeonarClient, call: str) -> None:
    script.will(fail(500, "internal_error"), ok({"data": CONTACT}))
    with pytest.raises(ServerError):
        if call == "search":
            await client.search_contacts("ada")
        else:
            await client.create_contact({"first_name": "Ada"})
    assert script.sent("POST") == 1 and script.sent() == 1


async def test_non_json_success_is_unexpected(script: Script, client: LeonarClient) -> None:
    script.will(raw(200, b"<html>oops</html>"))
    with pytest.raises(UnexpectedResponse) as garbage:
        await client.get_project("p1")
    assert garbage.value.status == 200 and script.sent() == 1


@pytest.mark.parametrize("body", [{"items": [PROJECT]}, [PROJECT], {"data": {"name": "no id"}}])
async def test_success_outside_the_envelope_is_unexpected(script: Script, client: LeonarClient, body: Any) -> None:
    script.will(ok(body))
    with pytest.raises(UnexpectedResponse):
        await client.get_project("p1")
    assert script.sent() == 1


async def test_a_write_that_timed_out_may_have_arrived_and_is_not_resent(
    script: Script, client: LeonarClient
) -> None:
    script.will(raises(lambda request: httpx.ReadTimeout("no answer", request=request)), ok({"data": CONTACT}))
    with pytest.raises(Unavailable) as unknown:
        await client.create_contact({"first_name": "Ada"})
    assert unknown.value.may_have_arrived is True and unknown.value.writing is True
    assert script.sent() == 1


async def test_a_read_that_timed_out_is_retried_once(script: Script, client: LeonarClient) -> None:
    script.will(raises(lambda request: httpx.ReadTimeout("no answer", request=request)))
    with pytest.raises(Unavailable) as unknown:
        await client.get_project("p1")
    assert unknown.value.may_have_arrived is True and unknown.value.writing is False
    assert script.sent() == 2


async def test_a_write_that_never_connected_is_resent_once(script: Script, client: LeonarClient) -> None:
    refused = raises(lambda request: httpx.ConnectError("refused", request=request))
    script.will(refused, ok({"data": CONTACT}))
    assert (await client.create_contact({"first_name": "Ada"})).id == "c1"
    assert script.sent("POST") == 2
    script.requests.clear()
    script.will(refused)
    with pytest.raises(Unavailable) as down:
        await client.create_contact({"first_name": "Ada"})
    assert down.value.may_have_arrived is False and down.value.writing is False
    assert script.sent("POST") == 2  # resent once, no more


async def test_a_post_without_retry_unsent_is_not_resent_even_unsent(script: Script, client: LeonarClient) -> None:
    script.will(raises(lambda request: httpx.ConnectError("refused", request=request)), ok({"data": []}))
    with pytest.raises(Unavailable) as down:
        await client.search_contacts("ada")
    assert down.value.may_have_arrived is False and script.sent() == 1


async def test_a_disconnect_after_sending_may_have_arrived_whatever_httpx_calls_it(
    script: Script, client: LeonarClient
) -> None:
    def disconnected(request: httpx.Request) -> httpx.Response:
        # httpx-aiohttp reports a server hanging up mid-answer as a ConnectTimeout, chaining aiohttp's error.
        raise httpx.ConnectTimeout("disconnected", request=request) from aiohttp.ServerDisconnectedError()

    script.will(disconnected, ok({"data": CONTACT}))
    with pytest.raises(Unavailable) as unknown:
        await client.create_contact({"first_name": "Ada"})
    assert unknown.value.may_have_arrived is True and unknown.value.writing is True
    assert script.sent() == 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_listing_is_stale_when_a_429_leaves_only_the_cached_value(script: Script, pool: Leonar) -> None:
    clock = Clock()
    pool.cache = ReadCache(clock=clock)
    client = pool.client(KEY)
    script.will(ok({"data": [PROJECT], "meta": {"total": 1, "has_more": False}}))
    assert await client.list_projects() == Listing([Project.model_validate(PROJECT)], stale=False)
    clock.now += 61
    script.will(fail(429, "rate_limit_exceeded", headers={"X-RateLimit-Reset": str(int(time.time()) + 300)}))
    listing = await client.list_projects()
    assert [p.name for p in listing.items] == ["Lead"] and listing.stale
    assert (await client.list_projects()).stale  # blocked: from the cache without asking
    assert script.sent() == 2
    with pytest.raises(RateLimited):
        await client.search_contacts("ada")  # nothing cached to fall back on
    assert script.sent() == 2


async def test_find_by_linkedin_is_never_stale_nor_cached(script: Script, client: LeonarClient) -> None:
    ada = {**CONTACT, "linkedin_profile": "https://www.linkedin.com/in/Ada-L/"}
    other = {"id": "c2", "linkedin_profile": "linkedin.com/in/ada-lovelace"}
    script.will(ok({"data": [ada, other], "meta": {"has_more": False}}))
    for _ in range(2):
        found = await client.find_by_linkedin("linkedin.com/in/ada-l?trk=x")
        assert [c.id for c in found.items] == ["c1"] and found.stale is False
    assert script.sent() == 2
    assert script.requests[0].url.params["linkedin_profile"] == "ilike.%/in/ada-l%"
    assert await client.find_by_linkedin("https://example.com/ada") == Listing([], stale=False)
    assert script.sent() == 2


