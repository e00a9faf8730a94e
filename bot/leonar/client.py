"""Async client for the Leonar REST API (https://app.leonar.app/api/v1).

Behaviour the Leonar docs leave open (see shared research, tagged [INF]/[GAP]) lives in exactly one method
each, so it can be corrected in one place: the contact search endpoint (`search_contacts`), how a duplicate
add is reported (`add_entry`) and which calls prove a key usable (`verify_key`).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
import httpx
from cachetools import LRUCache
from httpx_aiohttp import AiohttpTransport
from pydantic import ValidationError

from bot.leonar import errors
from bot.leonar.budget import Budget
from bot.leonar.cache import ReadCache
from bot.leonar.models import Contact, Entry, PageMeta, Project, RateLimit, with_entry_added

PAGE_SIZE = 100  # Leonar's maximum `limit`
# The shared httpx client sends through aiohttp's connection pool (httpx-aiohttp): httpcore's pool (1.0.9) does
# work proportional to queued requests x connections, and to connections squared, each time a request starts or
# ends, which under a burst of 200 interactions cost 4-11 ms of CPU per request against 1.2 ms here (bench/, P4).
# A semaphore also keeps the requests handed to the pool within its size; connections are all kept alive.
MAX_CONNECTIONS = 64
MAX_PAGES = 50  # 5,000 projects: a bound so a misbehaving `has_more` cannot loop forever
REQUIRED_SCOPES = ("projects:read", "contacts:read", "pipeline:write")
# pipeline:read lets the bot see whether a candidate is already in a project before adding (else Leonar's
# answer tells); notes:write saves the optional note typed with an add; contacts:write creates a candidate
# Leonar does not know yet.
RECOMMENDED_SCOPES = ("pipeline:read", "notes:write", "contacts:write")
NIL_UUID = "00000000-0000-0000-0000-000000000000"
# Only idempotent reads are retried, and only once: a retry must still fit Slack's 3-second window.
GET_RETRIES = 1
RETRY_BACKOFF = 0.15
# The add may outlast Slack's 3-second window (the modal then shows a pending view), but cutting it short
# would leave the user not knowing whether the candidate was added.
ENTRY_READ_TIMEOUT = 15.0
# A 200 (rather than 201) whose entry is older than this was not created by our request.
EXISTING_AFTER = 30.0

M = TypeVar("M", Project, Contact, Entry)
LINKEDIN = re.compile(r"(?:^|[/.@\s])linkedin\.com/in/([A-Za-z0-9\-_%.]+?)/?(?:[?#\s]|$)", re.IGNORECASE)
T = TypeVar("T")
PROJECTS_TTL = 60.0
PROJECT_TTL = 300.0
CONTACTS_TTL = 30.0


class Leonar:
    """Process-wide: one keep-alive connection pool, one read cache and one request budget per API key."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 1.0,
        read_timeout: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS,
                              keepalive_expiry=30)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=limits,
            headers={"Accept": "application/json", "User-Agent": "leonar-slack-bot"},
            transport=transport or AiohttpTransport(limits=limits),
        )
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.cache = ReadCache()
        self._budgets: LRUCache[str, Budget] = LRUCache(maxsize=10_000)

    def client(self, api_key: str) -> LeonarClient:
        # Cache and budget are keyed by a digest of the key: a rotated key starts afresh, and no map holds a key.
        key_id = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        budget = self._budgets.get(key_id)
        if budget is None:
            budget = self._budgets[key_id] = Budget()
        return LeonarClient(self._http, api_key, cache=self.cache, budget=budget, key_id=key_id, slots=self._slots)

    async def aclose(self) -> None:
        await self._http.aclose()


