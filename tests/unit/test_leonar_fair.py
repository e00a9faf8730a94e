"""One member cannot spend a workspace's Leonar budget: each user's share of the key, and the reserve for adds.

Against the fake Leonar (a real HTTP server on loopback) with its hourly limit; the clock is frozen where a test
counts tokens, so the figures do not depend on how fast the machine is.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.i18n import LANGS
from bot.leonar import Leonar, NewEntry, RateLimited, UserRateLimited
from bot.leonar.budget import Budget
from bot.leonar.fair import FairShare
from bot.leonar.models import RateLimit
from bot.views.errors import describe
from bot.views.options import OPTION_TEXT
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar

SEARCHES = r"/contacts/search"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()  # near the real time: the fake's X-RateLimit-Reset is a real timestamp

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def pool(leonar: FakeLeonar) -> AsyncIterator[Leonar]:
    pool = Leonar(leonar.url, connect_timeout=0.5, read_timeout=1.0)
    yield pool
    await pool.aclose()


def sent_by(leonar: FakeLeonar, start: int) -> int:
    return sum(1 for r in leonar.requests[start:] if r.path == SEARCHES)


async def test_one_member_typing_2050_searches_leaves_the_workspace_its_budget(leonar: FakeLeonar,
                                                                               pool: Leonar) -> None:
    leonar.rate_limit = 1000  # the lower documented hourly limit
    leonar.add_contact("Ada", "Lovelace")
    clock = Clock()
    pool.client(LEONAR_KEY).budget.clock = clock
    alice, bob = pool.client(LEONAR_KEY, user_id="UALICE"), pool.client(LEONAR_KEY, user_id="UBOB")

    refused: list[Exception] = []
    for n in range(2050):  # the attack: distinct searches, so none is served from the cache
        try:
            await alice.search_contacts(f"q{n:04d}")
        except (UserRateLimited, RateLimited) as exc:
            refused.append(exc)
    # (1000 − 50 kept for adds) / 4 sharers at least = 237.5 an hour each; a quarter of it at once: 59.
    assert sent_by(leonar, 0) == 59 and len(refused) == 2050 - 59
    assert all(isinstance(e, UserRateLimited) and not e.reserved for e in refused)
    last_refusal = refused[-1]
    assert isinstance(last_refusal, UserRateLimited) and 0 < last_refusal.retry_in <= 3600 / 237.5  # 15 s apart

    before = len(leonar.requests)
    found = await bob.search_contacts("ada")
    assert [c.full_name for c in found.items] == ["Ada Lovelace"] and not found.stale
    for n in range(40):  # the rest of the workspace still searches
        await bob.search_contacts(f"bob{n}")
    assert sent_by(leonar, before) == 41
    last = pool.client(LEONAR_KEY).budget.last
    assert last is not None and last.remaining == 1000 - 59 - 41

    clock.now += 15.5  # a refill: one more search for Alice, then she waits again
    await alice.search_contacts("one more")
    with pytest.raises(UserRateLimited):
        await alice.search_contacts("and another")


async def test_cached_answers_cost_nothing_and_a_limited_user_gets_them_stale(leonar: FakeLeonar,
                                                                              pool: Leonar) -> None:
    leonar.add_project("Lead")
    clock = Clock()
    pool.client(LEONAR_KEY).budget.clock = clock
    alice = pool.client(LEONAR_KEY, user_id="UALICE")
    for _ in range(200):
        assert [p.name for p in (await alice.list_projects()).items] == ["Lead"]
    assert leonar.count("GET", "/projects") == 1  # one request, one token
    for n in range(200):
        try:
            await alice.search_contacts(f"q{n}")
        except UserRateLimited:
            break
    pool.cache._clock = lambda: time.monotonic() + 120  # the project list is two minutes old
    listing = await alice.list_projects()
    assert listing.stale and listing.limited and [p.name for p in listing.items] == ["Lead"]
    assert leonar.count("GET", "/projects") == 1


async def test_the_reserve_for_adds_holds_whoever_searches(pool: Leonar, leonar: FakeLeonar) -> None:
    leonar.rate_limit = 100  # 20 kept for adds
    project, person = leonar.add_project("Lead"), leonar.add_contact("Ada")
    clock = Clock()
    pool.client(LEONAR_KEY).budget.clock = clock
    members = [pool.client(LEONAR_KEY, user_id=f"U{n:03d}") for n in range(10)]
    refusals: list[UserRateLimited] = []
    for round_ in range(30):  # ten members, each within their own share, together more than the key has
        for n, member in enumerate(members):
            try:
                await member.search_contacts(f"{n}-{round_}")
            except UserRateLimited as exc:
                refusals.append(exc)
    last = pool.client(LEONAR_KEY).budget.last
    assert last is not None and last.remaining == 20  # the reserve, untouched
    assert refusals and refusals[-1].reserved and refusals[-1].reset_at == last.reset_at
    entry = await members[0].add_entry(NewEntry(project["id"], person["id"]))  # the reserve is for this
    assert [entry.id] == [e["id"] for e in leonar.entries()]


def test_shares_follow_the_key_limit_and_the_active_members() -> None:
    clock = Clock()
    share = FairShare(Budget(clock=clock))
    share.budget.update(RateLimit(limit=2000, remaining=2000, reset_at=int(clock.now) + 3600))
    admitted = 0
    while admitted < 1000:
        try:
            share.admit("UALICE")
        except UserRateLimited:
            break
        admitted += 1
    assert admitted == 118  # (2000 − 100) / 4 / 4
    for n in range(9):
        share.admit(f"U{n}")
    assert share.active_users() == 10
    clock.now += 16 * 60  # the others went quiet: Alice alone is active again
    share.admit("UALICE")
    assert share.active_users() == 1
    anonymous = FairShare(Budget(clock=clock))
    for _ in range(500):
        anonymous.admit(None)  # a call no Slack user drives (checking a new key) only respects the reserve


@pytest.mark.parametrize("lang", LANGS)
def test_the_user_is_told_which_limit_in_a_whole_menu_option(lang: str) -> None:
    reset = int(time.time()) + 3599
    said = {describe(UserRateLimited("x", retry_in=wait), lang) for wait in (0.2, 1, 15.2, 80, 119.5, 120, 3599)}
    said |= {describe(UserRateLimited("x", retry_in=0, reserved=True, reset_at=at), lang) for at in (reset, None)}
    assert all(len(text) <= OPTION_TEXT and text.endswith(".") for text in said), said
    assert describe(UserRateLimited("x", retry_in=15.2), "en") == (
        "You have searched a lot in the last minutes: try again in 16 seconds.")
    assert describe(UserRateLimited("x", retry_in=0, reserved=True, reset_at=reset), "en") == (
        "Searches are paused for 60 minutes to keep Leonar's budget for adds.")


class Ledger:
    """The database the instances tell each other through (bot/store/shared.py), in memory."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], tuple[float, float]] = {}

    async def report(self, instance: str, spent: dict[tuple[str, str], float], at: float) -> None:
        for (key, user), n in spent.items():
            total, _ = self.rows.get((key, user, instance), (0.0, 0.0))
            self.rows[(key, user, instance)] = (total + n, at)

    async def elsewhere(self, instance: str) -> dict[tuple[str, str], tuple[float, float]]:
        found: dict[tuple[str, str], tuple[float, float]] = {}
        for (key, user, where), (total, at) in self.rows.items():
            if where != instance:
                before = found.get((key, user), (0.0, 0.0))
                found[(key, user)] = (before[0] + total, max(before[1], at))
        return found


