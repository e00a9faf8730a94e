"""P5: P4's burst with the bot on PostgreSQL reached through a latency proxy (0 and 2 ms each way), next to SQLite.

Three multi-workspace bot processes run side by side, each with its own fifty OAuth installations: SQLite,
PostgreSQL through the proxy at 0 ms (the proxy's own cost) and at 2 ms each way. The 200-interaction burst is
sent to each in turn, round after round (interleaved, so that drift on the machine hits all three alike); then
PostgreSQL at 2 ms gets 500 and 1,000 interactions at once. PostgreSQL is a throwaway server started here
(tests/support/postgres_server.py), or TEST_DATABASE_URL's; without either, P5 is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
from cryptography.fernet import Fernet
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.harness import p4, p4_workspaces, peak_rss_mb, start
from bench.latency_proxy import latency_proxy
from tests.support import postgres_server
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

SQLITE, PG0, PG2 = "SQLite", "PostgreSQL, proxy 0 ms", "PostgreSQL, proxy 2 ms"
DELAYS_MS = {PG0: 0.0, PG2: 2.0}
PREFIXES = {SQLITE: "S", PG0: "P", PG2: "Q"}  # each process its own workspaces in the shared fakes
SCALE = (500, 1000)
METRICS_TOKEN = "bench-metrics-token"  # the bot's /metrics says which database calls the bursts made, and their time
TARGET_RATIO = 1.5


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    """A PostgreSQL server's DSN: TEST_DATABASE_URL's, else a throwaway one; None when neither can be had."""
    if dsn := os.environ.get("TEST_DATABASE_URL"):
        yield dsn
        return
    base = Path(tempfile.mkdtemp(prefix="leonar-bench-pg-"))  # under /tmp: the postgres user must reach it
    try:
        dsn, stop = postgres_server.start(base)
    except postgres_server.NoPostgres as exc:
        print(f"P5 skipped: {exc}")
        shutil.rmtree(base, ignore_errors=True)
        yield None
        return
    try:
        yield dsn
    finally:
        stop()
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def databases(server: str, count: int) -> Iterator[list[str]]:
    """`count` fresh databases on `server` (names, dropped afterwards)."""
    names = [f"leonar_bench_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with psycopg.connect(server, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE DATABASE {name}")
    try:
        yield names
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def round_trip_ms(dsn: str, samples: int = 50) -> float:
    """Median `SELECT 1` round trip: what the proxy really adds (timers on this machine round up to ~1 ms)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT 1")
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def run(slack: FakeSlack, leonar: FakeLeonar, tmp: Path, *, rounds: int) -> dict[str, Any]:
    with postgres() as server:
        if server is None:
            return {"skipped": "PostgreSQL not installed (apt-get install postgresql) and no TEST_DATABASE_URL"}
        target = conninfo_to_dict(server)
        host, port = str(target.get("host", "127.0.0.1")), int(str(target.get("port", 5432)))
        with databases(server, 2) as names, latency_proxy(host, port, DELAYS_MS[PG0]) as port0, \
                latency_proxy(host, port, DELAYS_MS[PG2]) as port2:
            urls = {PG0: make_conninfo(server, host="127.0.0.1", port=port0, dbname=names[0]),
                    PG2: make_conninfo(server, host="127.0.0.1", port=port2, dbname=names[1])}
            result: dict[str, Any] = {"SELECT 1 round trip ms": {
                "direct": round_trip_ms(make_conninfo(server, dbname=names[0])),
                PG0: round_trip_ms(urls[PG0]), PG2: round_trip_ms(urls[PG2])}}
            return result | measure(slack, leonar, tmp, urls, rounds)


def measure(slack: FakeSlack, leonar: FakeLeonar, tmp: Path, urls: dict[str, str], rounds: int) -> dict[str, Any]:
    key = Fernet.generate_key().decode()
    metrics = {"METRICS_TOKEN": METRICS_TOKEN}
    envs = {SQLITE: metrics, PG0: metrics | {"DATABASE_URL": _url(urls[PG0]), "ENCRYPTION_KEY": key},
            PG2: metrics | {"DATABASE_URL": _url(urls[PG2]), "ENCRYPTION_KEY": key}}
    processes: dict[str, subprocess.Popen[str]] = {}
    try:
        bots = {}
        for name, env in envs.items():
            (tmp / f"p5-{PREFIXES[name]}").mkdir()
            processes[name], url = start("bot", slack, leonar, tmp / f"p5-{PREFIXES[name]}", oauth=True,
                                         env_extra=env)
            bots[name] = url
        latency, leonar.latency = leonar.latency, 0.0  # installing 150 workspaces need not wait for Leonar
        drivers = {name: p4_workspaces(url, slack, leonar, 50, PREFIXES[name]) for name, url in bots.items()}
        leonar.latency = latency
        result: dict[str, Any] = {"cold start": {}, "rounds": []}
        for name in bots:  # nothing cached yet: fills each workspace's project list, as P4's first burst does
            result["cold start"][name] = _burst(bots[name], slack, drivers[name], processes[name], 200, "c")
        before = {name: store_calls(url) for name, url in bots.items()}
        for n in range(rounds):
            order = list(bots)[n % 3:] + list(bots)[:n % 3]
            result["rounds"].append({name: _burst(bots[name], slack, drivers[name], processes[name], 200, f"r{n}")
                                     for name in order})
        result["store per interaction"] = {name: _per_interaction(before[name], store_calls(url), 200 * rounds)
                                           for name, url in bots.items()}
        result["peak RSS MB after 200s"] = {name: peak_rss_mb(p.pid) for name, p in processes.items()}
        result["scale"] = {str(total): _burst(bots[PG2], slack, drivers[PG2], processes[PG2], total, f"s{total}")
                           for total in SCALE}
        result["peak RSS MB"] = {name: peak_rss_mb(p.pid) for name, p in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(40)
    return summarise(result)


def store_calls(url: str) -> dict[str, tuple[float, float]]:
    """(calls, seconds) by store operation since the bot started, from its /metrics."""
    text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5).text
    found: dict[str, list[float]] = {}
    for line in text.splitlines():
        for suffix, index in (("_count{", 0), ("_sum{", 1)):
            if line.startswith(f"leonar_bot_store_seconds{suffix}"):
                operation = line.split('operation="', 1)[1].split('"', 1)[0]
                found.setdefault(operation, [0.0, 0.0])[index] = float(line.rsplit(" ", 1)[1])
    return {operation: (calls, seconds) for operation, (calls, seconds) in found.items()}


