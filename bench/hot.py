"""P4 one member: the hot path against its floor, a bare Bolt app answering the same options, in the same run.

One member of the single-workspace bot (P1's process, SQLite) has the add form open; the project list and the
member's users.info answer are cached. 200 project-menu loads are sent at once, the queries cycling through the
keystrokes of typing "engineer" ("", "e", "en", … "engineer"), first to the bot, then to a bare Bolt app
(`bench/bare_app.py` with BARE_OPTIONS: the same AsyncApp + Starlette + uvicorn stack, acking each query with the
very options the bot answered, read from a file at start). The same signed bytes go to both; rounds alternate
which one goes first. Then 1,000 at once to each. CPU per interaction is each process's utime + stime over its
bursts (from /proc) divided by the loads.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.harness import burst, cpu_seconds, ms, percentile, start
from bot.views.add_modal import PROJECT_ACTION
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

WORD = "engineer"
QUERIES = [WORD[:n] for n in range(len(WORD) + 1)]
SCALE = 1000
TARGET_RATIO = 1.5
TARGET_SCALE_P99_MS = 1200


def run(slack: FakeSlack, leonar: FakeLeonar, driver: SlackDriver, bot_pid: int, tmp: Path, *,
        rounds: int) -> dict[str, Any]:
    """`driver`: a member of the bot's workspace, its Leonar key connected."""
    driver.open_modal(callback_id="leonar_add")
    answers = {query: driver.suggest_options(PROJECT_ACTION, query) for query in QUERIES}  # warms every cache
    (tmp / "bare-options").mkdir()
    options_file = tmp / "bare-options" / "options.json"
    options_file.write_text(json.dumps(answers))
    bare, bare_url = start("bench.bare_app", slack, leonar, tmp / "bare-options",
                           env_extra={"BARE_OPTIONS": str(options_file)})
    try:
        targets = {"bot": (driver.url, bot_pid), "bare": (f"{bare_url}/slack/events", bare.pid)}
        # The bare app answers exactly what the bot answered, so both send the same bytes back.
        check = {name: _answer(driver, url) for name, (url, _) in targets.items()}
        assert check["bot"] == check["bare"], "the bare app must answer the bot's options"
        for name, (url, _) in targets.items():  # each process's first burst opens 200 connections: not timed
            _burst(driver, url, targets[name][1], 200)
        result: dict[str, Any] = {"queries": QUERIES, "options per answer": {q: len(a) for q, a in answers.items()},
                                  "rounds": []}
        for n in range(rounds):
            order = ["bot", "bare"] if n % 2 == 0 else ["bare", "bot"]
            result["rounds"].append({name: _burst(driver, *targets[name], 200) for name in order})
        result["scale"] = {name: _burst(driver, *targets[name], SCALE) for name in ("bot", "bare")}
    finally:
        bare.terminate()
        bare.wait(40)
    return summarise(result)


def _answer(driver: SlackDriver, url: str) -> Any:
    body, headers = driver.signed_request(driver.suggestion(PROJECT_ACTION, WORD))
    response = driver.http.post(url, content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _burst(driver: SlackDriver, url: str, pid: int, total: int) -> dict[str, Any]:
    requests = [driver.signed_request(driver.suggestion(PROJECT_ACTION, QUERIES[i % len(QUERIES)]))
                for i in range(total)]
    before = cpu_seconds(pid)
    latencies = burst(url, requests)
    time.sleep(0.2)  # nothing runs after an options ack; a margin for the process's own bookkeeping
    cpu = cpu_seconds(pid) - before
    return {"interactions": total, "acked within 3 s": sum(t < 3 for t in latencies),
            "p50 ms": ms(statistics.median(latencies)), "p99 ms": ms(percentile(latencies, 99)),
            "max ms": ms(max(latencies)), "CPU ms per interaction": round(cpu * 1000 / total, 3)}


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    rounds = result["rounds"]
    result["median of rounds"] = {
        name: {measure: round(statistics.median(r[name][measure] for r in rounds), 3)
               for measure in ("p50 ms", "p99 ms", "CPU ms per interaction")}
        for name in ("bot", "bare")}
    medians = result["median of rounds"]
    result["p99 ratio bot / bare"] = {
        "of medians": round(medians["bot"]["p99 ms"] / medians["bare"]["p99 ms"], 2),
        "per round": [round(r["bot"]["p99 ms"] / r["bare"]["p99 ms"], 2) for r in rounds],
        "target": TARGET_RATIO}
    result["CPU ratio bot / bare"] = round(medians["bot"]["CPU ms per interaction"]
                                           / medians["bare"]["CPU ms per interaction"], 2)
    return result


def report(result: dict[str, Any]) -> None:
    ratio, medians = result["p99 ratio bot / bare"], result["median of rounds"]
    sizes = sorted(set(result["options per answer"].values()))
    print(f"\nP4 one member: {len(result['rounds'])} rounds of 200 project-menu loads at once (queries "
          f"{', '.join(repr(q) for q in result['queries'])}; {sizes[0]}-{sizes[-1]} options each), warm cache")
    print("process  p50 / p99 ms (median of rounds)  CPU ms per interaction")
    for name in ("bot", "bare"):
        m = medians[name]
        print(f"{name:<7}  {m['p50 ms']:>13} / {m['p99 ms']:<17}  {m['CPU ms per interaction']}")
    verdict = "✓" if ratio["of medians"] <= TARGET_RATIO else "✗"
    print(f"p99 bot / bare: {ratio['of medians']} (rounds {ratio['per round']}), target ≤ {TARGET_RATIO} {verdict}; "
          f"CPU bot / bare: {result['CPU ratio bot / bare']}")
    for name, r in result["scale"].items():
        verdict = "" if name == "bare" else (" ✓" if r["p99 ms"] <= TARGET_SCALE_P99_MS else " ✗") + \
            f" (target p99 ≤ {TARGET_SCALE_P99_MS})"
        print(f"{SCALE} at once, {name}: acked within 3 s {r['acked within 3 s']} / {r['interactions']}, p50 / p99 / "
              f"max {r['p50 ms']} / {r['p99 ms']} / {r['max ms']} ms, CPU {r['CPU ms per interaction']} ms each"
              f"{verdict}")
