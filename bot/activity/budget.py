"""How often to poll: `LEONAR_POLL_SECONDS`, stretched so that polling stays within `LEONAR_POLL_BUDGET` of the
key's hourly request limit.

One poll per followed project serves every channel following it. With `projects` followed on one key, each poll
costing `requests_per_poll` requests on average, polling every `s` seconds costs
`projects × requests_per_poll × 3600 / s` requests an hour; it must stay ≤ `budget × hourly_limit`. So
`s = max(base, projects × requests_per_poll × 3600 / (budget × hourly_limit))`, and the App Home says when the
interval was stretched beyond the base.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Leonar's docs say 2,000 an hour on one page and 1,000 on another [DOC]: plan for the lower until a response's
# X-RateLimit-Limit says otherwise.
DEFAULT_HOURLY_LIMIT = 1000
PAGE_SIZE = 100


@dataclass(frozen=True)
class PollPlan:
    seconds: float  # the interval between two polls of one project
    stretched: bool  # longer than the configured base, to stay within the budget
    requests_per_hour: float  # what polling every followed project costs at this interval


def requests_per_poll(entries: int | None, *, full_scan_every: int = 30) -> float:
    """Average requests of one poll: the filtered reading (one page when fewer than 100 changed) plus, every
    `full_scan_every` polls, a full scan of the project (its pages) to see removals."""
    pages = max(1, math.ceil((entries or 0) / PAGE_SIZE))
    return 1.0 + pages / max(1, full_scan_every)


def poll_interval(*, base_seconds: float, budget: float, projects: int, hourly_limit: int | None = None,
                  requests_per_poll: float = 1.0) -> PollPlan:
    if not 0 < budget <= 1:
        raise ValueError("budget must be in (0, 1]")
    limit = hourly_limit if hourly_limit and hourly_limit > 0 else DEFAULT_HOURLY_LIMIT
    if projects <= 0:
        return PollPlan(base_seconds, False, 0.0)
    needed = projects * requests_per_poll * 3600 / (budget * limit)
    seconds = max(base_seconds, needed)
    return PollPlan(seconds, seconds > base_seconds, projects * requests_per_poll * 3600 / seconds)