def _per_interaction(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]],
                     interactions: int) -> dict[str, Any]:
    calls = {op: round((c - before.get(op, (0.0, 0.0))[0]) / interactions, 2) for op, (c, _) in after.items()}
    seconds = sum(s - before.get(op, (0.0, 0.0))[1] for op, (_, s) in after.items())
    return {"calls": {op: n for op, n in sorted(calls.items()) if n},
            "store ms": round(seconds * 1000 / interactions, 2)}


def _url(conninfo: str) -> str:
    """A postgresql:// URL (what DATABASE_URL takes) from a key=value conninfo."""
    parts = conninfo_to_dict(conninfo)
    user = parts.get("user", "postgres")
    return f"postgresql://{user}@{parts['host']}:{parts['port']}/{parts['dbname']}"


def _burst(url: str, slack: FakeSlack, drivers: list[Any], process: subprocess.Popen[str], total: int,
           tag: str) -> dict[str, Any]:
    return p4(url, slack, drivers, process.pid, total, tag)


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Each variant's median over the rounds, and the ratio p99 PostgreSQL at 2 ms / p99 SQLite per round."""
    rounds = result["rounds"]
    result["median of rounds"] = {
        name: {measure: round(statistics.median(r[name][measure] for r in rounds), 2)
               for measure in ("p50 ms", "p99 ms", "bot CPU ms per interaction")}
        for name in (SQLITE, PG0, PG2)}
    result["acked within 3 s"] = {name: f"{sum(r[name]['acked within 3 s'] for r in rounds)} / {200 * len(rounds)}"
                                  for name in (SQLITE, PG0, PG2)}
    ratios = [round(r[PG2]["p99 ms"] / r[SQLITE]["p99 ms"], 2) for r in rounds]
    medians = result["median of rounds"]
    result["p99 ratio PostgreSQL 2 ms / SQLite"] = {
        "of medians": round(medians[PG2]["p99 ms"] / medians[SQLITE]["p99 ms"], 2), "per round": ratios,
        "target": TARGET_RATIO}
    return result


def report(result: dict[str, Any]) -> None:
    if "skipped" in result:
        print(f"\nP5 skipped: {result['skipped']}")
        return
    print(f"\nP5: {len(result['rounds'])} interleaved rounds of 200; SELECT 1 round trip (ms) "
          + ", ".join(f"{k}: {v}" for k, v in result["SELECT 1 round trip ms"].items()))
    width = max(len(n) for n in (SQLITE, PG0, PG2))
    print(f"{'variant'.ljust(width)}  p50 / p99 ms (median of rounds)  acked ≤ 3 s  CPU ms/interaction  peak RSS MB")
    for name in (SQLITE, PG0, PG2):
        m = result["median of rounds"][name]
        print(f"{name.ljust(width)}  {m['p50 ms']:>13} / {m['p99 ms']:<16}  {result['acked within 3 s'][name]:>11}"
              f"  {m['bot CPU ms per interaction']:>18}  {result['peak RSS MB after 200s'][name]}")
    ratio = result["p99 ratio PostgreSQL 2 ms / SQLite"]
    verdict = "✓" if ratio["of medians"] <= TARGET_RATIO else "✗"
    print(f"p99 PostgreSQL 2 ms / SQLite: {ratio['of medians']} (rounds {ratio['per round']}), target ≤ "
          f"{TARGET_RATIO} {verdict}")
    print("cold start (the first burst, nothing cached, one each, not interleaved): p99 ms "
          + ", ".join(f"{name} {r['p99 ms']}" for name, r in result["cold start"].items()))
    print(f"{PG2} at scale:")
    for total, r in [("200", result["rounds"][-1][PG2]), *result["scale"].items()]:
        print(f"  {total:>5} at once: acked within 3 s {r['acked within 3 s']} / {r['interactions']}, p50 / p99 / max "
              f"{r['p50 ms']} / {r['p99 ms']} / {r['max ms']} ms, CPU {r['bot CPU ms per interaction']} ms each")
    print(f"peak RSS MB after the scale bursts: {result['peak RSS MB']}")
    for name, store in result["store per interaction"].items():
        print(f"store per interaction, {name}: {store['store ms']} ms in {store['calls']}")