class LeonarClient:
    """Leonar calls made with one workspace's API key.

    Reads are cached per key (projects 60 s, a project's stages 5 min, a contact search 30 s) and served stale
    when the key's budget is nearly spent or blocked; `served_stale` then tells the caller to say so.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        *,
        cache: ReadCache | None = None,
        budget: Budget | None = None,
        key_id: str = "",
        slots: asyncio.Semaphore | None = None,
    ) -> None:
        self._http = http
        self._slots = slots or asyncio.Semaphore(MAX_CONNECTIONS)
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self._cache = cache or ReadCache()
        self.budget = budget or Budget()
        self._key_id = key_id
        self.served_stale = False

    # -- endpoints -------------------------------------------------------------------------------------

    async def list_projects(self, *, status: str = "active") -> list[Project]:
        """Every project with `status`, across all pages (fetched concurrently once the total is known)."""
        return await self._cached(("projects", status), PROJECTS_TTL, lambda: self._all_projects(status))

    async def _all_projects(self, status: str) -> list[Project]:
        async def page(offset: int) -> tuple[list[Any], PageMeta]:
            params = {"status": status, "limit": PAGE_SIZE, "offset": offset}
            return _page(await self._get("projects", params=params))

        items, meta = await page(0)
        if meta.has_more and meta.total is not None:
            offsets = range(PAGE_SIZE, min(meta.total, MAX_PAGES * PAGE_SIZE), PAGE_SIZE)
            for more, _ in await asyncio.gather(*(page(offset) for offset in offsets)):
                items.extend(more)
        else:
            offset = 0
            while meta.has_more and offset < (MAX_PAGES - 1) * PAGE_SIZE:
                offset += PAGE_SIZE
                more, meta = await page(offset)
                items.extend(more)
        # Offset pages can overlap when projects are added meanwhile; keep each project once.
        return list({p.id: p for p in _parse_list(Project, items)}.values())

    async def get_project(self, project_id: str) -> Project:
        """One project with its pipeline stages."""

        async def fetch() -> Project:
            return _parse(Project, _data(await self._get(f"projects/{project_id}")))

        return await self._cached(("project", project_id), PROJECT_TTL, fetch)

    async def find_by_linkedin(self, url: str) -> list[Contact]:
        """Contacts whose `linkedin_profile` is this profile, however either URL is written.

        [INF] `GET /contacts` with the documented `ilike` filter operator on `linkedin_profile` (which fields
        accept operators is not documented); matches are checked here against the normalised URL.
        """
        wanted = normalize_linkedin(url)
        if wanted is None:
            return []
        path = wanted.split("linkedin.com", 1)[1]
        body = await self._get("contacts", params={"linkedin_profile": f"ilike.%{path}%", "limit": 10, "offset": 0})
        return [c for c in _parse_list(Contact, _page(body)[0])
                if c.linkedin_profile and normalize_linkedin(c.linkedin_profile) == wanted]

    def cached_project(self, project_id: str) -> Project | None:
        """The project as last read (any age), or None: never a request."""
        value = self._cache.stale((self._key_id, "project", project_id))
        return value if isinstance(value, Project) else None

    async def search_contacts(self, query: str, *, limit: int = 50) -> list[Contact]:
        """Contacts matching free text, searched by Leonar across the whole contact base.

        [INF] `POST /contacts/search` with `query`: the body fields are documented, how `query` matches
        (name, title, company; prefix or substring) is not.
        """
        query = " ".join(query.split())

        async def fetch() -> list[Contact]:
            body = await self._send("POST", "contacts/search", json={"query": query, "limit": limit, "offset": 0})
            return _parse_list(Contact, _page(body)[0])

        return await self._cached(("contacts", query.casefold(), limit), CONTACTS_TTL, fetch)

    async def get_contact(self, contact_id: str) -> Contact:
        """[INF] `GET /contacts/{id}`: implied by the `contacts:read` scope, no reference page found."""
        return _parse(Contact, _data(await self._get(f"contacts/{contact_id}")))

    async def create_contact(self, fields: dict[str, str]) -> Contact:
        """`POST /contacts` with first_name (required), last_name, title, current_company, linkedin_profile, email.

        Not resent once it may have arrived: a duplicate contact is worse than a retry by the user.
        """
        body = await self._send("POST", "contacts", json={k: v for k, v in fields.items() if v}, writes=True,
                                retry_unsent=True)
        return _parse(Contact, _data(body))

    async def add_note(self, contact_id: str, content: str) -> None:
        """[CODE] `POST /contacts/{id}/notes` with `content`: seen in public client code, no reference page.

        Not retried once sent: a note twice is worse than a note the user is told failed.
        """
        await self._send("POST", f"contacts/{contact_id}/notes", json={"content": content}, writes=True,
                         retry_unsent=True)

    async def find_entry(self, project_id: str, contact_id: str) -> Entry | None:
        """The contact's entry in the project, if any.

        [INF] `contact_id` as a filter of `GET /projects/{id}/entries` is not documented; the answer is
        also filtered here, so a server that ignores the filter cannot produce a false match.
        """
        params = {"contact_id": contact_id, "limit": PAGE_SIZE, "offset": 0}
        items, _ = _page(await self._get(f"projects/{project_id}/entries", params=params))
        return next((e for e in _parse_list(Entry, items) if e.contact and e.contact.id == contact_id), None)

    async def add_entry(self, project_id: str, contact_id: str, stage_id: str | None = None) -> Entry:
        """Add a contact to a project's pipeline, exactly once; without `stage_id` Leonar uses the first stage.

        Raises `AlreadyInProject` when the contact is there already. [GAP] Leonar does not document its answer
        to a duplicate add, so all plausible ones are recognised: found by `find_entry` beforehand, a 409, a
        400 `validation_error` mentioning it, or a 200 (not 201) returning an entry created earlier. When the
        outcome of the POST is unknown (no answer, 5xx, garbage), the entry is looked up, and the POST is sent
        again only if it is certainly not there.
        """
        existing = await self._lookup(project_id, contact_id)
        if existing:
            raise errors.AlreadyInProject("already in this project", entry=existing)
        payload: dict[str, Any] = {"contact_id": contact_id}
        if stage_id:
            payload["stage_id"] = stage_id
        try:
            entry = await self._post_entry(project_id, payload)
        except errors.AlreadyInProject as exc:
            exc.entry = await self._lookup(project_id, contact_id)
            raise
        except (errors.Unavailable, errors.ServerError, errors.UnexpectedResponse) as exc:
            if isinstance(exc, errors.Unavailable) and not exc.may_have_arrived:
                raise
            try:
                landed = await self.find_entry(project_id, contact_id)
            except errors.LeonarError:
                raise exc from None  # still unknown: the user is told it may have been added
            if landed:
                self._note_added(project_id, landed.stage.id if landed.stage else stage_id)
                return landed
            entry = await self._post_entry(project_id, payload)
        self._note_added(project_id, entry.stage.id if entry.stage else stage_id)
        return entry

    def _note_added(self, project_id: str, stage_id: str | None) -> None:
        """Bring the cached project (detail and list item) up to date with the add we just made, without
        asking Leonar again: the count it changed is known exactly."""
        self._cache.update((self._key_id, "project", project_id), lambda p: with_entry_added(p, stage_id))

        def in_list(projects: list[Project]) -> list[Project]:
            return [with_entry_added(p, stage_id) if p.id == project_id else p for p in projects]

        self._cache.update((self._key_id, "projects", "active"), in_list)

    async def _cached(self, key: tuple[Any, ...], ttl: float, fetch: Callable[[], Awaitable[T]]) -> T:
        spare = self.budget.low
        try:
            value, stale = await self._cache.get((self._key_id, *key), ttl, fetch,
                                                 stale_ok=lambda: spare() or self.budget.blocked())
        except errors.RateLimited:
            old = self._cache.stale((self._key_id, *key))
            if old is None:
                raise
            value, stale = old, True
        self.served_stale = self.served_stale or stale
        return value

    async def _post_entry(self, project_id: str, payload: dict[str, Any]) -> Entry:
        try:
            # Resent by _exchange only when the first attempt never reached Leonar.
            body, response = await self._exchange("POST", f"projects/{project_id}/entries", json=payload,
                                                  retry_unsent=True, read_timeout=ENTRY_READ_TIMEOUT, writes=True)
        except errors.ValidationFailed as exc:
            if "already" in exc.message.lower():
                raise errors.AlreadyInProject(exc.message, status=exc.status) from exc
            raise
        except errors.LeonarError as exc:
            if exc.status == 409:
                raise errors.AlreadyInProject(exc.message, status=409) from exc
            raise
        entry = _parse(Entry, _data(body))
        if response.status_code == 200 and _created_before(entry, response, seconds=EXISTING_AFTER):
            raise errors.AlreadyInProject("already in this project", status=200, entry=entry)
        return entry

    async def _lookup(self, project_id: str, contact_id: str) -> Entry | None:
        """`find_entry` as a best effort: when it cannot answer (no `pipeline:read` scope, Leonar trouble),
        Leonar's answer to the POST decides instead."""
        try:
            return await self.find_entry(project_id, contact_id)
        except (errors.InvalidApiKey, errors.RateLimited):
            raise
        except errors.LeonarError:
            return None

    async def missing_scopes(self) -> list[str]:
        """Which of the bot's scopes (REQUIRED_SCOPES + RECOMMENDED_SCOPES) this key lacks, changing nothing.

        Raises for a key Leonar refuses outright (`InvalidApiKey`) or when Leonar cannot answer.
        [INF] The pipeline and notes scopes are probed on a project or contact that cannot exist, assuming Leonar
        checks the scope (403) before the resource (404) or the body (400); reads prove the other two directly.
        """
        nowhere = f"projects/{NIL_UUID}/entries"
        probes = [
            ("projects:read", "GET", "projects", {"status": "active", "limit": 1, "offset": 0}, None),
            ("contacts:read", "POST", "contacts/search", None, {"query": "", "limit": 1, "offset": 0}),
            ("pipeline:read", "GET", nowhere, {"limit": 1, "offset": 0}, None),
            ("pipeline:write", "POST", nowhere, None, {}),
            ("notes:write", "POST", f"contacts/{NIL_UUID}/notes", None, {}),
            ("contacts:write", "POST", "contacts", None, {}),  # refused for its missing first_name when allowed
        ]

        async def lacks(scope: str, method: str, path: str, params: Any, body: Any) -> str | None:
            try:
                await self._send(method, path, params=params, json=body, retry_sent=method == "GET")
            except errors.InsufficientScope:
                return scope
            except (errors.NotFound, errors.ValidationFailed):
                return None  # refused past the scope check: the scope is there
            return None

        found = await asyncio.gather(*(lacks(*probe) for probe in probes))
        return [scope for scope in found if scope]

    # -- transport -------------------------------------------------------------------------------------

    async def _get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return await self._send("GET", path, params=params, retry_sent=True)

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await self._exchange(method, path, **kwargs))[0]

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        retry_sent: bool = False,
        retry_unsent: bool = False,
        read_timeout: float | None = None,
        writes: bool = False,
    ) -> tuple[Any, httpx.Response]:
        """`writes` marks a request that changes data in Leonar (so an unanswered one may have done so)."""
        attempt = 0
        while True:
            try:
                return await self._send_once(
                    method, path, params=params, json=json, read_timeout=read_timeout, writes=writes
                )
            except (errors.Unavailable, errors.ServerError) as exc:
                safe = retry_sent or (
                    retry_unsent and isinstance(exc, errors.Unavailable) and not exc.may_have_arrived
                )
                if not safe or attempt >= GET_RETRIES:
                    raise
            attempt += 1
            await asyncio.sleep(RETRY_BACKOFF * attempt)

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        read_timeout: float | None,
        writes: bool,
    ) -> tuple[Any, httpx.Response]:
        if self.budget.blocked():
            # After a 429 nothing is sent before the reset: Leonar would only refuse it again.
            raise errors.RateLimited("Leonar request budget used up", reset_at=self.budget.reset_at)
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if read_timeout is not None:
            timeout = httpx.Timeout(read_timeout, connect=self._http.timeout.connect)
        try:
            async with self._slots:
                response = await self._http.request(
                    method, path, params=params, json=json, headers=self._auth, timeout=timeout
                )
        except httpx.TransportError as exc:
            if _never_sent(exc):
                raise errors.Unavailable(f"Leonar could not be reached ({type(exc).__name__})",
                                         may_have_arrived=False) from exc
            if isinstance(exc, httpx.TimeoutException):
                raise errors.Unavailable("Leonar did not answer in time", may_have_arrived=True,
                                         writing=writes) from exc
            raise errors.Unavailable(f"Leonar connection failed ({type(exc).__name__})",
                                     may_have_arrived=True, writing=writes) from exc
        headers = _rate_limit(response.headers)
        self.budget.update(headers)
        if response.status_code == 429:
            self.budget.exhausted(headers.reset_at if headers else None)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success:
            if body is None:
                raise errors.UnexpectedResponse(f"Leonar answered {response.status_code} without JSON",
                                                status=response.status_code)
            return body, response
        raise _error(response, body)


