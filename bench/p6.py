"""P6: pipeline activity's poller (issue 12), `python -m bench --activity`.

The real poller (bot/polling) with the real SQLite store, Leonar client and Slack posting, in this process,
against the fake Leonar and the fake Slack (tests/support/activity.py's rig): Leonar requests per followed project
(idle and with moves), the time from a move in Leonar to its post in Slack, and 50 projects on one key against
LEONAR_POLL_BUDGET. Measured at a 1 s interval and scaled to the default 120 s as bench/README.md says.

Requests are counted on the rig's schedule clock (its ticks move it, so 30 intervals take what their work takes,
not 30 s): what a poll reads does not depend on when it runs. Move → post is a wait in real time, so there the
poller ticks by itself on the wall clock.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bench.harness import ms, percentile
from bot.leonar.client import PROJECT_TTL
from bot.polling.poller import FULL_SCAN_EVERY
from tests.support.activity import ACME, Rig
from tests.support.bot import LEONAR_KEY
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

INTERVAL = 1.0
DEFAULT_INTERVAL = 120.0
ENTRIES = 30


def _project(leonar: FakeLeonar, name: str, entries: int = ENTRIES) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    project = leonar.add_project(name)
    made = [leonar.add_entry(project["id"], leonar.add_contact(f"Cand{n:03d}", name.split()[-1])["id"])
            for n in range(entries)]
    return project, made


def _reads(leonar: FakeLeonar, project_id: str) -> tuple[int, int]:
    return (leonar.count("GET", rf"/projects/{project_id}/entries"), leonar.count("GET", rf"/projects/{project_id}"))


async def _requests(slack: FakeSlack, leonar: FakeLeonar, tmp: Path, seconds: float, moves: int) -> dict[str, Any]:
    project, entries = _project(leonar, f"Idle {moves}")
    async with Rig(slack, leonar, f"sqlite:///{tmp / f'p6-{moves}.db'}", poll_seconds=INTERVAL,
                   encryption_key=Fernet.generate_key().decode()) as rig:
        await rig.connect()
        await rig.follow(project)
        await rig.until(lambda: _reads(leonar, project["id"])[0] >= 1)
        await rig.intervals(1.5)
        before, posts_before = _reads(leonar, project["id"]), len(slack.calls_to("chat.postMessage"))
        state = await rig.follows.project_state(ACME, project["id"])
        started = rig.schedule.at
        gap = seconds / moves if moves else 0.0
        done = 0
        while (elapsed := rig.schedule.at - started) < seconds:
            if moves and done < moves and elapsed >= done * gap:
                leonar.move_entry(entries[done]["id"], "Interview")
                done += 1
            await rig.intervals(rig.poller.tick_seconds / INTERVAL)  # one tick
        after = _reads(leonar, project["id"])
        polls = (await rig.follows.project_state(ACME, project["id"])).polls - state.polls
    entry_reads, project_reads = after[0] - before[0], after[1] - before[1]
    per_poll = entry_reads / max(1, polls)
    # At the default interval: 30 polls an hour, each `per_poll` entry pages; the project (its stages, cached
    # PROJECT_TTL) read again at the first poll after its cache expired: every ceil(TTL/interval) polls.
    polls_hour = 3600 / DEFAULT_INTERVAL
    project_hour = polls_hour / -(-PROJECT_TTL // DEFAULT_INTERVAL)
    return {"moves": moves, "seconds": seconds, "polls": polls, "entry reads": entry_reads,
            "project reads": project_reads, "entry reads per poll": round(per_poll, 2),
            "posts": len(slack.calls_to("chat.postMessage")) - posts_before,
            "per hour at 1 s": round(3600 / INTERVAL * per_poll + 3600 / PROJECT_TTL, 1),
            "per hour at 120 s": round(polls_hour * per_poll + project_hour + polls_hour / FULL_SCAN_EVERY, 1)}


async def _latency(slack: FakeSlack, leonar: FakeLeonar, tmp: Path, samples: int) -> dict[str, Any]:
    project, entries = _project(leonar, "Latency Team", entries=samples)
    rng = random.Random(6)
    async with Rig(slack, leonar, f"sqlite:///{tmp / 'p6-latency.db'}", poll_seconds=INTERVAL,
                   encryption_key=Fernet.generate_key().decode(), now=time.time) as rig:
        await rig.connect()
        await rig.follow(project, channel="CLATENCY")
        rig.poller.start()
        while not (await rig.follows.project_state(ACME, project["id"])).polls:
            await asyncio.sleep(0.05)
        moved: dict[str, float] = {}
        for n, entry in enumerate(entries):
            await asyncio.sleep(rng.uniform(0.2, 1.8))
            moved[f"Cand{n:03d}"] = time.monotonic()
            leonar.move_entry(entry["id"], "Offer")
        await asyncio.sleep(INTERVAL * 3)
        await rig.poller.stop(timeout=5)
    seen: dict[str, float] = {}
    for call in slack.calls_to("chat.postMessage"):
        if call.body.get("channel") == "CLATENCY":
            for name in re.findall(r"Cand\d{3}", str(call.body.get("blocks"))):
                seen.setdefault(name, call.at)
    waits = [seen[name] - at for name, at in moved.items() if name in seen]
    return {"samples": samples, "posted": len(waits), "p50 ms": ms(statistics.median(waits)),
            "p99 ms": ms(percentile(waits, 99)), "max ms": ms(max(waits))}


async def _fifty(slack: FakeSlack, tmp: Path, seconds: float) -> dict[str, Any]:
    limit, budget = 1000, 0.2
    with FakeLeonar(rate_limit=limit) as leonar:
        leonar.add_key(LEONAR_KEY)
        projects = [_project(leonar, f"Team {n:02d}", entries=10)[0] for n in range(50)]
        async with Rig(slack, leonar, f"sqlite:///{tmp / 'p6-fifty.db'}", poll_seconds=INTERVAL,
                       encryption_key=Fernet.generate_key().decode()) as rig:
            await rig.connect()
            for project in projects:
                await rig.follow(project)
            await rig.intervals(seconds / INTERVAL)
            status = await rig.follows.poll_status(ACME)
        sent = len(leonar.requests)
    assert status is not None
    per_poll = 2.0 + 1 / FULL_SCAN_EVERY  # as the poller plans: one page, the project, a full scan now and then
    return {"projects": 50, "hourly limit": limit, "budget": budget, "interval s": round(status.interval_seconds, 1),
            "stretched": status.stretched, "requests in the first seconds": sent, "seconds": seconds,
            "planned per hour": round(50 * per_poll * 3600 / status.interval_seconds, 1),
            "allowed per hour": limit * budget}


def run(*, seconds: float = 30.0, samples: int = 40) -> dict[str, Any]:
    async def everything() -> dict[str, Any]:
        with FakeSlack() as slack, FakeLeonar(rate_limit=1_000_000) as leonar, \
                tempfile.TemporaryDirectory() as tmp:
            leonar.add_key(LEONAR_KEY)
            return {"idle": await _requests(slack, leonar, Path(tmp), seconds, 0),
                    "moving": await _requests(slack, leonar, Path(tmp), seconds, max(1, int(seconds // 3))),
                    "latency": await _latency(slack, leonar, Path(tmp), samples),
                    "fifty": await _fifty(slack, Path(tmp), min(seconds, 20.0))}

    return asyncio.run(everything())


def report(result: dict[str, Any]) -> None:
    print("\nP6 pipeline activity (interval 1 s, scaled to the default 120 s)")
    for name in ("idle", "moving"):
        r = result[name]
        print(f"  {name:7s} {r['polls']} polls in {r['seconds']:.0f} s of schedule, {r['moves']} moves, "
              f"{r['posts']} posts: {r['entry reads per poll']} entry reads per poll (+{r['project reads']} "
              f"project reads); per followed project per hour: {r['per hour at 1 s']} at 1 s, "
              f"{r['per hour at 120 s']} at 120 s")
    lat = result["latency"]
    print(f"  move → post at 1 s: p50 {lat['p50 ms']} ms, p99 {lat['p99 ms']} ms, max {lat['max ms']} ms "
          f"({lat['posted']}/{lat['samples']} posted)")
    f = result["fifty"]
    print(f"  50 projects on one key (limit {f['hourly limit']}/h, budget {f['budget']:.0%}): interval "
          f"{f['interval s']} s (stretched: {f['stretched']}), planned {f['planned per hour']}/h of "
          f"{f['allowed per hour']:.0f} allowed; {f['requests in the first seconds']} requests in the first "
          f"{f['seconds']:.0f} s (every project's first poll)")
