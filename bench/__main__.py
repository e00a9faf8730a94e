"""Benchmark: `python -m bench` (see bench/README.md).

Starts the fake Slack and the fake Leonar (with injected latency) in this process, the real bot and a bare
Bolt app as separate processes on loopback, and measures P1-P4 from one run. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.installs import CLIENT_ID, install

ROOT = Path(__file__).resolve().parents[1]
SECRET, TOKEN, KEY = "bench-signing-secret", "xoxb-bench-token", "leo_bench_key_000000"
TARGETS = {"P1 ratio p50": 1.3, "P2 warm p99 ms": 50, "P2 hanging max ms": 2500, "P3 requests": 3,
           "P4 p99 ms": 300, "P4 peak RSS MB": 150}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def start(
    module: str, slack: FakeSlack, leonar: FakeLeonar, workdir: Path, *, oauth: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """`oauth`: installed by each workspace through Slack's OAuth flow (one bot token per workspace), as a
    deployment serving several workspaces is; otherwise one workspace's bot token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper() and not k.startswith("SLACK_")}
    env |= {"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "PORT": str(port),
            "SLACK_API_URL": slack.api_url, "LEONAR_API_URL": leonar.url, "LOG_LEVEL": "WARNING",
            "BIND_HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
    if oauth:
        del env["SLACK_BOT_TOKEN"]
        env |= {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "bench-client-secret"}
    process = subprocess.Popen([sys.executable, "-m", module], env=env, cwd=workdir, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{module} did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def connect(driver: SlackDriver, key: str) -> None:
    driver.command()
    driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
    driver.type_text("api_key_input", key)
    driver.submit()
    assert driver.last_errors is None, driver.last_errors
    driver.wait_view(lambda v: v["callback_id"] == "leonar_add")


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


def p4_workspaces(bot_url: str, slack: FakeSlack, leonar: FakeLeonar, workspaces: int) -> list[SlackDriver]:
    """`workspaces` Slack workspaces, each with its own installation (bot token) and its own Leonar key."""
    drivers = []
    for n in range(workspaces):
        team, user, key = f"TW{n:03d}", f"UW{n:03d}", f"leo_bench_ws_{n:03d}_key"
        leonar.add_key(key, workspace=f"ws{n}")
        leonar.add_project(f"Role {n}", workspace=f"ws{n}")
        leonar.add_contact("Sam", f"Person{n}", workspace=f"ws{n}")
        install(SimpleNamespace(url=bot_url), slack, team)  # type: ignore[arg-type]
        slack.users[user] = slack.make_user(user, admin=True) | {"team_id": team}
        driver = SlackDriver(bot_url, SECRET, slack, team_id=team, user_id=user, channel_id=f"CW{n:03d}")
        connect(driver, key)
        drivers.append(driver)
    return drivers


def p4(bot_url: str, slack: FakeSlack, drivers: list[SlackDriver], pid: int, total: int, tag: str) -> dict[str, Any]:
    """`total` interactions at once, spread over the workspaces: a quarter slash commands, half project menu
    loads, a quarter candidate searches with text never typed before (so they always reach Leonar)."""
    kinds = ["command", "projects", "contacts", "projects"]
    requests: list[tuple[bytes, dict[str, str]]] = []
    for i in range(total):  # built before the clock starts: the load generator must not be what is measured
        driver, kind = drivers[i % len(drivers)], kinds[i % len(kinds)]
        if kind == "command":
            form = {"command": "/leonar-add", "text": "", "team_id": driver.team_id, "user_id": driver.user_id,
                    "channel_id": driver.channel_id, "trigger_id": slack.issue_trigger(driver.user_id),
                    "response_url": slack.new_response_url(), "api_app_id": "A0001"}
            body = urlencode(form).encode()
            requests.append((body, driver.signed_headers(body)))
        else:
            action, query = ("project_select", "role") if kind == "projects" else ("contact_select", f"sam {tag}{i}")
            requests.append(driver.signed_request(driver.suggestion(action, query)))
    cpu_before = cpu_seconds(pid)
    latencies = burst(f"{bot_url}/slack/events", requests)
    time.sleep(0.5)  # let the work after the acks (views.open calls) finish before reading the CPU time
    cpu = cpu_seconds(pid) - cpu_before
    by_kind = {kind: [t for i, t in enumerate(latencies) if kinds[i % len(kinds)] == kind] for kind in set(kinds)}
    return {"interactions": total, "workspaces": len(drivers), "acked within 3 s": sum(t < 3 for t in latencies),
            "p50 ms": ms(statistics.median(latencies)), "p99 ms": ms(percentile(latencies, 99)),
            "max ms": ms(max(latencies)),
            "p99 ms by kind": {kind: ms(percentile(ts, 99)) for kind, ts in sorted(by_kind.items())},
            "peak RSS MB": peak_rss_mb(pid), "bot CPU ms per interaction": round(cpu * 1000 / total, 2)}


def burst(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    """All requests at once from a separate process (bench/burst.py), each timed from send to answer."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([(body.decode(), headers) for body, headers in requests], handle)
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()} | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "bench.burst", url, handle.name], env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    Path(handle.name).unlink()
    return [float(t) for t in json.loads(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.150, help="Leonar latency to inject, seconds")
    parser.add_argument("--samples", type=int, default=200, help="samples for P1 and P2")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    with FakeSlack(bot_token=TOKEN) as slack, FakeLeonar(rate_limit=1_000_000) as leonar, \
            tempfile.TemporaryDirectory() as tmp:
        slack.trigger_ttl = None
        slack.add_user("U0001", admin=True)
        seed_demo(leonar, KEY)
        (Path(tmp) / "bot").mkdir()
        (Path(tmp) / "bare").mkdir()
        bot, bot_url = start("bot", slack, leonar, Path(tmp) / "bot")
        bare, bare_url = start("bench.bare_app", slack, leonar, Path(tmp) / "bare")
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
            leonar.requests.clear()
            # Fifty workspaces are fifty installations: a second bot process in multi-workspace (OAuth) mode.
            (Path(tmp) / "multi").mkdir()
            multi, multi_url = start("bot", slack, leonar, Path(tmp) / "multi", oauth=True)
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
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                          "leonar latency ms": ms(args.latency)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    report(results)
    print(f"\nJSON: {args.out}")


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
