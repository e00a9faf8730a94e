"""Try the bot as a new user would: `python -m tests.support.tryout`.

Starts the fake Slack and the fake Leonar (seeded with 250 projects and 40 contacts), runs the real
`python -m bot` process against them on loopback, drives a full connect + add round trip with signed Slack
requests, and prints each step and the card the bot posted. `--keep` leaves everything running afterwards so you
can send your own requests (the URLs and the signing secret are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bot.limits import Limits
from tests.support.driver import SlackDriver, tls
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "tryout-signing-secret"
BOT_TOKEN = "xoxb-tryout-token"
DEMO_KEY = "leo_demo_key_0123456789"
T = TypeVar("T")


@dataclass
class Outcome:
    card: dict[str, Any]
    entries: int
    log: str


def until(condition: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """`condition()` once it is truthy (the bot is another process: looked at every 50 ms), else an error saying
    `what` never came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise RuntimeError(f"{what}: nothing after {timeout:.0f} s")


def limits_env(limits: Limits) -> dict[str, str]:
    """The environment that gives a `python -m bot` process these limits (those that differ from the defaults)."""
    defaults = Limits()
    return {f"LIMITS__{name.upper()}": repr(value) for name, value in limits.model_dump().items()
            if value != getattr(defaults, name)}


def start_bot(slack: FakeSlack, leonar: FakeLeonar, workdir: Path, **env: str) -> tuple[subprocess.Popen[str], str]:
    [started] = start_bots(slack, leonar, [workdir], **env)
    return started


def start_bots(slack: FakeSlack, leonar: FakeLeonar, workdirs: list[Path], **env: str
               ) -> list[tuple[subprocess.Popen[str], str]]:
    """`python -m bot` in each of `workdirs`, started together (each takes a second or two to import)."""
    launched = [_launch(slack, leonar, workdir, **env) for workdir in workdirs]
    try:
        for process, url in launched:
            _wait_healthy(process, url)
    except BaseException:
        for process, _ in launched:
            process.kill()
            process.communicate()
        raise
    return launched


def _launch(slack: FakeSlack, leonar: FakeLeonar, workdir: Path, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper() and not k.startswith("SLACK_")}
    environment.update({"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": slack.api_url, "LEONAR_API_URL": leonar.url, "PORT": str(port),
                        "DATABASE_URL": f"sqlite:///{workdir / 'leonar-bot.db'}"} | env)
    process = subprocess.Popen([sys.executable, "-m", "bot"], env=environment, cwd=workdir, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + 20
    with httpx.Client(base_url=url, timeout=1, verify=tls(), trust_env=False) as probe:
        while time.monotonic() < deadline:  # a process says it is up by answering: polled
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited:\n{process.communicate()[0]}")
            try:
                if probe.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
    raise RuntimeError("the bot did not answer /healthz within 20 s")


def finish(process: subprocess.Popen[str], *drivers: SlackDriver) -> str:
    """The drivers closed and the bot stopped as on SIGTERM; returns the bot's log."""
    for driver in drivers:
        driver.close()
    process.terminate()
    return process.communicate(timeout=15)[0]


def round_trip(driver: SlackDriver, slack: FakeSlack, say: Any = print) -> dict[str, Any]:
    """Connect with the demo key, then add a candidate to the last project; returns the posted card."""
    driver.command()
    view = driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
    say(f"1. /leonar-add opened “{view['title']['text']}” (no key stored yet)")
    driver.type_text("api_key_input", DEMO_KEY)
    driver.submit()
    view = driver.wait_view(lambda v: v["callback_id"] == "leonar_add")
    say(f"2. key accepted; the modal became “{view['title']['text']}”")
    options = driver.suggest_options("project_select", "zeta")
    say(f"3. typed “zeta” in Project: {[o['text']['text'] for o in options]}")
    driver.select("project_select", options[0])
    view = driver.wait_view(lambda v: any(b.get("block_id", "").startswith("stage_") and
                                          b["element"]["type"] == "static_select" for b in v["blocks"]))
    stage = next(b for b in view["blocks"] if b.get("block_id", "").startswith("stage_"))
    say(f"4. stages shown: {[o['text']['text'] for o in stage['element']['options']]}, "
        f"preselected “{stage['element']['initial_option']['text']['text']}”")
    candidates = driver.suggest_options("contact_select", "martin")
    say(f"5. typed “martin” in Candidate: {[o['text']['text'] for o in candidates][:5]}")
    driver.select("contact_select", candidates[0])
    response = driver.submit()
    say(f"6. submitted: HTTP {response.status_code} {response.text or '(empty: the modal closes)'}")
    [card] = slack.wait_for("chat.postMessage")
    return card.body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the fakes and the bot running afterwards")
    args = parser.parse_args()
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar, tempfile.TemporaryDirectory() as tmp:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        process, url = start_bot(slack, leonar, Path(tmp))
        print(f"bot {url}  fake Slack {slack.api_url}  fake Leonar {leonar.url}  (signing secret {SIGNING_SECRET})")
        driver = SlackDriver(url, SIGNING_SECRET, slack)
        try:
            card = round_trip(driver, slack)
            print("7. card posted in", card["channel"], "— fallback text:", card["text"])
            print(json.dumps(card["blocks"], indent=1, ensure_ascii=False))
            print(f"Leonar entries: {len(leonar.entries())}; Block Kit problems: {slack.problems or 'none'}")
            if args.keep:
                print("running; Ctrl-C to stop")
                process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            print("--- bot log ---\n" + finish(process, driver))


if __name__ == "__main__":
    main()
