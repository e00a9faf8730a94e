"""Benchmark: `python -m bench` (see bench/README.md).

Starts the fake Slack and the fake Leonar (with injected latency) in this process, the real bot and a bare
Bolt app as separate processes on loopback, and measures P1-P5 from one run (P5: bench/p5.py, PostgreSQL through
a latency proxy). Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import ask as ask_bench
from bench import hot as hot_bench
from bench import p5 as p5_bench
from bench import p6 as p6_bench
from bench.harness import KEY, ROOT, SECRET, TOKEN, connect, ms, p4, p4_workspaces, percentile, start
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack

TARGETS = {"P1 ratio p50": 1.3, "P2 warm p99 ms": 50, "P2 hanging max ms": 2500, "P3 requests": 3,
           "P4 p99 ms": 300, "P4 peak RSS MB": 150}


def command_to_views_open(driver: SlackDriver, slack: FakeSlack) -> float:
    before = len(slack.calls_to("views.open"))
    sent = time.monotonic()
    assert driver.command().status_code == 200
    return slack.wait_for("views.open", before + 1)[-1].at - sent


def p1(slack: FakeSlack, bot: SlackDriver, bare: SlackDriver, samples: int) -> dict[str, Any]:
    ours, floor = [], []
    for _ in range(10):  # warm both (imports, connections)
        command_to_views_open(bot, slack)
        command_to_views_open(bare, slack)
    for _ in range(samples):  # interleaved, so drift on the machine hits both alike
        ours.append(command_to_views_open(bot, slack))
        floor.append(command_to_views_open(bare, slack))
    result = {"samples": samples, "bot p50 ms": ms(statistics.median(ours)), "bot p99 ms": ms(percentile(ours, 99)),
              "bare p50 ms": ms(statistics.median(floor)), "bare p99 ms": ms(percentile(floor, 99))}
    result["ratio p50"] = round(result["bot p50 ms"] / result["bare p50 ms"], 2)
    result["ratio p99"] = round(result["bot p99 ms"] / result["bare p99 ms"], 2)
    return result


def timed(call: Any) -> float:
    started = time.monotonic()
    response = call()
    assert response.status_code == 200, response.text
    return time.monotonic() - started


def options_load(driver: SlackDriver, action_id: str, value: str) -> Any:
    """A function that sends one prebuilt, signed options load: only the bot's answer is timed."""
    body, headers = driver.signed_request(driver.suggestion(action_id, value))
    return lambda: driver.http.post(driver.url, content=body, headers=headers)


