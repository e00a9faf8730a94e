"""Two bot processes on one PostgreSQL database, each caching the workspace's connection in memory: a key
replaced or deleted through one is no longer used by the other within the bound (bot/store/pg_watch.py,
`Limits.fresh_seconds`)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.limits import Limits
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, start_bots

NEW_KEY = "leo_demo_key_replaced_9876"
POLL_SECONDS = 0.02


def connect(driver: SlackDriver, key: str) -> None:
    driver.open_modal("connect", callback_id="leonar_connect")
    driver.type_text("api_key_input", key)
    assert driver.submit().status_code == 200 and driver.last_errors is None


def key_used_by_a_search(driver: SlackDriver, leonar: FakeLeonar, text: str) -> str | None:
    """The key a candidate search never typed before reaches Leonar with (None: nothing reached Leonar)."""
    before = len(leonar.requests)
    assert driver.suggest("contact_select", text).status_code == 200
    sent = [r for r in leonar.requests[before:] if r.path == "/contacts/search"]
    return sent[-1].api_key if sent else None


def until(check: str | None, poll: object, started: float) -> float:
    """Seconds from `started` until `poll()` returns `check`, searching every 20 ms, for 5 s at most."""
    assert callable(poll)
    while poll() != check:
        assert time.monotonic() - started < 5, "the other instance never saw the change"
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


@pytest.mark.slow
def test_a_key_replaced_or_deleted_on_one_instance_is_dropped_by_the_other_within_the_bound(
    tmp_path: Path, postgres_url: str
) -> None:
    shared = {"DATABASE_URL": postgres_url, "ENCRYPTION_KEY": Fernet.generate_key().decode()}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    texts = (f"nobody{n}" for n in itertools.count())  # never typed before: every search reaches Leonar
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        leonar.add_key(NEW_KEY)  # the same Leonar workspace: the admin rotates the key
        slack.add_user("U0001", admin=True)
        (one, one_url), (two, two_url) = start_bots(slack, leonar, [tmp_path / "one", tmp_path / "two"], **shared)
        first, second = SlackDriver(one_url, SIGNING_SECRET, slack), SlackDriver(two_url, SIGNING_SECRET, slack)
        try:
            connect(first, DEMO_KEY)
            second.open_modal(callback_id="leonar_add")  # an add on instance two, with the key from one
            [project] = second.suggest_options("project_select", "zeta")
            second.select("project_select", project)
            assert key_used_by_a_search(second, leonar, next(texts)) == DEMO_KEY
            for _ in range(20):  # instance two now answers from its cache
                assert key_used_by_a_search(second, leonar, next(texts)) == DEMO_KEY

            started = time.monotonic()  # before the submit: the save happens inside it
            connect(first, NEW_KEY)
            replaced = until(NEW_KEY, lambda: key_used_by_a_search(second, leonar, next(texts)), started)

            first.command("disconnect")
            first.wait_view(lambda v: v["callback_id"] == "leonar_disconnect")
            started = time.monotonic()
            assert first.submit().status_code == 200
            deleted = until(None, lambda: key_used_by_a_search(second, leonar, next(texts)), started)
            for _ in range(10):  # and stays refused: no search reaches Leonar with any key
                assert key_used_by_a_search(second, leonar, next(texts)) is None
            print(f"\ninstance two used the replaced key {replaced * 1000:.0f} ms after the submit on one, "
                  f"refused {deleted * 1000:.0f} ms after the disconnect")
            assert replaced <= Limits().fresh_seconds and deleted <= Limits().fresh_seconds
        finally:
            first.close()
            second.close()
            for process in (one, two):
                process.terminate()
                process.communicate(timeout=30)