BY_STATUS: dict[int, type[errors.LeonarError]] = {
    400: errors.ValidationFailed,
    401: errors.InvalidApiKey,
    403: errors.InsufficientScope,
    404: errors.NotFound,
}


def normalize_linkedin(url: str) -> str | None:
    """"linkedin.com/in/slug" for any way of writing a LinkedIn profile URL (scheme, www., query, slash)."""
    match = LINKEDIN.search(url.strip())
    if not match:
        return None
    return f"linkedin.com/in/{match.group(1).lower()}"


def _never_sent(exc: httpx.TransportError) -> bool:
    """Whether a failed request certainly never reached Leonar (so resending a write is safe).

    httpx-aiohttp maps every aiohttp connection error, a server disconnecting after the request included, to
    httpx.ConnectTimeout; the aiohttp error it chains says what really happened: only a failure to connect
    (or to get a connection from the pool in time) means nothing was sent.
    """
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientError | TimeoutError):
        return isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _created_before(entry: Entry, response: httpx.Response, *, seconds: float) -> bool:
    """Whether `entry` predates this response by `seconds`, by Leonar's own clock (the Date header)."""
    try:
        now = parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return False
    created = entry.created_at
    if created is None:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (now - created).total_seconds() > seconds


def _rate_limit(headers: httpx.Headers) -> RateLimit | None:
    try:
        return RateLimit(
            limit=int(headers["X-RateLimit-Limit"]),
            remaining=int(headers["X-RateLimit-Remaining"]),
            reset_at=int(float(headers["X-RateLimit-Reset"])),
        )
    except (KeyError, ValueError):
        return None


