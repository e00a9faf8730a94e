"""An add submission whose instance died before Leonar answered, resumed by the bot in the test's process (the kill
itself is tests/e2e/test_durable_work.py): a job recorded by a dead holder, its lease run out, taken over here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.i18n import t
from bot.slack import adding
from bot.store import Workspace
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project

HERE = Workspace(None, "T0001")
RESUMED = pytest.mark.limits(work_tick_seconds=0.05, work_lease_seconds=0.5)


def left_by_a_dead_instance(bot: RunningBot, driver: SlackDriver) -> dict[str, Any]:
    """The add form filled in (Zeta Platform Lead, a Martin), submitted to an instance that died before Leonar
    answered: its job, recorded and leased to that instance, runs out of lease at once. Returns the form."""
    connect(driver)
    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "martin")
    view = driver.view()
    submitted = view | {"state": {"values": driver._values(view)}}
    payload = adding.Adding.payload(submitted, {"user": {"id": driver.user_id, "name": "ada"}}, "en")
    bot.run(bot.services.store.jobs.accept("add:left-behind", HERE, adding.KIND, payload, holder="dead",
                                           lease_seconds=0.01))
    return view


def entry_posts(leonar: FakeLeonar) -> int:
    return leonar.count("POST", r"/projects/[^/]+/entries")


@RESUMED
def test_a_resumed_add_leonar_refuses_is_told_once_and_not_tried_again(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """Before: any Leonar refusal but "already in" escaped the resumed run, which was tried again four times, then
    told the user the bot had restarted and the candidate "may have been added"."""
    seeded.inject("POST", r"/projects/[^/]+/entries", status=404, code="not_found", message="Project not found",
                  times=10)
    form = left_by_a_dead_instance(bot, driver)
    why = t("en", "error.not_found", message="Project not found")
    assert slack.wait_until(lambda: why in json.dumps(slack.views[form["id"]], ensure_ascii=False))
    driver.settle()
    assert entry_posts(seeded) == 1
    assert bot.run(bot.services.store.jobs.pending()) == []


@RESUMED
def test_a_resumed_add_leonar_turns_away_for_now_is_tried_again_later_and_lands_once(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    # Down for both of the run's tries (the add looks whether the first landed, then posts again).
    seeded.inject("POST", r"/projects/[^/]+/entries", status=503, code="unavailable", times=2)
    form = left_by_a_dead_instance(bot, driver)
    assert seeded.wait_until(lambda: entry_posts(seeded) == 2)
    driver.settle()
    [job] = bot.run(bot.services.store.jobs.pending())  # to be tried again in 30 s: still "pending" for the user
    assert job.key == "add:left-behind" and seeded.entries() == []
    # Those 30 s pass (the job made due now, as time would).
    bot.run(bot.services.store.db.execute("due now", "UPDATE jobs SET not_before = 0, lease_until = 0"))
    assert seeded.wait_until(lambda: len(seeded.entries()) == 1)
    driver.settle()
    assert entry_posts(seeded) == 3 and bot.run(bot.services.store.jobs.pending()) == []
    assert slack.views[form["id"]]["callback_id"] != "leonar_add"  # the pending form now says it was added


def test_an_add_given_up_after_its_form_closed_tells_its_user_with_leonar_names_escaped(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    """The direct message is mrkdwn: a name from Leonar must not mention @here (or make a link) in it."""
    seeded.add_contact("Mallory", "<!here>", current_title="Engineer")
    connect(driver)
    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "mallory")
    view = driver.view()
    payload = adding.Adding.payload(view | {"state": {"values": driver._values(view)}},
                                    {"user": {"id": driver.user_id}}, "en")
    job = bot.run(bot.services.store.jobs.accept("add:given-up", HERE, adding.KIND, payload, holder="dead",
                                                 lease_seconds=600))
    assert job is not None
    slack.closed_views.add(view["id"])  # the user closed the form meanwhile
    bot.run(adding.Resume(bot.services).give_up(job, RuntimeError("crashed")))
    [told] = [c.body for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == driver.user_id]
    assert "&lt;!here&gt;" in told["text"] and "<!here>" not in told["text"]
