"""P7: asking Leonar (issue 20 A and B), `python -m bench --ask`.

The real bot in this process (tests/support/bot.py: the real web app, SQLite) against the fake Slack and the fake
Leonar answering every request after `--latency`; a signed `/leonar-add find …` or `pipeline …` is sent and timed
until its answer reaches the response_url (the ack comes first: the answer is what the user waits for). Leonar
requests are counted at the fake. Cold: a query never asked (nothing cached); warm: the same query again.
The user's last project (looked up by a find) and two followed projects already polled (their snapshots used)
are set up as a recruiter's would be; the poller's own reads are over before anything is measured.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import ms
from bot.activity.follow import Follow
from tests.support.bot import BOT_TOKEN, LEONAR_KEY, SIGNING_SECRET, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect
from tests.support.follows import HERE

ROUNDS = 5
PROJECT_ENTRIES = 120  # two pages of the project's entries


def _timed(driver: SlackDriver, leonar: FakeLeonar, text: str) -> tuple[float, int]:
    before = len(leonar.requests)
    started = time.perf_counter()
    driver.command(text)
    driver.hook_posts(timeout=30)
    elapsed = time.perf_counter() - started
    driver.settle()
    return elapsed, len(leonar.requests) - before


def _summary(samples: list[tuple[float, int]]) -> dict[str, Any]:
    times = [s[0] for s in samples]
    return {"answer p50 ms": ms(statistics.median(times)), "answer max ms": ms(max(times)),
            "Leonar requests mean": round(statistics.mean(s[1] for s in samples), 1),
            "Leonar requests max": max(s[1] for s in samples), "samples": len(samples)}


def run(latency: float) -> dict[str, Any]:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar(rate_limit=1_000_000) as leonar, \
            tempfile.TemporaryDirectory() as tmp:
        slack.trigger_ttl = None
        slack.add_user("U0001", admin=True)  # the driver's user connects the workspace
        leonar.add_key(LEONAR_KEY)
        projects = [leonar.add_project(f"Backend Engineer {n}") for n in range(3)]
        names = [f"Person{n}" for n in range(ROUNDS)]
        for n, name in enumerate(names):
            contact = leonar.add_contact(name, "Bench", title="Engineer")
            leonar.add_entry(projects[n % 3]["id"], contact["id"], stage="Interview")
        for n in range(PROJECT_ENTRIES):
            leonar.add_entry(projects[0]["id"], leonar.add_contact(f"Filler{n}", "Bench")["id"])
        leonar.spread_entries(3600 * 6)
        bot = serve(make_settings(slack, leonar, Path(tmp) / "bot.db", log_level="WARNING"))
        driver = SlackDriver(bot, SIGNING_SECRET, slack)
        try:
            connect(driver, LEONAR_KEY)
            store = bot.services.store
            # A recruiter's state: a last project (a find looks it up), and two followed projects the poller has
            # read (a find uses their snapshots). Measured once the poller is done with them: its own reads are not
            # a find's.
            bot.run(store.workspaces.remember_project(HERE, driver.user_id, projects[0]["id"], projects[0]["name"]))
            for project in projects[1:]:
                bot.run(store.follows.add_follow(HERE, Follow("", "C0FOLLOW", project["id"], project["name"],
                                                              driver.user_id)))
            for project in projects[1:]:
                while bot.run(store.follows.project_state(HERE, project["id"])).snapshot is None:
                    time.sleep(0.05)
            driver.settle()
            leonar.latency = latency
            results: dict[str, Any] = {}
            cold = [_timed(driver, leonar, f"find {name} Bench") for name in names]
            warm = [_timed(driver, leonar, f"find {name} Bench") for name in names]
            results["find cold"], results["find warm"] = _summary(cold), _summary(warm)
            cold = [_timed(driver, leonar, f"pipeline {projects[0]['name']}")]
            warm = [_timed(driver, leonar, f"pipeline {projects[0]['name']}") for _ in range(ROUNDS)]
            results["pipeline cold"], results["pipeline warm"] = _summary(cold), _summary(warm)
            results["pipeline entries"] = PROJECT_ENTRIES + 2
            results["leonar latency ms"] = ms(latency)
            assert not slack.problems, slack.problems
            return results
        finally:
            driver.close()
            bot.stop()


def report(results: dict[str, Any]) -> None:
    print(f"\nP7 asking Leonar (Leonar latency {results['leonar latency ms']} ms; the pipeline's project holds "
          f"{results['pipeline entries']} entries)")
    print(f"{'measure':<16}{'answer p50 ms':>15}{'max ms':>10}{'Leonar req. mean':>18}{'max':>6}")
    for key in ("find cold", "find warm", "pipeline cold", "pipeline warm"):
        row = results[key]
        print(f"{key:<16}{row['answer p50 ms']:>15}{row['answer max ms']:>10}{row['Leonar requests mean']:>18}"
              f"{row['Leonar requests max']:>6}")
