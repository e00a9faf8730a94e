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

Several instances serve one key, each with its own buckets: they tell each other what each user spent (`sync`,
through the database, every second or so, never per request), and each takes the others' spending from its own
buckets, and counts their active users among its sharers. So N instances give a member one share, not N (give or
take what a member can spend in the second before the others hear of it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

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

    def __init__(self, budget: Budget, *, shared: bool = True) -> None:
        """`shared`: other instances serve the key too, and are told what each user spent (`take_spent`)."""
        self.budget = budget
        self._shared = shared
        self._buckets: LRUCache[str, _Bucket] = LRUCache(maxsize=MAX_USERS)
        self._seen: OrderedDict[str, float] = OrderedDict()  # user -> last attempt, oldest first
        self._spent: dict[str, float] = {}  # user -> requests admitted here since the last `take_spent`

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
        if self._shared:
            self._spent[user] = self._spent.get(user, 0.0) + cost

    def take_spent(self) -> dict[str, float]:
        """What each user spent here since the last call (for the other instances)."""
        spent, self._spent = self._spent, {}
        return spent

    def untake(self, spent: dict[str, float]) -> None:
        """`take_spent`'s answer could not be told: told with the next one."""
        for user, requests in spent.items():
            self._spent[user] = self._spent.get(user, 0.0) + requests

    def spent_elsewhere(self, user: str, requests: float, active_at: float) -> None:
        """`user` spent `requests` through this key on other instances, last at `active_at` (this clock): taken
        from their bucket here too (below zero, they wait to refill), and counted among the active users."""
        now = self.budget.clock()
        if now - active_at <= ACTIVE_WINDOW and active_at > self._seen.get(user, float("-inf")):
            latest = next(reversed(self._seen.values()), float("-inf"))
            self._seen[user] = active_at
            if active_at >= latest:
                self._seen.move_to_end(user)
            else:  # kept oldest first, for `_sizes` to forget the inactive
                self._seen = OrderedDict(sorted(self._seen.items(), key=lambda item: item[1]))
        if requests <= 0:
            return
        share, burst = self._sizes(user, now, seen=False)
        bucket = self._buckets.get(user)
        if bucket is None:
            bucket = self._buckets[user] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + max(0.0, now - bucket.at) * share / 3600.0) - requests
        bucket.at = now

    def active_users(self) -> int:
        return len(self._seen)

    def _sizes(self, user: str, now: float, *, seen: bool = True) -> tuple[float, float]:
        """This user's hourly share and burst, from the key's limit and who is active now (`seen`: this user, now)."""
        if seen:
            self._seen[user] = now
            self._seen.move_to_end(user)
        while self._seen and (now - next(iter(self._seen.values())) > ACTIVE_WINDOW or len(self._seen) > MAX_USERS):
            self._seen.popitem(last=False)
        last = self.budget.last
        limit = last.limit if last else DEFAULT_LIMIT
        share = (limit - reserve(limit)) / max(MIN_SHARERS, len(self._seen))
        return share, max(MIN_BURST, share * BURST_FRACTION)


class Ledger(Protocol):
    """Where instances tell each other what each user spent of each key (the store's, on PostgreSQL): `report`
    adds this instance's spending, `elsewhere` gives every other instance's totals since it started counting, with
    when each user was last active there."""

    async def report(self, instance: str, spent: dict[tuple[str, str], float], at: float) -> None: ...
    async def elsewhere(self, instance: str) -> dict[tuple[str, str], tuple[float, float]]: ...


class Sync:
    """One instance's side of sharing the buckets: run every second or so (a chore of bot/durable)."""

    def __init__(self, ledger: Ledger, instance: str) -> None:
        self._ledger, self._instance = ledger, instance
        self._heard: dict[tuple[str, str], float] = {}  # (key, user) -> the others' total already taken
        self._started = False  # the first look only learns where the others' totals stand

    async def run(self, shares: Iterable[tuple[str, FairShare]], now: float) -> None:
        by_key = dict(shares)
        taken = {key: share.take_spent() for key, share in by_key.items()}
        spent = {(key, user): n for key, users in taken.items() for user, n in users.items()}
        if spent:
            try:
                await self._ledger.report(self._instance, spent, now)
            except Exception:
                for key, users in taken.items():
                    by_key[key].untake(users)
                raise
        for (key, user), (total, active_at) in (await self._ledger.elsewhere(self._instance)).items():
            new = total - self._heard.get((key, user), 0.0) if self._started else 0.0
            self._heard[(key, user)] = total
            if (share := by_key.get(key)) is not None and (new > 0 or active_at > now - ACTIVE_WINDOW):
                share.spent_elsewhere(user, max(0.0, new), active_at)
        self._started = True
