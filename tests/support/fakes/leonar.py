"""A fake Leonar REST API: a real HTTP server on 127.0.0.1 for tests.

Implements the contract of ../shared/research/leonar-api.md (sections 2-7, 7.9 and 10): bearer
auth with scopes, per-workspace data, `{"data"}` / `{"error"}` envelopes, offset pagination,
per-key hourly rate limits and the pipeline-entry rules the Slack bot relies on. A real socket
server (rather than a mocked transport) exercises the bot's HTTP client, timeouts, retries
and connection handling exactly as in production; `inject()` adds faults per route.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl, urlsplit


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


ALL_SCOPES: frozenset[str] = frozenset(
    f"{area}:{mode}" for area in ("projects", "contacts", "pipeline", "notes") for mode in ("read", "write")
)
DEFAULT_STAGES = ("Sourced", "Screening", "Interview", "Offer", "Hired")
PREFIX = "/api/v1"
WINDOW_SECONDS = 3600
STAGE_COLORS = ("#3b82f6", "#8b5cf6", "#f59e0b", "#10b981", "#22c55e", "#ef4444", "#64748b")
# Search/list results are slimmer than the full contact (docs' search example): no emails/phones/skills.
SLIM_CONTACT_FIELDS = _words(
    "id|first_name|last_name|title|current_company|location|linkedin_profile|tags|global_status|created_at|updated_at"
)
CREATE_CONTACT_FIELDS = _words("last_name|title|current_company|location|linkedin_profile|email|phone|tags|skills")
DEFAULT_ERROR_CODES = {400: "validation_error", 401: "invalid_api_key", 403: "insufficient_scope"}
DEFAULT_ERROR_CODES |= {404: "not_found", 409: "conflict", 429: "rate_limit_exceeded"}

JSON = dict[str, Any]
Reply = tuple[int, JSON]
T = TypeVar("T")


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the /api/v1 prefix
    query: dict[str, str]
    json: Any  # parsed JSON body, or None (absent or malformed)
    api_key: str | None  # bearer token as received, for workspace-isolation assertions


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    times: int
    status: int | None = None
    code: str | None = None
    message: str = "injected"
    delay: float = 0.0
    raw_body: bytes | None = None
    drop_connection: bool = False
    after_processing: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def replaces_response(self) -> bool:
        # A fault with only `delay` just slows the request down; the real answer still goes out.
        return self.drop_connection or self.raw_body is not None or self.status is not None or bool(self.code)


class _Call(NamedTuple):
    """What a route handler sees; built with the state lock held."""

    workspace: str
    ids: tuple[str, ...]  # path parameters, e.g. (project_id,)
    query: dict[str, str]
    body: JSON


class ApiError(Exception):
    """Raised by route handlers; rendered as the `{"error": {"code", "message"}}` envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _stamp(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _invalid(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


def _int_param(value: Any, default: int, name: str, low: int, high: int | None, rule: str) -> int:
    if value is None:
        return default
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        value = int(value)
    # bool is an int subclass: `"limit": true` must not pass as 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
        raise _invalid(f"{name}: {rule}")
    return value


_OPERATORS: dict[str, Callable[[datetime, datetime], bool]] = {
    "eq": lambda a, b: a == b, "neq": lambda a, b: a != b, "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}


def _compares(stamp: str, wanted: str, name: str) -> bool:
    """The documented operators on a timestamp, e.g. `updated_at=gte.2026-01-01T10:00:00Z` (or a date)."""
    operator, _, value = wanted.partition(".")
    if operator not in _OPERATORS:
        raise _invalid(f"{name}: unsupported operator")
    try:
        bound = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"{name}: Invalid datetime") from None
    bound = bound if bound.tzinfo else bound.replace(tzinfo=UTC)
    return _OPERATORS[operator](datetime.fromisoformat(stamp.replace("Z", "+00:00")), bound)


def _paginate(items: list[JSON], limit_raw: Any, offset_raw: Any) -> Reply:
    limit = _int_param(limit_raw, 50, "limit", 1, 100, "must be between 1 and 100")
    offset = _int_param(offset_raw, 0, "offset", 0, None, "must be greater than or equal to 0")
    meta = {"total": len(items), "limit": limit, "offset": offset, "has_more": offset + limit < len(items)}
    return 200, {"data": copy.deepcopy(items[offset : offset + limit]), "meta": meta}


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must never keep pytest alive
    request_queue_size = 128  # listen backlog; the default 5 resets bursts of concurrent connections
    fake: FakeLeonar
    # Open sockets, so stop() can cut them: otherwise a pooled keep-alive connection would keep
    # being served by its handler thread after the "server" went down.
    open_sockets: set[socket.socket]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) before the answer is an expected event in fault tests, not noise.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pooling is exercised
    timeout = 30  # idle keep-alive sockets must not pin handler threads forever
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid ~40 ms ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.open_sockets.discard(self.connection)
        super().finish()

    def _dispatch(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class FakeLeonar:
    def __init__(self, *, rate_limit: int = 2000) -> None:
        self.rate_limit = rate_limit
        self.requests: list[RecordedRequest] = []
        self.latency: float = 0.0
        self.duplicate_mode: str = "conflict"  # | "validation" | "existing" | "allow" (real one unknown)
        # Undocumented filters (`contact_id` on a project's entries; the documented operators on a field no page
        # says accepts them, like `updated_at=gte.<iso>`) may well be ignored by the real Leonar: then a list
        # answers as if the filter were not there.
        self.ignore_undocumented_filters = False
        # `sort` is documented for lists, but which fields each list sorts by is not: when ignored, entries
        # come newest first, whatever was asked.
        self.ignore_sort = False
        # Whether notes can be changed (`notes:write` says "create+update"; no page names the route): when not,
        # the route does not exist, as Leonar answers any path it does not know.
        self.note_updates = True
        # Whether notes can be listed (`notes:read` says "list+view"; no page names `GET /contacts/{id}/notes`): when
        # not, the route does not exist either.
        self.note_listing = True
        # Whether that (undocumented) list ignores `sort` and answers in creation order, oldest first.
        self.notes_oldest_first = False
        # The moments records are dated with (to the second, as Leonar shows them): a test may stop it, so that what
        # it makes shares one timestamp however long the making takes.
        self.clock: Callable[[], float] = time.time
        self._lock = threading.RLock()  # one lock around all state: handlers run on many threads
        self._changed = threading.Condition(self._lock)  # notified on every request and every change it made
        self._keys: dict[str, tuple[str, frozenset[str]]] = {}  # key -> (workspace, scopes)
        # Per workspace; dicts keep insertion order, which is the "created order" lists use.
        self._projects: dict[str, dict[str, JSON]] = {}
        self._contacts: dict[str, dict[str, JSON]] = {}
        self._entries: dict[str, list[JSON]] = {}
        self._notes: dict[str, list[JSON]] = {}  # stored with stage_id/contact_id, rendered on read
        self._members: dict[str, dict[str, JSON]] = {}  # workspace -> first name -> member (`add_key`'s owners)
        self.members_route = True  # [CODE only] in the research: False answers 404, as an API without it would
        self._buckets: dict[str, list[float]] = {}  # token -> [window_start, used]
        self._faults: list[_Fault] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        seg, read, write = "([^/]+)", "GET", "POST"
        self._routes: list[tuple[str, re.Pattern[str], str, Callable[[_Call], Reply]]] = [
            (read, re.compile("/projects"), "projects:read", self._list_projects),
            (read, re.compile(f"/projects/{seg}"), "projects:read", self._get_project),
            (read, re.compile(f"/projects/{seg}/entries"), "pipeline:read", self._list_entries),
            (write, re.compile(f"/projects/{seg}/entries"), "pipeline:write", self._create_entry),
            (read, re.compile("/contacts"), "contacts:read", self._list_contacts),
            (write, re.compile("/contacts/search"), "contacts:read", self._search_contacts),
            (read, re.compile(f"/contacts/{seg}"), "contacts:read", self._get_contact),
            (write, re.compile("/contacts"), "contacts:write", self._create_contact),
            (write, re.compile(f"/contacts/{seg}/notes"), "notes:write", self._create_note),
            ("PUT", re.compile(f"/contacts/{seg}/notes/{seg}"), "notes:write", self._update_note),
            (read, re.compile(f"/contacts/{seg}/notes"), "notes:read", self._list_notes),
            (read, re.compile("/workspace/members"), "", self._list_members),
        ]

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeLeonar:
        self._server = _Server(("127.0.0.1", 0), _Handler)  # port 0: ephemeral, safe for parallel runs
        self._server.fake, self._server.open_sockets = self, set()
        # A short poll interval keeps stop() (hence every test teardown) fast; the default is 0.5 s.
        serve, poll = self._server.serve_forever, {"poll_interval": 0.01}
        self._thread = threading.Thread(target=serve, kwargs=poll, name="fake-leonar", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for sock in list(self._server.open_sockets):
                with contextlib.suppress(OSError):  # already closed by the peer
                    sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeLeonar:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeLeonar is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    # ---- test-side setup and inspection ---------------------------------------------------------

    def add_key(self, key: str, *, scopes: Iterable[str] = ALL_SCOPES, workspace: str = "acme",
                owner: str | None = None) -> None:
        """`owner`: the first name of the Leonar user the key belongs to (a member of `workspace`, listed by
        `/workspace/members`); a key without one belongs to the workspace's first user."""
        with self._lock:
            self._keys[key] = (workspace, frozenset(scopes))
            members = self._members.setdefault(workspace, {})
            name = owner or "Owner"
            if name not in members:
                members[name] = {"user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{workspace}/{name}")),
                                 "first_name": name, "last_name": None, "email": f"{name.lower()}@{workspace}.test"}

    def add_project(self, name: str, *, workspace: str = "acme", status: str = "active",
                    stages: Sequence[str] = DEFAULT_STAGES, client_company: str | None = None,
                    location: str | None = None) -> JSON:  # fmt: skip
        now = self._now()
        pipeline = [
            {"id": str(uuid.uuid4()), "name": stage, "position": pos, "entries_count": 0,
             "system_category": "sourced" if pos == 0 else None, "color": STAGE_COLORS[pos % 7]}
            for pos, stage in enumerate(stages)
        ]  # fmt: skip
        project: JSON = {
            "id": str(uuid.uuid4()), "name": name, "status": status, "client_name": None,
            "client_company": client_company, "location": location, "description": None,
            "created_at": now, "updated_at": now, "owners": [], "entries_count": 0,
            "pipeline": {"stages": pipeline},
        }  # fmt: skip
        with self._lock:
            self._projects.setdefault(workspace, {})[project["id"]] = project
            return copy.deepcopy(project)

    def add_contact(
        self, first_name: str, last_name: str | None = None, *, workspace: str = "acme", **fields: Any
    ) -> JSON:
        with self._lock:
            contact = self._insert_contact(workspace, {"first_name": first_name, "last_name": last_name, **fields})
            return copy.deepcopy(contact)

    def entries(self, project_id: str | None = None, *, workspace: str = "acme") -> list[JSON]:
        with self._lock:
            stored = self._entries.get(workspace, [])
            return [self._render_entry(workspace, e) for e in stored if project_id in (None, e["project_id"])]

    def add_entry(self, project_id: str, contact_id: str, *, workspace: str = "acme", stage: str | None = None
                  ) -> JSON:
        """An entry made in Leonar by someone else (at `stage`, a name or id, else the project's first stage),
        whatever `duplicate_mode`."""
        with self._lock:
            project = self._project(workspace, project_id)
            self._contact(workspace, contact_id)
            if stage is None:
                found = min(project["pipeline"]["stages"], key=lambda s: s["position"])
            else:
                found = self._stage_named(project, stage)
            return self._store_entry(workspace, project, found, contact_id)

    def move_entry(self, entry_id: str, stage: str, *, workspace: str = "acme") -> JSON:
        """Someone moves the entry to `stage` (a name or id) in Leonar's web app: its stage and `updated_at` change,
        and the stages' counts follow."""
        with self._lock:
            stored = self._stored_entry(workspace, entry_id)
            project = self._projects[workspace][stored["project_id"]]
            target = self._stage_named(project, stage)
            for old in project["pipeline"]["stages"]:
                if old["id"] == stored["stage_id"]:
                    old["entries_count"] -= 1
            target["entries_count"] += 1
            stored["stage_id"], stored["updated_at"] = target["id"], self._now()
            return self._render_entry(workspace, stored)

    def touch_entry(self, entry_id: str, *, workspace: str = "acme") -> JSON:
        """Someone edits the entry in Leonar without moving it (a rating, a note on it): `updated_at` changes, the
        stage does not."""
        with self._lock:
            stored = self._stored_entry(workspace, entry_id)
            stored["updated_at"] = self._now()
            return self._render_entry(workspace, stored)

    def remove_entry(self, entry_id: str, *, workspace: str = "acme") -> None:
        """Someone takes the candidate out of the project in Leonar: the entry is gone from every list."""
        with self._lock:
            stored = self._stored_entry(workspace, entry_id)
            self._entries[workspace].remove(stored)
            project = self._projects[workspace][stored["project_id"]]
            project["entries_count"] -= 1
            for stage in project["pipeline"]["stages"]:
                if stage["id"] == stored["stage_id"]:
                    stage["entries_count"] -= 1

    def archive_project(self, project_id: str, *, workspace: str = "acme") -> None:
        """The project is closed in Leonar: `status` becomes "archived" (it stays readable, as in the web app)."""
        with self._lock:
            project = self._project(workspace, project_id)
            project["status"], project["updated_at"] = "archived", self._now()

    def _stored_entry(self, workspace: str, entry_id: str) -> JSON:
        found = next((e for e in self._entries.get(workspace, []) if e["id"] == entry_id), None)
        if found is None:
            raise KeyError(f"fake: no entry {entry_id} in {workspace}")
        return found

    @staticmethod
    def _stage_named(project: JSON, stage: str) -> JSON:
        stages: list[JSON] = project["pipeline"]["stages"]
        found = next((s for s in stages if stage in (s["id"], s["name"])), None)
        if found is None:
            raise KeyError(f"fake: no stage {stage!r} in {project['name']}")
        return found

    def backdate_entries(self, seconds: float, *, workspace: str = "acme") -> None:
        """Make every entry look created `seconds` ago (to tell a 200 "existing" answer from a creation)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds))
        with self._lock:
            for entry in self._entries.get(workspace, []):
                entry["created_at"] = stamp

    def spread_entries(self, seconds: float, *, workspace: str = "acme") -> None:
        """Date the entries `seconds` apart, oldest first in creation order (made within one second, they would
        all share a timestamp: real pipelines are filled over weeks)."""
        with self._lock:
            stored = self._entries.get(workspace, [])
            for n, entry in enumerate(stored):
                when = time.gmtime(time.time() - (len(stored) - n) * seconds)
                entry["created_at"] = entry["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", when)

    def count(self, method: str, path_regex: str) -> int:
        pattern = re.compile(path_regex)
        with self._lock:
            return sum(1 for r in self.requests if r.method == method.upper() and pattern.fullmatch(r.path))

    def wait_until(self, check: Callable[[], T], timeout: float = 5.0) -> T:
        """`check()` once it is truthy, checked again whenever a request arrives or is answered; its last (falsy)
        value after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (found := check()) and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return found

    def inject(self, method: str, path_regex: str, *, status: int | None = None, code: str | None = None,
               message: str = "injected", delay: float = 0.0, raw_body: bytes | None = None,
               drop_connection: bool = False, after_processing: bool = False, times: int = 1,
               headers: dict[str, str] | None = None) -> None:  # fmt: skip
        fault = _Fault(method.upper(), re.compile(path_regex), times, status=status, code=code, message=message,
                       delay=delay, raw_body=raw_body, drop_connection=drop_connection,
                       after_processing=after_processing, headers=dict(headers or {}))  # fmt: skip
        with self._lock:
            self._faults.append(fault)

    def exhaust_rate_limit(self, key: str, *, reset_in: int = 60) -> None:
        self.use_rate_limit(key, self.rate_limit, reset_in=reset_in)

    def use_rate_limit(self, key: str, used: int, *, reset_in: int = WINDOW_SECONDS) -> None:
        """`key` has made `used` requests in a window that ends `reset_in` seconds from now."""
        with self._lock:
            self._buckets[key] = [time.time() + reset_in - WINDOW_SECONDS, float(used)]

    def contacts(self, *, workspace: str = "acme") -> list[JSON]:
        with self._lock:
            return copy.deepcopy(list(self._contacts.get(workspace, {}).values()))

    def projects(self, *, workspace: str = "acme") -> list[JSON]:
        with self._lock:
            return copy.deepcopy(list(self._projects.get(workspace, {}).values()))

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._buckets.clear()

    # ---- request pipeline ------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        in_api = split.path.startswith(PREFIX + "/")
        path = (split.path[len(PREFIX) :] if in_api else split.path).rstrip("/") or "/"
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        raw = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        body, bad_json = None, False
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
        auth = handler.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        method = handler.command.upper()

        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, body, token))
            self._changed.notify_all()
            headers, over_budget = self._consume_budget(token or "")
            fault = next((f for f in self._faults if f.method == method and f.pattern.fullmatch(path)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)

        time.sleep(self.latency + (fault.delay if fault else 0.0))  # outside the lock: requests overlap
        if fault is not None and fault.replaces_response and not fault.after_processing:
            return self._send_fault(handler, fault, headers)
        try:
            if not in_api:
                raise ApiError(404, "not_found", "Not found")
            if over_budget:
                raise ApiError(429, "rate_limit_exceeded", f"Rate limit exceeded. Limit: {self.rate_limit} "
                               "requests per hour.")  # fmt: skip
            with self._lock:
                status, payload = self._route(method, path, query, body, bad_json, token)
                self._changed.notify_all()
        except ApiError as err:
            status, payload = err.status, {"error": {"code": err.code, "message": err.message}}
        if fault is not None and fault.replaces_response:  # after_processing: state changes are kept
            return self._send_fault(handler, fault, headers)
        handler.send(status, json.dumps(payload).encode(), headers)

    def _send_fault(self, handler: _Handler, fault: _Fault, headers: dict[str, str]) -> None:
        if fault.drop_connection:
            handler.close_connection = True  # nothing written: the client sees the socket close
            return
        if fault.raw_body is not None:
            return handler.send(fault.status or 200, fault.raw_body, headers | fault.headers)
        status = fault.status or 500
        error = {"code": fault.code or DEFAULT_ERROR_CODES.get(status, "internal_error"), "message": fault.message}
        handler.send(status, json.dumps({"error": error}).encode(), headers | fault.headers)

    def _consume_budget(self, token: str) -> tuple[dict[str, str], bool]:
        """Count one request in the token's fixed hourly window (which starts at its first request)."""
        now = time.time()
        bucket = self._buckets.get(token)
        if bucket is None or now >= bucket[0] + WINDOW_SECONDS:
            bucket = self._buckets[token] = [now, 0.0]
        bucket[1] += 1
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - int(bucket[1]))),
            "X-RateLimit-Reset": str(int(bucket[0] + WINDOW_SECONDS)),
        }
        return headers, bucket[1] > self.rate_limit

    def _route(self, method: str, path: str, query: dict[str, str], body: Any, bad_json: bool,
               token: str | None) -> Reply:  # fmt: skip
        # Order mirrors a typical API: auth, then routing, then scope, then body validation.
        if token is None or not token.startswith("leo_") or token not in self._keys:
            raise ApiError(401, "invalid_api_key", "Missing or invalid API key")
        workspace, scopes = self._keys[token]
        for route_method, pattern, scope, func in self._routes:
            match = pattern.fullmatch(path)
            if route_method != method or match is None:
                continue
            if scope and scope not in scopes:  # "": no scope is documented for the route
                raise ApiError(403, "insufficient_scope", f"This API key lacks the {scope} scope")
            if bad_json:
                raise _invalid("body: Invalid JSON")
            if method in ("POST", "PUT") and body is not None and not isinstance(body, dict):
                raise _invalid("body: Expected a JSON object")
            return func(_Call(workspace, match.groups(), query, body if isinstance(body, dict) else {}))
        raise ApiError(404, "not_found", f"No route for {method} {path}")

    # ---- route handlers (called with the lock held) ----------------------------------------------

    def _project(self, workspace: str, project_id: str) -> JSON:
        if (project := self._projects.get(workspace, {}).get(project_id)) is None:
            raise ApiError(404, "not_found", "Project not found")
        return project

    def _contact(self, workspace: str, contact_id: str) -> JSON:
        if (contact := self._contacts.get(workspace, {}).get(contact_id)) is None:
            raise ApiError(404, "not_found", "Contact not found")
        return contact

    def _list_projects(self, c: _Call) -> Reply:
        status, needle = c.query.get("status"), (c.query.get("search") or "").lower()
        items = [
            {k: v for k, v in p.items() if k != "pipeline"}  # slim: clients must fetch the detail for stages
            for p in self._projects.get(c.workspace, {}).values()
            if (not status or p["status"] == status) and needle in p["name"].lower()
        ]
        return _paginate(items, c.query.get("limit"), c.query.get("offset"))

    def _list_members(self, c: _Call) -> Reply:
        if not self.members_route:
            raise ApiError(404, "not_found", "No route for GET /workspace/members")
        return _paginate(list(self._members.get(c.workspace, {}).values()), c.query.get("limit"),
                         c.query.get("offset"))

    def _get_project(self, c: _Call) -> Reply:
        project = copy.deepcopy(self._project(c.workspace, c.ids[0]))
        project["pipeline"]["stages"].sort(key=lambda s: s["position"])
        return 200, {"data": project}

    def _insert_contact(self, workspace: str, fields: JSON) -> JSON:
        now = self._now()
        contact: JSON = {
            "id": str(uuid.uuid4()), "first_name": None, "last_name": None, "title": None, "current_company": None,
            "location": None, "linkedin_profile": None, "emails": [], "phones": [], "tags": [], "skills": [],
            "years_experience": None, "global_status": "new", "created_at": now, "updated_at": now,
        }  # fmt: skip
        # Single `email` / `phone` are conveniences of the create endpoint.
        if email := fields.pop("email", None):
            contact["emails"] = [{"email": email, "type": "work"}]
        if phone := fields.pop("phone", None):
            contact["phones"] = [{"phone": phone, "type": "personal"}]
        contact.update(copy.deepcopy(fields))  # the caller's lists must not alias our state
        self._contacts.setdefault(workspace, {})[contact["id"]] = contact
        return contact

    def _matching_contacts(self, workspace: str, needles: Iterable[Any]) -> list[JSON]:
        wanted = [str(n).lower() for n in needles if n]  # every given needle must match (AND)
        found = []
        for ct in self._contacts.get(workspace, {}).values():
            name = f"{ct['first_name'] or ''} {ct['last_name'] or ''}".strip()
            haystack = [name.lower(), (ct["title"] or "").lower(), (ct["current_company"] or "").lower()]
            if all(any(w in h for h in haystack) for w in wanted):
                found.append({k: ct.get(k) for k in SLIM_CONTACT_FIELDS})
        return found

    def _list_contacts(self, c: _Call) -> Reply:
        items = self._matching_contacts(c.workspace, [c.query.get("search")])
        # The documented filter operators on string fields, e.g. ?linkedin_profile=ilike.%/in/ada%
        for name in ("linkedin_profile", "first_name", "last_name", "title", "current_company"):
            wanted = c.query.get(name)
            if wanted is None:
                continue
            operator, _, value = wanted.partition(".")
            if operator == "eq":
                items = [i for i in items if (i.get(name) or "") == value]
            elif operator == "ilike":
                needle = value.strip("%").lower()
                items = [i for i in items if needle in (i.get(name) or "").lower()]
            else:
                raise _invalid(f"{name}: unsupported operator")
        return _paginate(items, c.query.get("limit"), c.query.get("offset"))

    def _search_contacts(self, c: _Call) -> Reply:
        items = self._matching_contacts(c.workspace, [c.body.get("query"), c.body.get("name")])
        return _paginate(items, c.body.get("limit"), c.body.get("offset"))

    def _get_contact(self, c: _Call) -> Reply:
        return 200, {"data": copy.deepcopy(self._contact(c.workspace, c.ids[0]))}

    def _create_contact(self, c: _Call) -> Reply:
        first_name = c.body.get("first_name")
        if not isinstance(first_name, str) or not first_name.strip():
            raise _invalid("first_name: Required")
        fields = {k: c.body[k] for k in CREATE_CONTACT_FIELDS if k in c.body}
        contact = self._insert_contact(c.workspace, {"first_name": first_name, **fields})
        return 201, {"data": copy.deepcopy(contact)}

    def _create_note(self, c: _Call) -> Reply:
        self._contact(c.workspace, c.ids[0])
        content = c.body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise _invalid("content: Required")
        note = {"id": str(uuid.uuid4()), "contact_id": c.ids[0], "content": content, "created_at": self._now()}
        self._notes.setdefault(c.workspace, []).append(note)
        return 201, {"data": copy.deepcopy(note)}

    def _update_note(self, c: _Call) -> Reply:
        if not self.note_updates:
            raise ApiError(404, "not_found", f"No route for PUT /contacts/{c.ids[0]}/notes/{c.ids[1]}")
        self._contact(c.workspace, c.ids[0])
        note = next((n for n in self._notes.get(c.workspace, [])
                     if n["id"] == c.ids[1] and n["contact_id"] == c.ids[0]), None)
        if note is None:
            raise ApiError(404, "not_found", "Note not found")
        content = c.body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise _invalid("content: Required")
        note.update(content=content, updated_at=self._now())
        return 200, {"data": copy.deepcopy(note)}

    def _list_notes(self, c: _Call) -> Reply:
        """A contact's notes, newest first (the bot's guess for an undocumented route: leonar-api.md §7.3)."""
        if not self.note_listing:
            raise ApiError(404, "not_found", f"No route for GET /contacts/{c.ids[0]}/notes")
        self._contact(c.workspace, c.ids[0])
        sort = c.query.get("sort") or "-created_at"
        if sort.removeprefix("-") != "created_at":
            raise _invalid(f"sort: unsupported field {sort.removeprefix('-')}")
        stored = [n for n in self._notes.get(c.workspace, []) if n["contact_id"] == c.ids[0]]
        # Stable on the creation order: notes made within the same second keep it.
        ordered = list(reversed(stored)) if sort.startswith("-") and not self.notes_oldest_first else stored
        items = [copy.deepcopy(n) for n in ordered]
        return _paginate(items, c.query.get("limit"), c.query.get("offset"))

    def _now(self) -> str:
        return _stamp(self.clock())

    def add_note(self, contact_id: str, content: str, *, workspace: str = "acme") -> JSON:
        """A note someone wrote in Leonar on the contact."""
        with self._lock:
            self._contact(workspace, contact_id)
            note = {"id": str(uuid.uuid4()), "contact_id": contact_id, "content": content, "created_at": self._now()}
            self._notes.setdefault(workspace, []).append(note)
            return copy.deepcopy(note)

    def notes(self, contact_id: str | None = None, *, workspace: str = "acme") -> list[JSON]:
        with self._lock:
            return [copy.deepcopy(n) for n in self._notes.get(workspace, []) if contact_id in (None, n["contact_id"])]

    def _render_entry(self, workspace: str, stored: JSON) -> JSON:
        stages = self._projects[workspace][stored["project_id"]]["pipeline"]["stages"]
        stage = next(s for s in stages if s["id"] == stored["stage_id"])
        entry = {k: v for k, v in stored.items() if k not in ("stage_id", "contact_id")}
        entry["stage"] = {"id": stage["id"], "name": stage["name"]}
        entry["contact"] = copy.deepcopy(self._contacts[workspace][stored["contact_id"]])
        return entry

    def _create_entry(self, c: _Call) -> Reply:
        project_id = c.ids[0]
        project = self._project(c.workspace, project_id)
        for name in ("rating", "notes"):  # deprecated: fail loudly so tests prove the bot never sends them
            if name in c.body:
                raise _invalid(f"{name}: deprecated field")
        contact_id = c.body.get("contact_id")
        if not isinstance(contact_id, str) or not contact_id:
            raise _invalid("contact_id: Required")
        self._contact(c.workspace, contact_id)
        stages = sorted(project["pipeline"]["stages"], key=lambda s: s["position"])
        stage_id = c.body.get("stage_id")
        stage = stages[0] if stage_id is None else next((s for s in stages if s["id"] == stage_id), None)
        if stage is None:
            raise _invalid("stage_id: Stage does not belong to this project")

        entries = self._entries.setdefault(c.workspace, [])
        same = [e for e in entries if e["project_id"] == project_id and e["contact_id"] == contact_id]
        # The real duplicate behaviour is undocumented (research Q1), hence one switch per plausible answer.
        if same and self.duplicate_mode == "conflict":
            raise ApiError(409, "conflict", "Contact is already in this project")
        if same and self.duplicate_mode == "validation":
            raise _invalid("contact_id: Contact is already in this project")
        if same and self.duplicate_mode == "existing":
            return 200, {"data": self._render_entry(c.workspace, same[0])}
        if self.duplicate_mode not in ("conflict", "validation", "existing", "allow"):
            raise ApiError(500, "internal_error", f"fake: unknown duplicate_mode {self.duplicate_mode!r}")

        return 201, {"data": self._store_entry(c.workspace, project, stage, contact_id)}

    def _store_entry(self, workspace: str, project: JSON, stage: JSON, contact_id: str) -> JSON:
        now = self._now()
        stored = {"id": str(uuid.uuid4()), "project_id": project["id"], "stage_id": stage["id"],
                  "contact_id": contact_id, "rating": None, "notes": None, "rejection_reason_id": None,
                  "created_at": now, "updated_at": now}  # fmt: skip
        self._entries.setdefault(workspace, []).append(stored)
        stage["entries_count"] += 1
        project["entries_count"] += 1
        return self._render_entry(workspace, stored)

    def _list_entries(self, c: _Call) -> Reply:
        self._project(c.workspace, c.ids[0])
        stage_id = c.query.get("stage_id")
        contact_id = None if self.ignore_undocumented_filters else c.query.get("contact_id")
        stored = [
            e for e in self._entries.get(c.workspace, [])
            if e["project_id"] == c.ids[0]
            and stage_id in (None, "", e["stage_id"])
            and contact_id in (None, "", e["contact_id"])
        ]  # fmt: skip
        for name in ("updated_at", "created_at"):
            if (wanted := c.query.get(name)) and not self.ignore_undocumented_filters:
                stored = [e for e in stored if _compares(e[name], wanted, name)]
        sort = c.query.get("sort") or ""
        if self.ignore_sort:
            stored.reverse()  # newest first: stored in creation order
        elif sort:
            field_name = sort.removeprefix("-")
            if field_name not in ("created_at", "updated_at"):
                raise _invalid(f"sort: unsupported field {field_name}")
            # Stable: entries made within the same second keep their creation order.
            stored.sort(key=lambda e: e[field_name], reverse=sort.startswith("-"))
        items = [self._render_entry(c.workspace, e) for e in stored]
        return _paginate(items, c.query.get("limit"), c.query.get("offset"))


