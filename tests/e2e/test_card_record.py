"""Each candidate card the bot posts is recorded once Slack accepted it (channel, ts, contact id), whichever flow
posted it; a card Slack refused, or one given to its user alone, is not."""

from __future__ import annotations

from typing import Any

from bot.store import Workspace
from tests.e2e.test_workflow_step import finished
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project, ready_to_submit

HERE = Workspace(None, "T0001")


def card_rows(bot: RunningBot) -> list[Any]:
    return bot.run(bot.services.store.db.all("cards", "SELECT workspace, channel_id, ts, contact_id FROM "
                                             "card_messages ORDER BY posted_at"))


def test_a_card_posted_by_the_add_form_is_recorded_with_its_contact(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    driver.wait_view(lambda v: v["callback_id"] == "leonar_add")
    pick_project(driver, "zeta", "Zeta Platform Lead")
    pick_contact(driver, "martin")
    driver.submit()
    [card] = slack.wait_for("chat.postMessage")
    bot.settle()
    [entry] = seeded.entries()
    contact_id = entry["contact"]["id"]
    assert card_rows(bot) == [(HERE.key, "C0001", card.response["ts"], contact_id)]
    assert bot.run(bot.services.store.cards.contact_of(HERE, "C0001", card.response["ts"])) == contact_id


def test_a_card_slack_refused_is_not_recorded(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    ready_to_submit(driver)
    slack.fail("chat.postMessage", "is_archived")
    driver.submit()
    slack.wait_for("chat.postMessage")
    slack.wait_for("hook")  # refused in the channel: given to the user alone
    bot.settle()
    assert card_rows(bot) == []


def test_a_card_posted_by_the_workflow_step_is_recorded(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    leonar.add_project("Backend Engineer", stages=["Sourced", "Screen"])
    contact = leonar.add_contact("Ada", "Lovelace", linkedin_profile="https://www.linkedin.com/in/ada-lovelace")
    connect(driver)
    execution = driver.function_executed({"project": "backend engineer", "candidate": "linkedin.com/in/ada-lovelace",
                                          "channel": "C0RECRUIT", "added_by": "U0001"})
    assert finished(slack, execution).state == "completed", execution.error
    [card] = slack.calls_to("chat.postMessage")
    bot.settle()
    assert card_rows(bot) == [(HERE.key, "C0RECRUIT", card.response["ts"], contact["id"])]
