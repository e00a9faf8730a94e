"""Durable work (bot/store/jobs.py, bot/durable/runner.py) on both backends: a key accepted once across instances
and restarts, a dead holder's job taken over once its lease has run out (by exactly one instance), the steps already
done skipped when resumed, retries, giving up, and a finished job keeping nothing but its key."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.durable.runner import Kind, Progress, Retry, Runner
from bot.limits import Limits
from bot.store import Store, Workspace, open_store
from bot.store.jobs import Job

ACME = Workspace(None, "T0001")
FAST = Limits(work_lease_seconds=0.3, work_tick_seconds=0.05)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def stores(url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two instances on one database (on SQLite, two stores of one process stand for a restart)."""
    key = Fernet.generate_key().decode()
    one = await asyncio.to_thread(open_store, url, key, limits=FAST)
    two = await asyncio.to_thread(open_store, url, key, limits=FAST)
    yield one, two
    await one.close()
    await two.close()


async def until(done: Callable[[], Any], timeout: float = 5.0) -> None:
    """Until `done()` (or what it awaits) is true."""
    deadline = time.monotonic() + timeout
    while not (await found if inspect.isawaitable(found := done()) else found):
        assert time.monotonic() < deadline, "not within the deadline"
        await asyncio.sleep(0.02)


async def nothing_pending(store: Store) -> bool:
    return await store.jobs.pending() == []


async def test_a_key_is_accepted_once_whatever_the_instance(stores: tuple[Store, Store]) -> None:
    one, two = stores
    job = await one.jobs.accept("step:Fx1", ACME, "step", {"token": "xwfp-secret"}, holder="a", lease_seconds=30)
    assert job is not None and job.payload == {"token": "xwfp-secret"} and job.attempts == 1 and not job.resumed
    assert await two.jobs.accept("step:Fx1", ACME, "step", {"token": "other"}, holder="b", lease_seconds=30) is None
    assert await one.jobs.accept("step:Fx1", ACME, "step", {}, holder="a", lease_seconds=30) is None
    await one.jobs.finish("step:Fx1", "a")
    assert await two.jobs.accept("step:Fx1", ACME, "step", {}, holder="b", lease_seconds=30) is None  # still known
    assert await one.jobs.pending() == []


async def test_a_dead_holders_job_is_taken_over_once_its_lease_has_run_out(stores: tuple[Store, Store]) -> None:
    one, two = stores
    await one.jobs.accept("add:V1", ACME, "add", {"n": 1}, holder="a", lease_seconds=0.3)
    assert await one.jobs.save_progress("add:V1", "a", {"added": {"entry": "E1"}})
    assert await two.jobs.claim("b", lease_seconds=30) == []  # "a" holds it
    await asyncio.sleep(0.35)  # "a" died: no renewal
    [taken] = await two.jobs.claim("b", lease_seconds=30)
    assert (taken.key, taken.progress, taken.attempts, taken.resumed) == ("add:V1", {"added": {"entry": "E1"}}, 2,
                                                                          True)
    assert not await one.jobs.renew("add:V1", "a", 30)  # "a", had it survived, learns it lost the job
    assert not await one.jobs.save_progress("add:V1", "a", {})
    assert await two.jobs.claim("c", lease_seconds=30) == []


async def test_two_instances_looking_at_once_never_take_the_same_job(stores: tuple[Store, Store]) -> None:
    one, two = stores
    for n in range(40):
        await one.jobs.accept(f"k{n}", ACME, "add", {}, holder="dead", lease_seconds=0.05)
    await asyncio.sleep(0.1)
    keys: list[str] = []
    for _ in range(20):  # a row another look locked meanwhile is skipped, not waited for: look again
        rounds = await asyncio.gather(*(store.jobs.claim(holder, lease_seconds=30, limit=7)
                                        for _ in range(4) for store, holder in ((one, "a"), (two, "b"))))
        keys += [job.key for jobs in rounds for job in jobs]
        if len(keys) >= 40:
            break
    assert sorted(keys) == sorted(f"k{n}" for n in range(40))  # each taken, and by one look only


async def test_a_resumed_job_skips_what_was_done_and_finishes_on_the_instance_alive(
        stores: tuple[Store, Store]) -> None:
    one, two = stores
    done: list[tuple[str, str]] = []

    def kind(holder: str, die_after: str | None = None) -> Kind:
        async def run(job: Job, progress: Progress) -> None:
            for step in ("add", "card", "complete"):
                if progress.get(step):
                    continue
                done.append((holder, step))
                if step == die_after:
                    await asyncio.Event().wait()  # hangs: this instance is about to die
                await progress.done(step)

        async def give_up(job: Job, error: BaseException) -> None:
            raise AssertionError("not given up")

        return Kind(run, give_up)

    first, second = Runner(one.jobs, FAST, holder="first"), Runner(two.jobs, FAST, holder="second")
    first.register("add", kind("first", die_after="card"))
    second.register("add", kind("second"))
    assert await first.accept("add:V9", ACME, "add", {})
    await until(lambda: ("first", "card") in done)
    await first.stop(timeout=0)  # stop() gives the job back; a crash would not, so it is held again as one leaves it:
    # only its lease running out frees it.
    await one.db.execute("test", "UPDATE jobs SET holder = 'first', lease_until = {now} + 0.2 WHERE key = 'add:V9'")
    second.start()
    try:
        await until(lambda: ("second", "complete") in done)
        await until(lambda: nothing_pending(two))
    finally:
        await second.stop(timeout=1)
    # "add" was saved before the crash: done once; "card" was under way (its outcome unsaved): done again.
    assert done == [("first", "add"), ("first", "card"), ("second", "card"), ("second", "complete")]
    assert not await second.accept("add:V9", ACME, "add", {})  # a redelivery now does nothing