async def test_instances_telling_each_other_give_a_member_one_share_not_one_each() -> None:
    """Issue 18 G: with N instances, a member had N buckets."""
    from bot.leonar.fair import Sync

    clock = Clock()
    ledger = Ledger()
    shares = [FairShare(Budget(clock=clock)) for _ in range(3)]
    syncs = [Sync(ledger, f"i{n}") for n in range(3)]
    for share, sync in zip(shares, syncs, strict=True):
        await sync.run([("key", share)], clock.now)  # the first look learns where the others stand
    admitted = 0
    for round_ in range(30):  # one request a round, in turn on each instance, a sync after each round
        try:
            shares[round_ % 3].admit("U1")
            admitted += 1
        except UserRateLimited:
            pass
        for share, sync in zip(shares, syncs, strict=True):
            await sync.run([("key", share)], clock.now)
    burst = max(20.0, (1000 - 50) / 4 / 4)  # a 1,000-an-hour key, at least four sharers
    assert admitted == 30 <= burst  # within one burst, every request goes through
    for _ in range(100):
        for share in shares:
            try:
                share.admit("U1")
                admitted += 1
            except UserRateLimited:
                pass
        for share, sync in zip(shares, syncs, strict=True):
            await sync.run([("key", share)], clock.now)
    assert burst <= admitted <= burst + 3, admitted  # one burst in all (each instance's last one, at most)
    # A fourth instance starting now counts the member as active, but does not take the spending it never saw
    # start: the others' totals are its starting point.
    fourth = FairShare(Budget(clock=clock))
    await Sync(ledger, "i9").run([("key", fourth)], clock.now)
    assert fourth.active_users() == 1
    fourth.admit("U1")


async def test_spending_a_failed_report_could_not_tell_is_told_with_the_next() -> None:
    from bot.leonar.fair import Sync

    clock, ledger = Clock(), Ledger()
    share = FairShare(Budget(clock=clock))
    sync = Sync(ledger, "i1")
    share.admit("U1")
    share.admit("U1")
    down = Ledger()

    async def refused(*_: object) -> None:
        raise ConnectionError("the database is down")

    down.report = refused  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await Sync(down, "i1").run([("key", share)], clock.now)
    share.admit("U1")
    await sync.run([("key", share)], clock.now)
    assert ledger.rows[("key", "U1", "i1")][0] == 3  # none of it lost


def test_one_instance_keeps_no_spending_to_tell() -> None:
    share = FairShare(Budget(), shared=False)
    for n in range(50):
        share.admit(f"U{n}")
    assert share.take_spent() == {}
