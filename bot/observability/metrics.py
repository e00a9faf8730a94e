"""The bot's Prometheus metrics, in a registry of their own (served by `endpoint.py`).

This module imports nothing of the bot, so that the Leonar client (which must not know Slack) may record its
requests here. Labels never carry a key, a token or a name: a workspace is its store key (`-:T…`, `E…:T…` or `E…:-`), a
Leonar endpoint its path template.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from cachetools import LRUCache
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # RSS, CPU, open descriptors

# Slack gives an ack 3 s; the buckets are dense below it.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
STORE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

REQUESTS = Counter("leonar_bot_requests", "Slack requests by kind and outcome (acked, refused, failed)",
                   ["kind", "outcome"], registry=REGISTRY)
ACK_SECONDS = Histogram("leonar_bot_ack_seconds", "Time from a Slack request's arrival to its ack", ["kind"],
                        buckets=ACK_BUCKETS, registry=REGISTRY)
LATE_FAILURES = Counter("leonar_bot_failures_after_ack", "Listeners that failed after acking (logged)", ["kind"],
                        registry=REGISTRY)
LEONAR_REQUESTS = Counter("leonar_bot_leonar_requests", "Requests sent to Leonar by endpoint template and status",
                          ["method", "endpoint", "status"], registry=REGISTRY)
STORE_SECONDS = Histogram("leonar_bot_store_seconds", "Store calls by operation", ["operation"],
                          buckets=STORE_BUCKETS, registry=REGISTRY)
# Pipeline activity (bot/polling): polls of followed projects by outcome, messages posted by kind (live, digest).
POLLS = Counter("leonar_bot_activity_polls", "Polls of followed projects by outcome (changed, unchanged, seeded, "
                "backoff, stopped, lost_lease)", ["outcome"], registry=REGISTRY)
ACTIVITY_POSTS = Counter("leonar_bot_activity_posts", "Activity messages posted by kind (live, digest) and outcome "
                         "(posted, dropped, retry)", ["kind", "outcome"], registry=REGISTRY)
ACTIVITY_EVENTS = Counter("leonar_bot_activity_events", "Pipeline events read by kind (added, moved, hired, removed)",
                          ["kind"], registry=REGISTRY)

# Path segments that name a resource; every other segment is an id and becomes {id}.
RESOURCES = frozenset({"projects", "contacts", "search", "entries", "notes", "stages", "pipeline"})


def endpoint(path: str) -> str:
    """`projects/3f2a…/entries` → `projects/{id}/entries`: ids would make one series per project."""
    return "/".join(s if s in RESOURCES else "{id}" for s in path.strip("/").split("/"))


def leonar_request(method: str, path: str, status: int | str) -> None:
    LEONAR_REQUESTS.labels(method, endpoint(path), str(status)).inc()


class CacheCounts(Collector):
    """Lookups of the Leonar read cache: fresh hits, stale answers (budget low), joined in-flight fetches and
    misses; and the hit ratio since start, for a dashboard without PromQL."""

    def __init__(self) -> None:
        self.counts = {"hit": 0, "stale": 0, "joined": 0, "miss": 0}

    def add(self, result: str) -> None:
        self.counts[result] += 1

    def collect(self) -> Iterator[Any]:
        lookups = CounterMetricFamily("leonar_bot_leonar_cache_lookups", "Leonar read cache lookups by result",
                                      labels=["result"])
        for result, count in self.counts.items():
            lookups.add_metric([result], count)
        yield lookups
        total = sum(self.counts.values())
        answered = total - self.counts["miss"]
        yield GaugeMetricFamily("leonar_bot_leonar_cache_hit_ratio",
                                "Share of cache lookups answered without a request of their own, since start",
                                value=answered / total if total else 0.0)


class Budgets(Collector):
    """Each workspace's Leonar budget left in the current window, read at scrape time from the budget objects
    the client keeps (by workspace store key; never the key itself)."""

    def __init__(self) -> None:
        self._by_workspace: LRUCache[str, Any] = LRUCache(maxsize=10_000)

    def watch(self, workspace: str, budget: Any) -> None:
        if self._by_workspace.get(workspace) is not budget:
            self._by_workspace[workspace] = budget

    def forget(self, workspace: str) -> None:
        self._by_workspace.pop(workspace, None)

    def collect(self) -> Iterator[Any]:
        family = GaugeMetricFamily("leonar_bot_leonar_budget_remaining",
                                   "Leonar requests left in the key's current hourly window, per workspace",
                                   labels=["workspace"])
        now = time.time()
        for workspace, budget in list(self._by_workspace.items()):
            last = budget.last
            if last is not None and now < last.reset_at:
                family.add_metric([workspace], 0 if budget.blocked() else last.remaining)
        yield family


CACHE = CacheCounts()
BUDGETS = Budgets()
REGISTRY.register(CACHE)
REGISTRY.register(BUDGETS)