async def test_retries_then_giving_up_tells_whoever_waits(stores: tuple[Store, Store]) -> None:
    one, _ = stores
    runs: list[int] = []
    told: list[str] = []

    async def run(job: Job, progress: Progress) -> None:
        runs.append(job.attempts)
        if job.attempts == 1:
            raise Retry(0.05, "Leonar rate-limited")
        raise RuntimeError("Leonar keeps refusing")

    async def give_up(job: Job, error: BaseException) -> None:
        told.append(f"{job.key}: {error}")

    runner = Runner(one.jobs, FAST.model_copy(update={"work_tick_seconds": 0.02}), holder="r")
    runner.register("note", Kind(run, give_up, max_attempts=3))
    runner.start()
    try:
        await runner.accept("note:1", ACME, "note", {"text": "Strong system design"})
        await until(lambda: bool(told), timeout=15)
    finally:
        await runner.stop(timeout=1)
    assert runs == [1, 2, 3] and told == ["note:1: Leonar keeps refusing"]
    assert await one.jobs.pending() == []


async def test_a_job_given_up_is_finished_even_when_telling_so_fails(stores: tuple[Store, Store]) -> None:
    one, _ = stores
    runs: list[int] = []

    async def run(job: Job, progress: Progress) -> None:
        runs.append(job.attempts)
        raise RuntimeError("Leonar keeps refusing")

    async def give_up(job: Job, error: BaseException) -> None:
        raise ConnectionError("Slack is down too")

    runner = Runner(one.jobs, FAST.model_copy(update={"work_tick_seconds": 0.02}), holder="r")
    runner.register("note", Kind(run, give_up, max_attempts=2))
    runner.start()
    try:
        await runner.accept("note:1", ACME, "note", {})
        await until(lambda: nothing_pending(one), timeout=15)
    finally:
        await runner.stop(timeout=1)
    assert runs == [1, 2]  # not run a third time, nor forever


async def test_a_finished_job_keeps_only_its_key(stores: tuple[Store, Store], url: str) -> None:
    one, _ = stores
    await one.jobs.accept("step:Fx2", ACME, "step", {"token": "xwfp-workflow-token"}, holder="a", lease_seconds=30)
    await one.jobs.save_progress("step:Fx2", "a", {"note": "Strong system design"})
    await one.jobs.finish("step:Fx2", "a")
    row = await one.db.one("test", "SELECT payload, progress, state FROM jobs WHERE key = 'step:Fx2'")
    assert row == (None, None, "done")


async def test_shutdown_gives_running_jobs_back_for_another_instance(stores: tuple[Store, Store]) -> None:
    one, two = stores
    started = asyncio.Event()

    async def run(job: Job, progress: Progress) -> None:
        started.set()
        await asyncio.Event().wait()

    async def give_up(job: Job, error: BaseException) -> None:
        pass

    runner = Runner(one.jobs, Limits(work_lease_seconds=60), holder="leaving")
    runner.register("step", Kind(run, give_up))
    await runner.accept("step:Fx3", ACME, "step", {})
    await started.wait()
    await runner.stop(timeout=0.05)
    [taken] = await two.jobs.claim("staying", lease_seconds=30)  # at once, not after the 60 s lease
    assert taken.key == "step:Fx3"


async def test_chores_run_at_start_then_every_period(stores: tuple[Store, Store]) -> None:
    one, _ = stores
    runs: list[float] = []

    async def chore() -> None:
        runs.append(time.monotonic())
        if len(runs) == 2:
            raise RuntimeError("the database blinked")  # logged; the next turn comes all the same

    runner = Runner(one.jobs, FAST.model_copy(update={"work_tick_seconds": 0.01}), holder="r")
    runner.every(0.1, "count", chore)
    runner.start()
    try:
        await until(lambda: len(runs) >= 3)
    finally:
        await runner.stop(timeout=0)
    assert all(later - earlier >= 0.1 for earlier, later in itertools.pairwise(runs))


async def test_old_keys_are_pruned_whoever_made_them(stores: tuple[Store, Store]) -> None:
    from bot.store.jobs import KEPT_SECONDS, PRUNE_BATCH

    one, _ = stores
    for n in range(PRUNE_BATCH + 20):  # unfurls' keys: no job ever finishes after them
        assert await one.jobs.first(f"event:{n}", ACME)
    await one.jobs.accept("step:live", ACME, "step", {}, holder="a", lease_seconds=30)
    await one.jobs.first("event:recent", ACME)
    await one.db.execute("age", "UPDATE jobs SET finished_at = finished_at - ? WHERE key LIKE 'event:%' AND "
                         "key != 'event:recent'", (KEPT_SECONDS + 1,))
    assert await one.jobs.prune() == PRUNE_BATCH + 20
    keys = {row[0] for row in await one.db.all("keys", "SELECT key FROM jobs")}
    assert keys == {"step:live", "event:recent"}
    assert not await one.jobs.first("event:recent", ACME)  # still kept: a redelivery does nothing
