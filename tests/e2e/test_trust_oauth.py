"""Hostile traffic at the OAuth side: /slack/install floods leave nothing behind, and an expired bot token is
refreshed once however many requests (and bot instances) find it expired together."""

from __future__ import annotations

import json
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet

from bot.config import Settings
from bot.limits import Limits
from bot.store import Workspace, sqlite_path
from tests.support.blocking import open_blocking
from tests.support.bot import RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.installs import CLIENT_ID, driver_for, install

VISITS = 5_000


def oauth_settings(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(slack, leonar, tmp_path / "bot.db", slack_bot_token=None, slack_client_id=CLIENT_ID,
                         slack_client_secret="oauth-client-secret", **overrides)


@pytest.fixture(params=["sqlite", "postgres"])
def oauth_bot(request: pytest.FixtureRequest, slack: FakeSlack, leonar: FakeLeonar,
              tmp_path: Path) -> Iterator[RunningBot]:
    overrides = {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgres" else {}
    running = serve(oauth_settings(slack, leonar, tmp_path, **overrides), listen=True)  # browsers visit it
    yield running
    running.stop()


def state_rows(bot: RunningBot) -> int:
    url = bot.settings.database_url
    if url.startswith("postgresql://"):
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM slack_oauth_states").fetchone()
    else:
        with sqlite3.connect(sqlite_path(url)) as conn:
            row = conn.execute("SELECT count(*) FROM slack_oauth_states").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.slow
def test_a_flood_of_install_visits_leaves_no_rows_and_a_real_install_still_works(
    oauth_bot: RunningBot, slack: FakeSlack
) -> None:
    timings: list[float] = []
    visitor = oauth_bot.http  # in-process: what a visit costs the app, not the loopback
    for _ in range(VISITS):  # unauthenticated: no cookie, no signature, nothing but a GET
        started = time.perf_counter()
        assert visitor.get("/slack/install").status_code == 200
        timings.append(time.perf_counter() - started)
    first, last = statistics.median(timings[:500]), statistics.median(timings[-500:])
    rows = state_rows(oauth_bot)
    print(f"\n{VISITS} visits: {rows} state rows; median visit first 500 {first * 1000:.2f} ms, "
          f"last 500 {last * 1000:.2f} ms")
    assert rows == 0  # the state is signed, not stored: a visit writes nothing
    assert last < first * 2 + 0.002
    install(oauth_bot, slack, "TA")  # issued before the flood or after it, a state works once and only once
    assert state_rows(oauth_bot) == 1  # the one used state, kept until it expires so it cannot be replayed


def expire_token(bot: RunningBot, team: str) -> str:
    """Age the stored installation as if 12 h had passed; returns the expired bot token."""
    settings = bot.settings
    store = open_blocking(settings.database_url, settings.encryption_key.get_secret_value()
                       if settings.encryption_key else None)
    saved = json.loads(store.installations.find_bot(Workspace(None, team)) or "{}")
    saved["bot_token_expires_at"] = "2020-01-01T00:00:00+00:00"
    store.installations.save_bot(Workspace(None, team), json.dumps(saved))
    store.close()
    return str(saved["bot_token"])


def help_at_once(bots: list[RunningBot], slack: FakeSlack, team: str, per_bot: int) -> list[httpx.Response]:
    """`per_bot` people of `team` run /leonar-add help on each bot at the same moment."""
    drivers = [driver_for(bot, slack, team) for bot in bots for _ in range(per_bot)]
    answers: list[httpx.Response] = []
    start = threading.Barrier(len(drivers))

    def run(driver: SlackDriver) -> None:
        start.wait(timeout=10)
        answers.append(driver.command("help"))

    threads = [threading.Thread(target=run, args=(d,)) for d in drivers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for driver in drivers:
        driver.close()
    return answers


def helped(answers: list[httpx.Response]) -> int:
    return sum(1 for a in answers if a.status_code == 200 and "/leonar-add" in a.text)


def refreshes(slack: FakeSlack) -> list[dict[str, object]]:
    return [c.response for c in slack.calls_to("oauth.v2.access") if c.body.get("grant_type") == "refresh_token"]


def assert_all_answered(answers: list[httpx.Response], count: int) -> None:
    assert len(answers) == count
    for answer in answers:
        assert answer.status_code == 200
        assert "/leonar-add" in answer.json()["text"], answer.text  # the help, not Bolt's "please reinstall"


@pytest.mark.parametrize("oauth_bot", ["sqlite"], indirect=True)
def test_ten_requests_with_an_expired_token_make_one_refresh(oauth_bot: RunningBot, slack: FakeSlack) -> None:
    install(oauth_bot, slack, "TA")
    expired = expire_token(oauth_bot, "TA")
    slack.latency = 0.05  # Slack answers in tens of milliseconds: the requests overlap while one refreshes
    mark = len(slack.calls)
    answers = help_at_once([oauth_bot], slack, "TA", 10)
    print(f"\n10 requests with an expired token: {len(refreshes(slack))} refresh(es), "
          f"{sum(1 for r in refreshes(slack) if not r.get('ok'))} refused, {helped(answers)} answered")
    assert [r["ok"] for r in refreshes(slack)] == [True]
    assert_all_answered(answers, 10)
    used = {c.token for c in slack.calls[mark:] if c.method != "oauth.v2.access"}  # auth.test, maybe users.info
    assert used == {refreshes(slack)[0]["access_token"]} and expired not in used  # the one refreshed token


def test_two_instances_on_one_postgresql_refresh_once(
    slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, postgres_url: str
) -> None:
    shared: dict[str, object] = {"database_url": postgres_url, "encryption_key": Fernet.generate_key().decode()}
    one = serve(oauth_settings(slack, leonar, tmp_path, **shared), listen=True)
    two = serve(oauth_settings(slack, leonar, tmp_path, **shared), listen=True)
    try:
        install(one, slack, "TP")
        expire_token(one, "TP")
        slack.latency = 0.05
        answers = help_at_once([one, two], slack, "TP", 5)
        print(f"\n2 instances × 5 requests with an expired token: {len(refreshes(slack))} refresh(es), "
              f"{helped(answers)} answered")
        assert [r["ok"] for r in refreshes(slack)] == [True]
        assert_all_answered(answers, 10)
    finally:
        one.stop()
        two.stop()


def test_a_stuck_refresh_elsewhere_delays_the_request_without_freezing_the_bot(
    slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, postgres_url: str
) -> None:
    key = Fernet.generate_key().decode()
    limits = Limits(refresh_lock_seconds=0.5)  # not 10 s: within Slack's 3 s, so the help still answers in time
    running = serve(oauth_settings(slack, leonar, tmp_path, database_url=postgres_url, encryption_key=key,
                                   limits=limits), listen=True)
    stuck = open_blocking(postgres_url, key)  # another instance, hung in the middle of its refresh
    try:
        install(running, slack, "TP")
        expire_token(running, "TP")
        assert stuck.db.try_lock("slack-token-refresh:-:TP")
        answers: list[httpx.Response] = []
        waiting = threading.Thread(target=lambda: answers.extend(help_at_once([running], slack, "TP", 1)))
        started = time.monotonic()
        waiting.start()
        time.sleep(limits.refresh_lock_seconds * 0.3)  # in the middle of the wait (which leaves no trace to await)
        with httpx.Client(base_url=running.url, trust_env=False) as probe:  # the event loop goes on serving
            assert probe.get("/healthz", timeout=0.5).status_code == 200
        assert not refreshes(slack) and waiting.is_alive()
        waiting.join(timeout=10)
        assert time.monotonic() - started >= limits.refresh_lock_seconds
        assert [r["ok"] for r in refreshes(slack)] == [True]  # then it refreshed without the stuck holder
        assert_all_answered(answers, 1)
    finally:
        stuck.close()
        running.stop()
