"""How uvicorn serves the bot: slow or numerous clients cannot lock everyone out, and no query string is logged.

uvicorn (0.54) has no deadline for a request that never finishes: a client that sends half a request head, or a
head and half a body, keeps its connection (a file descriptor) for ever. 1,100 such connections from one client
held every descriptor of a bot limited to 1,024, and nobody else got an answer. So here:

- a request must arrive whole within Limits.request_seconds of its first byte (or of the connection);
- the number of connections is bounded below the descriptor limit (raised to its maximum first), and at that
  bound the connection that has waited longest for its client's bytes is closed to make room for the newcomer:
  a slow client delays nobody but itself;
- `limit_concurrency` sits just above that bound: past it uvicorn answers 503, which then only happens when
  every connection holds a whole request the bot is working on (uvicorn counts idle and half-sent connections
  too, so on its own it would answer Slack 503 while slow clients hang).

A reverse proxy in front (README, "Deploy") does all of this better; this is for when there is none.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
import weakref
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

log = logging.getLogger(__name__)

KEEP_ALIVE = 5  # seconds an idle connection stays open between requests (uvicorn's default, stated)
MAX_HEAD = 16 * 1024  # bytes of request line and headers (h11's default; Slack sends far less)
MAX_CONNECTIONS = 1000
BACKLOG = 2048  # uvicorn's default: connections the kernel queues before they are accepted
# Descriptors kept for everything but incoming connections: Slack's pool (aiohttp, 100), Leonar's (64), the
# database, the listening socket, the event loop, stdio.
FD_RESERVE = 200
REPORT_EVERY = 60.0  # seconds between two log lines about connections closed for being slow

# Per server: connections waiting for their client's bytes, oldest first (a dict keeps insertion order).
_waiting: weakref.WeakKeyDictionary[ServerState, dict[GuardedH11Protocol, None]] = weakref.WeakKeyDictionary()


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard one; returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1024 * 1024
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d: %s", soft, exc)
    return soft if soft != resource.RLIM_INFINITY else target


def limits(fds: int) -> tuple[int, int]:
    """(connections kept before slow ones are closed to make room, backlog) for a process with `fds` descriptors.

    asyncio accepts up to `backlog` connections in one go, and a connection closed to make room gives its
    descriptor back only a loop turn or two later: a few backlogs' worth of descriptors stay free on top.
    """
    spare = fds - FD_RESERVE
    backlog = max(16, min(BACKLOG, spare // 8))
    return max(16, min(MAX_CONNECTIONS, spare - 3 * backlog)), backlog


def uvicorn_options(log_level: str, request_seconds: float) -> dict[str, Any]:
    """What `python -m bot` gives uvicorn.run besides the app, host and port; `request_seconds` for a whole request,
    head and body (Limits.request_seconds)."""
    kept, backlog = limits(raise_fd_limit())
    # uvicorn makes each connection's protocol from a class: the deadline rides on a subclass of ours.
    protocol = type("GuardedH11Protocol", (GuardedH11Protocol,), {"request_seconds": request_seconds})
    return {
        "http": protocol,
        "backlog": backlog,
        # uvicorn answers 503 past this many connections (or requests in progress); GuardedH11Protocol makes
        # room from `kept` on, so this happens only when every connection holds a request being answered.
        "limit_concurrency": kept + backlog,
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEAD,
        # Off: one line per Slack request (each keystroke in a menu) says nothing the reverse proxy's access log
        # does not, and every refused request is logged by bot/http_guard.py with its reason, once. At DEBUG it
        # is on, without query strings: /slack/oauth_redirect carries OAuth's code and state in its query.
        "access_log": log_level == "DEBUG",
    }


def without_query(record: logging.LogRecord) -> bool:
    """uvicorn.access filter: the request line without its query string (args: client, method, path, …)."""
    args = record.args
    if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str):
        record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
    return True


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline per request, and room made at the connection limit."""

    request_seconds: float  # Limits.request_seconds, on the subclass uvicorn_options makes

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting = _waiting.setdefault(self.server_state, {})
        self._track()
        if self.limit_concurrency is not None:
            kept = self.limit_concurrency - self.config.backlog  # see uvicorn_options()
            if len(self.connections) > kept:
                self._make_room()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        self._waiting.pop(self, None)
        super().connection_lost(exc)

    def _track(self) -> None:
        """Deadline and place in line, from h11's view of the client: still sending a request, or done."""
        if self.transport.is_closing():
            return
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            self._waiting.setdefault(self, None)
            # Between requests (nothing received yet) the keep-alive timeout applies instead.
            started = self.conn.their_state is h11.SEND_BODY or self.conn.trailing_data[0] or self.cycle is None
            if started and self._deadline is None:
                self._deadline = self.loop.call_later(self.request_seconds, self._timed_out)
        else:
            self._waiting.pop(self, None)
            self._stop_deadline()

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            _report("timed out", self.request_seconds)
            self.transport.close()

    def _make_room(self) -> None:
        oldest = next((c for c in self._waiting if c is not self and not c.transport.is_closing()), None)
        _report("made room", self.request_seconds)
        # Nobody is waiting for bytes: every connection holds a request in progress. The newcomer goes.
        (oldest or self).transport.close()


class _Report:
    """At most one warning line per REPORT_EVERY, with counts, however many connections are closed."""

    def __init__(self) -> None:
        self.closed = {"timed out": 0, "made room": 0}
        self.last = -REPORT_EVERY
        self.pending = False
        self.deadline = 0.0

    def __call__(self, reason: str, deadline: float) -> None:
        self.closed[reason] += 1
        self.deadline = deadline
        if not self.pending:
            self.pending = True
            wait = max(0.0, self.last + REPORT_EVERY - time.monotonic())
            asyncio.get_running_loop().call_later(wait, self.write)

    def write(self) -> None:
        log.warning("closed %d connections that did not send a whole request within %g s and %d to make room at"
                    " the limit of connections", self.closed["timed out"], self.deadline, self.closed["made room"])
        self.closed = dict.fromkeys(self.closed, 0)
        self.last, self.pending = time.monotonic(), False


_report = _Report()
