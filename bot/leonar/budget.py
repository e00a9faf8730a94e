"""Each API key's hourly request budget, as Leonar reports it in X-RateLimit-* headers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.leonar.models import RateLimit

# "Nearly spent": the last 5% of the hour's budget (at least 20 requests) is kept for adding candidates.
LOW_FRACTION = 0.05
LOW_FLOOR = 20
# Without an X-RateLimit-Reset, a 429 blocks the key this long.
DEFAULT_BLOCK = 60.0


def reserve(limit: int) -> int:
    """How many of an hour's `limit` requests are kept for adding candidates."""
    return max(LOW_FLOOR, int(limit * LOW_FRACTION))


@dataclass
class Budget:
    clock: Callable[[], float] = field(default=time.time)
    last: RateLimit | None = None
    blocked_until: float = 0.0

    def update(self, rate_limit: RateLimit | None) -> None:
        if rate_limit is not None:
            self.last = rate_limit

    def exhausted(self, reset_at: int | None) -> None:
        """After a 429: nothing is sent with this key again before the reset."""
        self.blocked_until = max(self.blocked_until, float(reset_at) if reset_at else self.clock() + DEFAULT_BLOCK)

    def blocked(self) -> bool:
        return self.clock() < self.blocked_until

    def low(self) -> bool:
        """Few requests left in the current window: reads should come from the cache when they can."""
        last = self.last
        if last is None or self.clock() >= last.reset_at:
            return False
        return last.remaining <= reserve(last.limit)

    @property
    def reset_at(self) -> int | None:
        if self.blocked():
            return int(self.blocked_until)
        return self.last.reset_at if self.last else None
