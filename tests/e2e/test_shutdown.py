"""SIGTERM to the real `python -m bot` in the middle of a burst of add submits, Leonar slow enough that adds are
still in flight after their acks: no acknowledged add is lost, nothing is acked after SIGTERM, and the process
exits within its shutdown bound.

The process runs with shrunk limits (LIMITS__*: the submit window, the drain), in production's proportions, so
that the tests wait seconds rather than the production drain's 15."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.limits import Limits
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import pick_project
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, limits_env, round_trip, start_bot

SUBMITS = 30
SPACING = 0.1  # seconds between two submits: the burst lasts 3 s
TERM_AFTER = 12  # submits sent before SIGTERM; the rest arrive while the bot shuts down
# Production: a 2.3 s submit window, Leonar answering in 3 s, a 15 s drain. Here a fifth of the window and of the
# drain, and Leonar past the window: adds still go on after their acks, and finish within the drain.
LIMITS = Limits(submit_seconds=0.5, requests_grace_seconds=2.0, drain_seconds=5.0, tell_seconds=1.0)
LATENCY = 0.8  # seconds per Leonar request: past the submit window


def _prepare(slack: FakeSlack, url: str, user: str, contact: dict[str, Any]) -> SlackDriver:
    driver = SlackDriver(url, SIGNING_SECRET, slack, user_id=user)
    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    name = f"{contact['first_name']} {contact['last_name']}"
    option = next(o for o in driver.suggest_options("contact_select", name) if o["value"] == contact["id"])
    driver.select("contact_select", option)
    return driver


def _submit(driver: SlackDriver) -> str:
    """How the bot answered: 'acked', or why nothing was acked (refused with 503, connection refused/closed)."""
    try:
        response = driver.submit()
    except httpx.TransportError as exc:
        return f"not acked: {type(exc).__name__}"
    if response.status_code == 503:
        return "not acked: 503"
    assert response.status_code == 200, (response.status_code, response.text)
    return "acked"


def _not_yet_added(leonar: FakeLeonar, count: int) -> list[dict[str, Any]]:
    added = {e["contact"]["id"] for e in leonar.entries()}
    return [c for c in leonar.contacts() if c["id"] not in added][:count]


def _exit_log(process: subprocess.Popen[str], limits: Limits) -> str:
    """The process's output once it exited by itself, within its shutdown bound (with room for the test)."""
    try:
        return process.communicate(timeout=limits.shutdown_seconds + 10)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"still running {limits.shutdown_seconds + 10} s after SIGTERM:\n{process.communicate()[0]}")


def _stop(process: subprocess.Popen[str], drivers: list[SlackDriver]) -> None:
    for driver in drivers:
        driver.close()
    if process.poll() is None:
        process.kill()
        process.communicate()


def _card_for(slack: FakeSlack, name: str) -> bool:
    return any(name in str(call.body) for call in slack.calls_to("chat.postMessage"))


@pytest.mark.slow
def test_sigterm_mid_burst_loses_no_acknowledged_add(tmp_path: Path) -> None:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        process, url = start_bot(slack, leonar, tmp_path, **limits_env(LIMITS))
        drivers: list[SlackDriver] = []
        try:
            admin = SlackDriver(url, SIGNING_SECRET, slack)
            drivers.append(admin)
            round_trip(admin, slack, say=lambda *_: None)  # connects the workspace (and adds one candidate)
            first_card = len(slack.calls_to("chat.postMessage"))
            contacts = _not_yet_added(leonar, SUBMITS)
            users = [f"U{1000 + i}" for i in range(SUBMITS)]
            drivers += [_prepare(slack, url, u, c) for u, c in zip(users, contacts, strict=True)]
            leonar.latency = LATENCY

            start = time.monotonic()
            termed = threading.Event()
            term_at: list[float] = []

            def send(i: int) -> str:
                time.sleep(max(0.0, start + i * SPACING - time.monotonic()))
                if i == TERM_AFTER:
                    process.send_signal(signal.SIGTERM)
                    term_at.append(time.monotonic())
                    termed.set()
                return _submit(drivers[1 + i])

            with ThreadPoolExecutor(SUBMITS) as pool:
                outcomes = list(pool.map(send, range(SUBMITS)))
            assert termed.is_set()
            log = _exit_log(process, LIMITS)
            exited_after = time.monotonic() - term_at[0]
        finally:
            _stop(process, drivers)

        acked = [i for i, outcome in enumerate(outcomes) if outcome == "acked"]
        assert acked and len(acked) >= TERM_AFTER, (outcomes, log)
        # After SIGTERM the bot acks nothing new: what arrives later is refused, never acked and dropped.
        assert all(outcome != "acked" for outcome in outcomes[TERM_AFTER + 3:]), (outcomes, log)
        entries = {e["contact"]["id"] for e in leonar.entries()}
        for i in acked:
            contact = contacts[i]
            assert contact["id"] in entries, (i, outcomes, log)
            assert _card_for(slack, f"{contact['first_name']} {contact['last_name']}"), (i, outcomes, log)
        assert len(slack.calls_to("chat.postMessage")) - first_card == len(acked)
        assert exited_after < LIMITS.shutdown_seconds, (exited_after, log)
        assert "Traceback" not in log and "CancelledError" not in log, log


@pytest.mark.slow
def test_an_add_outlasting_the_drain_tells_its_user(tmp_path: Path) -> None:
    """Leonar never answers: each add would take ~27 s (lookup, POST timing out at 15 s, lookup again, the form
    again), longer than the drain. At the bound the user's "pending" modal must say the add was interrupted."""
    limits = Limits(submit_seconds=0.5, drain_seconds=2.0)  # the add's own timeouts as in production
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        process, url = start_bot(slack, leonar, tmp_path, **limits_env(limits))
        drivers: list[SlackDriver] = []
        try:
            admin = SlackDriver(url, SIGNING_SECRET, slack)
            drivers.append(admin)
            round_trip(admin, slack, say=lambda *_: None)
            contacts = _not_yet_added(leonar, 3)
            users = [f"U{2000 + i}" for i in range(len(contacts))]
            drivers += [_prepare(slack, url, u, c) for u, c in zip(users, contacts, strict=True)]
            leonar.latency = 60.0
            with ThreadPoolExecutor(len(users)) as pool:
                outcomes = list(pool.map(_submit, drivers[1:]))
            assert outcomes == ["acked"] * len(users)
            assert all((slack.current_view(u) or {}).get("callback_id") == "leonar_add_pending" for u in users)
            process.send_signal(signal.SIGTERM)
            termed = time.monotonic()
            log = _exit_log(process, limits)
            exited_after = time.monotonic() - termed
        finally:
            _stop(process, drivers)
        for user, contact in zip(users, contacts, strict=True):
            view = slack.current_view(user)
            assert view is not None and view["callback_id"] == "leonar_add", (user, view, log)
            error = next(b for b in view["blocks"] if b.get("block_id") == "error")
            assert "restarted" in error["text"]["text"] and contact["first_name"] in error["text"]["text"], view
        assert limits.drain_seconds <= exited_after < limits.shutdown_seconds, (exited_after, log)
        assert "Traceback" not in log, log
