"""The Slack request being handled: its id (on every log line, from the ack to the card posted after it), its
kind and when it arrived, in a context variable that tasks started for it inherit."""

from __future__ import annotations

import functools
import logging
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from prometheus_client import Counter, Histogram

from bot.observability.metrics import ACK_SECONDS, LATE_FAILURES, REQUESTS

log = logging.getLogger(__name__)
# Slack's payload types, by the kinds the metrics count.
KINDS = {
    "command": "command", "block_suggestion": "options", "block_actions": "action", "view_closed": "action",
    "view_submission": "submission", "shortcut": "shortcut", "message_action": "shortcut",
    "event_callback": "event",
}


@dataclass
class Record:
    started: float
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    kind: str = "other"
    outcome: str | None = None


_current: ContextVar[Record | None] = ContextVar("leonar_request", default=None)
# A modal's requests (menus, actions, the submit that posts the card) carry the id of the request that opened
# it, so one id follows a command from its ack to its card. Per process: on another instance they get their own.
_by_view: LRUCache[str, str] = LRUCache(maxsize=10_000)
_arrived: ContextVar[float | None] = ContextVar("leonar_request_arrived", default=None)


def arrived() -> None:
    """At the HTTP route, before Bolt verifies and authorizes: the ack latency is counted from here."""
    _arrived.set(time.perf_counter())


def begin(body: Any) -> None:
    """At the per-request middleware: a new request, with its id and kind (Socket Mode's arrive here first)."""
    kind = "command" if isinstance(body, dict) and "command" in body else (
        body.get("type") if isinstance(body, dict) else None)
    record = Record(started=_arrived.get() or time.perf_counter(), kind=KINDS.get(str(kind), "other"))
    view = body.get("view") if isinstance(body, dict) else None
    if isinstance(view, dict):
        opener = _by_view.get(str(view.get("root_view_id") or view.get("id")))
        record.id = opener or record.id
    _current.set(record)


def opened(view: Any) -> None:
    """A modal was opened for the current request: its later requests will carry this request's id."""
    record = _current.get()
    if record is not None and isinstance(view, dict) and view.get("id"):
        _by_view[str(view["id"])] = record.id


def elapsed() -> float:
    """Seconds since the current request reached the bot (0 outside a request)."""
    record = _current.get()
    return time.perf_counter() - record.started if record else 0.0


def current_id() -> str | None:
    record = _current.get()
    return record.id if record else None


def answered(outcome: str) -> None:
    """The request was answered (acked, refused, or acked by the fallback because its listener failed); only the
    first answer of a request counts."""
    record = _current.get()
    if record is None or record.outcome is not None:
        return
    record.outcome = outcome
    seconds = time.perf_counter() - record.started
    _counter(record.kind, outcome).inc()
    _histogram(record.kind).observe(seconds)
    log.debug("answered %s: %s in %.1f ms", record.kind, outcome, seconds * 1000)


# Each labelled series looked up once (a lock and a label check in prometheus_client at every request otherwise);
# kinds and outcomes are a few fixed words, so these stay small.
@functools.cache
def _counter(kind: str, outcome: str) -> Counter:
    return REQUESTS.labels(kind, outcome)


@functools.cache
def _histogram(kind: str) -> Histogram:
    return ACK_SECONDS.labels(kind)


def failed() -> None:
    """Its listener raised: before the ack the request counts as failed, after it as a failure after ack."""
    record = _current.get()
    if record is None:
        return
    if record.outcome is None:
        answered("failed")
    else:
        LATE_FAILURES.labels(record.kind).inc()