# ---- demo data (deterministic: lists combined with index arithmetic) ------------------------------

_ROLES = _words(
    "Senior Backend Engineer|Product Designer|Data Scientist|Engineering Manager|Frontend Developer|"
    "DevOps Engineer|Account Executive|Head of Marketing|Machine Learning Engineer|QA Engineer|"
    "Customer Success Manager|iOS Developer"
)
_CITIES = _words("Paris|Lyon|Berlin|London|Madrid|Amsterdam|Lisbon|Remote|Montréal|Nantes|Bordeaux")
_CLIENTS = ("Doctolib", "Qonto", "Alan", "BlaBlaCar", "Back Market", "Mirakl", "Swile", None)
_FIRST = _words(
    "Éloïse|Lucas|Chloé|Mathéo|Inès|Noah|Zoé|Hugo|Léa|Jules|Amélie|Raphaël|Camille|Théo|Manon|Björn|"
    "Sofía|Anaïs|Karim|Priya"
)
_LAST = _words("Martin|Bernard|Dubois|Lefèvre|Moreau|Girard|Müller|García|Nguyen|Rossi|O'Connor|Da Silva|Benali")
_TITLES = _words(
    "Backend Engineer|Senior Python Developer|Product Designer|Data Scientist|Engineering Manager|"
    "Staff Engineer|DevOps Engineer|Account Executive|Tech Lead"
)
_COMPANIES = ("Doctolib", "Datadog", "Algolia", "Contentsquare", "Spendesk", "Ledger", "Pennylane", None)
_SKILLS = _words("Python|Go|Kubernetes|PostgreSQL|React|Figma|TypeScript|AWS|Rust|SQL|Django|Kafka")
_TAGS = ("top-talent", "referral", "relocation", "freelance", "alumni")
_CUSTOM_STAGES = ("Sourced", "Phone screen", "Tech interview", "Onsite", "Offer", "Hired", "Rejected")


