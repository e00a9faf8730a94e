"""One member searching a lot is told so, and the rest of the workspace keeps searching."""

from __future__ import annotations

import re

from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect

SEARCH = "/contacts/search"


def test_a_member_past_their_share_is_told_and_the_others_still_search(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, bot: RunningBot
) -> None:
    seeded.rate_limit = 200  # 20 kept for adds; (200 − 20) / 4 = 45 an hour per member, 20 at once
    connect(driver)
    before = seeded.count("POST", SEARCH)
    notice = None
    for n in range(60):  # distinct searches, as fast as Slack sends them: none can come from the cache
        first = driver.suggest_options("contact_select", f"zz{n:03d}")[0]["text"]["text"]
        if first.startswith("You have searched a lot"):
            notice = first
            break
    assert notice is not None and n == 20 and seeded.count("POST", SEARCH) - before == 20
    assert re.fullmatch(r"You have searched a lot in the last minutes: try again in \d+ seconds?\.", notice)

    slack.add_user("U0002")
    colleague = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0002")
    try:
        colleague.open_modal(callback_id="leonar_add")
        assert colleague.suggest_options("contact_select", "bob")[0]["text"]["text"].startswith("Bob Stone")
    finally:
        colleague.close()
    assert seeded.count("POST", SEARCH) - before == 21