def p2(driver: SlackDriver, leonar: FakeLeonar, samples: int) -> dict[str, Any]:
    driver.open_modal(callback_id="leonar_add")
    cold = [timed(options_load(driver, "contact_select", f"martin {n}")) for n in range(samples // 4)]
    warm_contacts, warm_projects = options_load(driver, "contact_select", "martin"), \
        options_load(driver, "project_select", "engineer")
    warm_contacts(), warm_projects()
    warm = [timed(warm_contacts) for _ in range(samples // 2)] + [timed(warm_projects) for _ in range(samples // 2)]
    leonar.inject("POST", "/contacts/search", delay=10, times=5)
    hanging = [timed(options_load(driver, "contact_select", f"hang {n}")) for n in range(5)]
    return {"cold p50 ms": ms(statistics.median(cold)), "cold p99 ms": ms(percentile(cold, 99)),
            "warm p50 ms": ms(statistics.median(warm)), "warm p99 ms": ms(percentile(warm, 99)),
            "hanging max ms": ms(max(hanging)), "cold samples": len(cold), "warm samples": len(warm)}


def p3(driver: SlackDriver, leonar: FakeLeonar) -> dict[str, Any]:
    def add_once(name: str) -> None:
        driver.open_modal(callback_id="leonar_add")
        project = next(o for o in driver.suggest_options("project_select", "zeta"))
        driver.select("project_select", project)
        driver.wait_view(lambda v: any(b.get("block_id", "").startswith("stage_0") or
                                       b.get("element", {}).get("action_id") == "stage_select" for b in v["blocks"]))
        driver.select("contact_select", driver.suggest_options("contact_select", name)[0])
        assert driver.submit().status_code == 200

    add_once("Martin")  # warms the project list and the project's stages
    before = len(leonar.requests)
    add_once("Bernard")
    requests = leonar.requests[before:]
    return {"requests": len(requests), "calls": [f"{r.method} {r.path}" for r in requests]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.150, help="Leonar latency to inject, seconds")
    parser.add_argument("--samples", type=int, default=200, help="samples for P1 and P2")
    parser.add_argument("--p5-rounds", type=int, default=3, help="interleaved rounds of P5's 200-burst per variant")
    parser.add_argument("--hot-rounds", type=int, default=5, help="rounds of P4 one member (bot and bare Bolt)")
    parser.add_argument("--hot-only", action="store_true", help="P4 one member alone (about a minute)")
    parser.add_argument("--p5-only", action="store_true", help="skip P1-P4")
    parser.add_argument("--quick", action="store_true", help="P5 only, one round")
    parser.add_argument("--activity", action="store_true", help="P6 alone: the pipeline activity poller")
    parser.add_argument("--ask", action="store_true", help="P7 alone: find and pipeline (issue 20)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.ask:
        results["P7"] = ask_bench.run(args.latency)
        ask_bench.report(results["P7"])
        save(results, args.out.with_name("ask.json"))
        return
    if args.activity:
        results["P6"] = p6_bench.run()
        p6_bench.report(results["P6"])
        save(results, args.out.with_name("activity.json"))
        return
    with FakeSlack(bot_token=TOKEN) as slack, FakeLeonar(rate_limit=1_000_000) as leonar, \
            tempfile.TemporaryDirectory() as tmp:
        slack.trigger_ttl = None
        if args.hot_only:
            results["P4 one member"] = hot_only(slack, leonar, Path(tmp), args)
        elif not (args.p5_only or args.quick):
            results |= p1_to_p4(slack, leonar, Path(tmp), args)
        if not args.hot_only:
            leonar.latency = args.latency
            results["P5"] = p5_bench.run(slack, leonar, Path(tmp), rounds=1 if args.quick else args.p5_rounds)
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                          "leonar latency ms": ms(args.latency)}
    if "P4 200 concurrent interactions" in results:
        report(results)
    if "P4 one member" in results:
        hot_bench.report(results["P4 one member"])
    if "P5" in results:
        p5_bench.report(results["P5"])
    save(results, args.out)


def save(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nJSON: {out}")


def p1_to_p4(slack: FakeSlack, leonar: FakeLeonar, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    slack.add_user("U0001", admin=True)
    seed_demo(leonar, KEY)
    (tmp / "bot").mkdir()
    (tmp / "bare").mkdir()
    bot, bot_url = start("bot", slack, leonar, tmp / "bot")
    bare, bare_url = start("bench.bare_app", slack, leonar, tmp / "bare")
    try:
        ours = SlackDriver(bot_url, SECRET, slack)
        connect(ours, KEY)
        leonar.latency = args.latency
        results: dict[str, Any] = {
            "P1 slash command -> views.open": p1(slack, ours, SlackDriver(bare_url, SECRET, slack, user_id="UB"),
                                                 args.samples),
            "P2 options load": p2(ours, leonar, args.samples),
            "P3 Leonar requests per add (warm)": p3(ours, leonar),
        }
        # Before the fifty workspaces: their views.open calls, still arriving after P4's bursts, would be taken
        # for the one this variant's modal waits for.
        results["P4 one member"] = hot_bench.run(slack, leonar, ours, bot.pid, tmp, rounds=args.hot_rounds)
        leonar.requests.clear()
        # Fifty workspaces are fifty installations: a second bot process in multi-workspace (OAuth) mode.
        (tmp / "multi").mkdir()
        multi, multi_url = start("bot", slack, leonar, tmp / "multi", oauth=True)
        drivers = p4_workspaces(multi_url, slack, leonar, 50)
        # First burst: nothing cached yet (every project menu and search goes to Leonar). Second: the
        # steady state, where each workspace's project list is cached and searches are new text.
        results["P4 cold start"] = p4(multi_url, slack, drivers, multi.pid, 200, "c")
        results["P4 200 concurrent interactions"] = p4(multi_url, slack, drivers, multi.pid, 200, "w")
    finally:
        processes = [bot, bare, *([multi] if "multi" in locals() else [])]
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(40)  # graceful: open connections close, acknowledged work finishes
    return results


def hot_only(slack: FakeSlack, leonar: FakeLeonar, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """P4 one member without the rest: the single-workspace bot, connected, then the bursts."""
    slack.add_user("U0001", admin=True)
    seed_demo(leonar, KEY)
    (tmp / "bot").mkdir()
    bot, bot_url = start("bot", slack, leonar, tmp / "bot")
    try:
        ours = SlackDriver(bot_url, SECRET, slack)
        connect(ours, KEY)
        return hot_bench.run(slack, leonar, ours, bot.pid, tmp, rounds=args.hot_rounds)
    finally:
        bot.terminate()
        bot.wait(40)


def report(results: dict[str, Any]) -> None:
    r1, r2 = results["P1 slash command -> views.open"], results["P2 options load"]
    r3, r4 = results["P3 Leonar requests per add (warm)"], results["P4 200 concurrent interactions"]
    r5 = results["P4 cold start"]
    latency = results["machine"]["leonar latency ms"]
    rows = [
        ("P1 bot p50 / p99 ms", f"{r1['bot p50 ms']} / {r1['bot p99 ms']}", ""),
        ("P1 bare Bolt p50 / p99 ms", f"{r1['bare p50 ms']} / {r1['bare p99 ms']}", ""),
        ("P1 ratio p50 / p99", f"{r1['ratio p50']} / {r1['ratio p99']}", "≤ 1.3"),
        ("P2 warm p50 / p99 ms", f"{r2['warm p50 ms']} / {r2['warm p99 ms']}", "p99 ≤ 50"),
        ("P2 cold p50 / p99 ms", f"{r2['cold p50 ms']} / {r2['cold p99 ms']}", f"≤ {latency + 50:.0f}"),
        ("P2 Leonar hanging, max ms", f"{r2['hanging max ms']}", "< 2500"),
        ("P3 Leonar requests per add", f"{r3['requests']}", "≤ 3"),
        ("P4 acked within 3 s", f"{r4['acked within 3 s']} / {r4['interactions']}", "all"),
        ("P4 p50 / p99 / max ms", f"{r4['p50 ms']} / {r4['p99 ms']} / {r4['max ms']}", "p99 < 300"),
        ("P4 bot peak RSS MB", f"{r4['peak RSS MB']}", "< 150"),
        ("P4 cold start: acked / p99 ms", f"{r5['acked within 3 s']} / {r5['p99 ms']}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'measured':>24}  target")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:>24}  {target}")


if __name__ == "__main__":
    main()
