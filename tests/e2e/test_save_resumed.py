"""A Save to Leonar submission whose instance died, resumed by the bot in the test's process: a job recorded by a
dead holder, its lease run out, taken over here. Sent once when it had not begun sending; never sent again when it
had (Leonar cannot be asked whether the note arrived), the saver told to check instead."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.slack import saving
from bot.store import Workspace
from bot.views.member_keys import link_first_text
from bot.views.save_modal import sealed_of
from tests.support.bot import LEONAR_KEY, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect
from tests.support.saving import CHANNEL, pick, save_shortcut

HERE = Workspace(None, "T0001")
RESUMED = pytest.mark.limits(work_tick_seconds=0.05, work_lease_seconds=0.5)


def left_by_a_dead_instance(bot: RunningBot, driver: SlackDriver, progress: dict[str, Any], *,
                            must_link: bool = False, before_takeover: Callable[[], None] = lambda: None
                            ) -> tuple[str, str]:
    """A save form filled in (Bob, "Strong yes"), submitted to an instance that died with `progress` done: its job,
    leased to that instance, runs out of lease at once. Returns the form's view id and the saved message's ts.
    `must_link`: admins required members' own keys meanwhile, and the saver has none. `before_takeover`: what
    happens once the form is filled in, before the job is left behind."""
    connect(driver)
    driver.slack.add_channel(CHANNEL, member=True)
    message = driver.slack.post(CHANNEL, "U0001", "Strong yes")
    view = save_shortcut(driver, message)
    pick(driver, "bob")
    submitted = view | {"state": {"values": driver._values(view)}}
    sealed = sealed_of(view["private_metadata"])
    assert sealed is not None
    payload = saving.Saving.payload(submitted, sealed, "en")
    jobs = bot.services.store.jobs
    if must_link:
        bot.run(bot.services.store.workspaces.update_settings(HERE, require_member_keys=True))
    before_takeover()
    bot.run(jobs.accept("save:left-behind", HERE, saving.KIND, payload, holder="dead", lease_seconds=0.01))
    if progress:
        assert bot.run(jobs.save_progress("save:left-behind", "dead", progress))
    return view["id"], message["ts"]


@RESUMED
def test_a_save_that_had_not_begun_sending_is_sent_once_and_marked(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    view_id, ts = left_by_a_dead_instance(bot, driver, {})
    assert seeded.wait_until(lambda: len(seeded.notes()) == 1)
    assert slack.wait_until(lambda: slack.messages.reactions.get((CHANNEL, ts)))
    driver.settle()
    assert len(seeded.notes()) == 1 and seeded.notes()[0]["content"].endswith("Strong yes")
    assert "Saved as a note" in json.dumps(slack.views[view_id])
    assert bot.run(bot.services.store.jobs.pending()) == []


@RESUMED
def test_a_save_cut_while_sending_is_not_sent_again_and_the_saver_is_told(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    view_id, ts = left_by_a_dead_instance(bot, driver, {"sending": True})
    assert slack.wait_until(lambda: "check the candidate" in json.dumps(slack.views[view_id]))
    driver.settle()
    assert seeded.notes() == [] and seeded.count("POST", r"/contacts/[^/]+/notes") == 0
    assert (CHANNEL, ts) not in slack.messages.reactions  # no ✓ on a note nobody knows was saved
    assert bot.run(bot.services.store.jobs.pending()) == []


@RESUMED
def test_a_resumed_save_whose_saver_must_now_link_saves_nothing_and_tells_them_in_the_form(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    view_id, _ = left_by_a_dead_instance(bot, driver, {}, must_link=True)
    told = link_first_text("en", bot.services.slack_app.home_url("T0001"))
    assert slack.wait_until(lambda: told in json.dumps(slack.views[view_id], ensure_ascii=False), 5)
    driver.settle()
    assert "was not saved" in json.dumps(slack.views[view_id])
    assert bot.run(bot.services.store.jobs.pending()) == []  # finished: not tried again and again
    assert seeded.notes() == [] and slack.messages.reactions == {}


@RESUMED
def test_a_resumed_save_leonar_turns_away_for_its_budget_is_sent_once_the_budget_is_back(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """A 429 says the note was not taken and when the key may send again (X-RateLimit-Reset): the save is tried
    again then, as adds, thread notes and feedback notes are, not a fixed minute later."""
    view_id, ts = left_by_a_dead_instance(
        bot, driver, {}, before_takeover=lambda: seeded.exhaust_rate_limit(LEONAR_KEY, reset_in=2))
    assert seeded.wait_until(lambda: len(seeded.notes()) == 1, timeout=15)
    assert slack.wait_until(lambda: slack.messages.reactions.get((CHANNEL, ts)))
    driver.settle()
    assert len(seeded.notes()) == 1 and "Saved as a note" in json.dumps(slack.views[view_id])
    assert seeded.count("POST", r"/contacts/[^/]+/notes") >= 2  # turned away first, then taken
    assert bot.run(bot.services.store.jobs.pending()) == []
