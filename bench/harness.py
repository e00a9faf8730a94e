"""What the benchmark's measures share: starting a bot process, the fifty OAuth workspaces, the burst (P4, P5)."""

from __future__ import annotations

import json
import os
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
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.installs import CLIENT_ID, install
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
SECRET, TOKEN, KEY = "bench-signing-secret", "xoxb-bench-token", "leo_bench_key_000000"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def start(
    module: str, slack: FakeSlack, leonar: FakeLeonar, workdir: Path, *, oauth: bool = False,
    env_extra: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[str], str]:
    """`oauth`: installed by each workspace through Slack's OAuth flow (one bot token per workspace), as a
    deployment serving several workspaces is; otherwise one workspace's bot token. `env_extra` overrides the
    environment (P5: DATABASE_URL and ENCRYPTION_KEY for PostgreSQL)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper() and not k.startswith("SLACK_")}
    env |= {"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "PORT": str(port),
            "SLACK_API_URL": slack.api_url, "LEONAR_API_URL": leonar.url, "LOG_LEVEL": "WARNING",
            "BIND_HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
    if oauth:
        del env["SLACK_BOT_TOKEN"]
        env |= {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "bench-client-secret"}
    env |= env_extra or {}
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


def p4_workspaces(bot_url: str, slack: FakeSlack, leonar: FakeLeonar, workspaces: int,
                  prefix: str = "W") -> list[SlackDriver]:
    """`workspaces` Slack workspaces, each with its own installation (bot token) and its own Leonar key; `prefix`
    tells apart the workspaces of bot processes sharing the fakes (P5)."""
    drivers = []
    for n in range(workspaces):
        team, user, key = f"T{prefix}{n:03d}", f"U{prefix}{n:03d}", f"leo_bench_{prefix.lower()}s_{n:03d}_key"
        leonar.add_key(key, workspace=f"{prefix}s{n}")
        leonar.add_project(f"Role {n}", workspace=f"{prefix}s{n}")
        leonar.add_contact("Sam", f"Person{n}", workspace=f"{prefix}s{n}")
        install(SimpleNamespace(url=bot_url), slack, team)  # type: ignore[arg-type]
        slack.users[user] = slack.make_user(user, admin=True) | {"team_id": team}
        driver = SlackDriver(bot_url, SECRET, slack, team_id=team, user_id=user, channel_id=f"C{prefix}{n:03d}")
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
