"""Two bots on one PostgreSQL database serve the same workspace: connect on one, add on the other. Run in the
test's process (two apps, each with its own store, cache and Leonar pool), and as two `python -m bot` processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.support.bot import make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, start_bots


def connect_on_one_add_on_the_other(slack: FakeSlack, leonar: FakeLeonar, first: SlackDriver,
                                    second: SlackDriver) -> None:
    first.open_modal(callback_id="leonar_connect")
    first.type_text("api_key_input", DEMO_KEY)
    first.submit()
    assert first.last_errors is None

    second.open_modal(callback_id="leonar_add")  # instance two already knows the workspace's key
    [project] = second.suggest_options("project_select", "zeta")
    second.select("project_select", project)
    second.wait_view(lambda v: any(b.get("element", {}).get("action_id") == "stage_select" for b in v["blocks"]))
    second.select("contact_select", second.suggest_options("contact_select", "martin")[0])
    assert second.submit().status_code == 200 and second.last_errors is None
    [card] = slack.wait_for("chat.postMessage")
    assert "Zeta Platform Lead" in card.body["text"]
    assert len(leonar.entries()) == 1


def test_connect_on_one_instance_add_on_another(tmp_path: Path, postgres_url: str) -> None:
    key = Fernet.generate_key().decode()
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        one, two = (serve(make_settings(slack, leonar, tmp_path / "unused.db", slack_bot_token=BOT_TOKEN,
                                        slack_signing_secret=SIGNING_SECRET, database_url=postgres_url,
                                        encryption_key=key)) for _ in range(2))
        first, second = SlackDriver(one, SIGNING_SECRET, slack), SlackDriver(two, SIGNING_SECRET, slack)
        try:
            connect_on_one_add_on_the_other(slack, leonar, first, second)
        finally:
            first.close()
            second.close()
            one.stop()
            two.stop()


@pytest.mark.slow
def test_connect_on_one_process_add_on_another(tmp_path: Path, postgres_url: str) -> None:
    shared = {"DATABASE_URL": postgres_url, "ENCRYPTION_KEY": Fernet.generate_key().decode()}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()  # separate working directories: nothing shared but the database
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        (one, one_url), (two, two_url) = start_bots(slack, leonar, [tmp_path / "one", tmp_path / "two"], **shared)
        first, second = SlackDriver(one_url, SIGNING_SECRET, slack), SlackDriver(two_url, SIGNING_SECRET, slack)
        try:
            connect_on_one_add_on_the_other(slack, leonar, first, second)
        finally:
            first.close()
            second.close()
            for process in (one, two):
                process.terminate()
                process.communicate(timeout=30)