def _error(response: httpx.Response, body: Any) -> errors.LeonarError:
    status = response.status_code
    code, message = None, f"Leonar answered HTTP {status}"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        message = str(body["error"].get("message") or message)
    if status == 429 or code == "rate_limit_exceeded":
        reset = _rate_limit(response.headers)
        return errors.RateLimited(message, reset_at=reset.reset_at if reset else None, status=status)
    cls = errors.BY_CODE.get(str(code))
    if cls is None:
        fallback = errors.ServerError if status >= 500 else errors.LeonarError
        cls = BY_STATUS.get(status, fallback)
    return cls(message, status=status, code=code if cls is errors.LeonarError else None)


def _data(body: Any) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise errors.UnexpectedResponse("Leonar answered without a `data` field")
    return body["data"]


def _page(body: Any) -> tuple[list[Any], PageMeta]:
    items = _data(body)
    if not isinstance(items, list):
        raise errors.UnexpectedResponse("Leonar answered a list request without a list")
    try:
        meta = PageMeta.model_validate(body.get("meta") or {})
    except ValidationError as exc:
        raise errors.UnexpectedResponse("Leonar answered with malformed pagination") from exc
    return list(items), meta


def _parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise errors.UnexpectedResponse(f"Leonar answered a malformed {model.__name__.lower()}") from exc


def _parse_list(model: type[M], items: list[Any]) -> list[M]:
    """Items that do not parse are skipped: one odd record must not hide all the others."""
    parsed = []
    for item in items:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            continue
    return parsed

