"""Two bot processes on one PostgreSQL database serve the same workspace: connect on one, add on the other."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, start_bots


def test_connect_on_one_instance_add_on_another(tmp_path: Path, postgres_url: str) -> None:
    shared = {"DATABASE_URL": postgres_url, "ENCRYPTION_KEY": Fernet.generate_key().decode()}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()  # separate working directories: nothing shared but the database
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        (one, one_url), (two, two_url) = start_bots(slack, leonar, [tmp_path / "one", tmp_path / "two"], **shared)
        first, second = SlackDriver(one_url, SIGNING_SECRET, slack), SlackDriver(two_url, SIGNING_SECRET, slack)
        try:
            first.open_modal(callback_id="leonar_connect")
            first.type_text("api_key_input", DEMO_KEY)
            first.submit()
            assert first.last_errors is None

            second.open_modal(callback_id="leonar_add")  # instance two already knows the workspace's key
            [project] = second.suggest_options("project_select", "zeta")
            second.select("project_select", project)
            second.wait_view(lambda v: any(b.get("element", {}).get("action_id") == "stage_select"
                                           for b in v["blocks"]))
            second.select("contact_select", second.suggest_options("contact_select", "martin")[0])
            assert second.submit().status_code == 200 and second.last_errors is None
            [card] = slack.wait_for("chat.postMessage")
            assert "Zeta Platform Lead" in card.body["text"]
            assert len(leonar.entries()) == 1
        finally:
            first.close()
            second.close()
            for process in (one, two):
                process.terminate()
                process.communicate(timeout=30)
