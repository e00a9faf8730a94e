"""Each Slack user's fair share of one API key's hourly budget, for the reads a person drives by typing.

One key serves a whole workspace, and Leonar counts its requests in one window per hour (X-RateLimit-*). Left
alone, one member typing thousands of distinct searches spends it all and every menu in the workspace is empty
until the reset. So searches and lists that miss the cache are admitted per user, by a token bucket:

- what the key may spend on such reads is its hourly limit less the reserve `Budget.low()` keeps for adds;
- that is shared among the users active in the last 15 minutes, but never among fewer than MIN_SHARERS: the
  window is a fixed hour, so a member alone at the start of it must leave enough for colleagues who arrive later;
- a user may spend a quarter of their hourly share at once (a burst: typing a few names in a row), then refills
  at their hourly share, spread over the hour.

With a 2,000-request key and one busy member, that is 118 searches at once, then one every 7.6 s: at most ~590
in the hour, and the other members keep ~1,300 of the key's requests. With ten members active, each gets 190 an
hour. Whatever the shares add up to, once the key itself is down to the reserve, no such read is sent any more
(`UserRateLimited.reserved`): what is left is for adds. Adds, their duplicate checks and notes are never counted
against a user: they are what the budget is for.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from cachetools import LRUCache

from bot.leonar.budget import Budget, reserve
from bot.leonar.errors import UserRateLimited

# Until Leonar's first answer says otherwise, the lower of the two documented hourly limits.
DEFAULT_LIMIT = 1000
ACTIVE_WINDOW = 15 * 60.0
MIN_SHARERS = 4
BURST_FRACTION = 0.25
MIN_BURST = 20
MAX_USERS = 5000  # per key; a user forgotten comes back with a full bucket, which is a harmless error


@dataclass
class _Bucket:
    tokens: float
    at: float


class FairShare:
    """The per-user buckets of one API key."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._buckets: LRUCache[str, _Bucket] = LRUCache(maxsize=MAX_USERS)
        self._seen: OrderedDict[str, float] = OrderedDict()  # user -> last attempt, oldest first

    def admit(self, user: str | None, cost: int = 1) -> None:
        """Count `cost` requests against `user`, or raise `UserRateLimited` without counting anything.

        `user` None (a call no Slack user drives, e.g. checking a new key) only respects the reserve.
        """
        now = self.budget.clock()
        if self.budget.blocked():
            return  # after a 429 the transport refuses everything itself, and says until when
        if self.budget.low():
            reset_at = self.budget.reset_at
            wait = max(0.0, reset_at - now) if reset_at else 60.0
            raise UserRateLimited("the rest of the key's budget is kept for adds", retry_in=wait, reserved=True,
                                  reset_at=reset_at)
        if user is None:
            return
        share, burst = self._sizes(user, now)
        rate = share / 3600.0
        bucket = self._buckets.get(user)
        if bucket is None:
            bucket = self._buckets[user] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + max(0.0, now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < cost:
            raise UserRateLimited("this user's share of the key's budget is used up",
                                  retry_in=(cost - bucket.tokens) / rate)
        bucket.tokens -= cost

    def active_users(self) -> int:
        return len(self._seen)

    def _sizes(self, user: str, now: float) -> tuple[float, float]:
        """This user's hourly share and burst, from the key's limit and who is active now."""
        self._seen[user] = now
        self._seen.move_to_end(user)
        while self._seen and (now - next(iter(self._seen.values())) > ACTIVE_WINDOW or len(self._seen) > MAX_USERS):
            self._seen.popitem(last=False)
        last = self.budget.last
        limit = last.limit if last else DEFAULT_LIMIT
        share = (limit - reserve(limit)) / max(MIN_SHARERS, len(self._seen))
        return share, max(MIN_BURST, share * BURST_FRACTION)