def _slug(text: str) -> str:
    plain = text.lower().translate(str.maketrans("éèëêïîôöüùçñíóáäø'", "eeeeiioouucnioaao-"))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def seed_demo(
    fake: FakeLeonar, key: str = "leo_demo_key_0123456789", *, projects: int = 250, workspace: str = "acme"
) -> None:
    """A realistic workspace. Archived projects come first so "Zeta Platform Lead" is last in any listing."""
    fake.add_key(key, workspace=workspace)
    for i in range(5):
        name, city = f"{_ROLES[i + 3]} — {_CITIES[i]} (closed)", _CITIES[i]
        fake.add_project(name, workspace=workspace, status="archived", client_company=_CLIENTS[i], location=city)
    for i in range(projects):
        role, city = _ROLES[i % len(_ROLES)], _CITIES[(i * 7 + i // len(_ROLES)) % len(_CITIES)]
        name = "Zeta Platform Lead" if i == projects - 1 else f"{role} — {city} #{i + 1:03d}"
        stages = _CUSTOM_STAGES if i % 7 == 3 else DEFAULT_STAGES  # some pipelines differ from the default
        fake.add_project(name, workspace=workspace, client_company=_CLIENTS[i % 8], location=city, stages=stages)
    for i in range(40):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i * 3) % len(_LAST)]
        slug = _slug(f"{first} {last}")
        fields: JSON = {
            "title": _TITLES[i % len(_TITLES)],
            "current_company": _COMPANIES[(i * 5) % len(_COMPANIES)],
            "location": _CITIES[(i * 2) % len(_CITIES)],
            "linkedin_profile": f"https://www.linkedin.com/in/{slug}-{i:02d}" if i % 9 != 8 else None,
            "emails": [{"email": f"{slug.replace('-', '.')}@example.com", "type": "work"}] if i % 4 else [],
            "phones": [{"phone": f"+33 6 {10 + i} {20 + i} {30 + i} {40 + i}", "type": "personal"}] if i % 3 else [],
            "tags": [_TAGS[i % len(_TAGS)]] if i % 2 else [],
            "skills": [_SKILLS[(i + k) % len(_SKILLS)] for k in range(i % 4 + 1)],
            "years_experience": (i * 3) % 16 + 1,
        }
        fake.add_contact(first, last, workspace=workspace, **fields)
