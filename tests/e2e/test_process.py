"""The real `python -m bot` process, driven through a full connect + add round trip (as tests.support.tryout
does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET, round_trip, start_bot


@pytest.mark.slow
def test_python_m_bot_round_trip(tmp_path: Path) -> None:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        seed_demo(leonar, DEMO_KEY)
        slack.add_user("U0001", admin=True)
        process, url = start_bot(slack, leonar, tmp_path)
        driver = SlackDriver(url, SIGNING_SECRET, slack)
        try:
            card = round_trip(driver, slack, say=lambda *_: None)
        finally:
            driver.close()
            process.terminate()
            process.communicate(timeout=15)
        assert card["blocks"][0]["type"] == "header" and "Zeta Platform Lead" in card["text"]
        assert len(leonar.entries()) == 1 and not slack.problems
        # Restart on the same database: the workspace stays connected, the modal opens straight to "Add".
        process, url = start_bot(slack, leonar, tmp_path)
        driver = SlackDriver(url, SIGNING_SECRET, slack)
        try:
            assert driver.open_modal(callback_id="leonar_add")
        finally:
            driver.close()
            process.terminate()
            process.communicate(timeout=15)
