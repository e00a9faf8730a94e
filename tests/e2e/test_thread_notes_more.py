"""Card threads saved as notes, continued: a reply whose instance died is saved once by the instance that takes it
over (never a second copy when it died while Leonar was being asked), the App Home's controls for admins, and a
French author's note in French."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from bot.slack import thread_notes
from bot.store import Workspace
from tests.e2e.test_home import home_action, open_home
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes import slack_messages
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.threads import card_in_channel, reply, ticks

HERE = Workspace(None, "T0001")
RESUMED = pytest.mark.limits(work_tick_seconds=0.05, work_lease_seconds=0.5)


def left_by_a_dead_instance(bot: RunningBot, driver: SlackDriver, card_ts: str, contact: str,
                            progress: dict[str, object]) -> dict[str, object]:
    """A reply accepted by an instance that died (after `progress`): its job, its lease run out at once."""
    event = slack_messages.said(driver.slack, driver.channel_id, "U0002", "Resumed reply", thread_ts=card_ts)
    driver.slack.add_user("U0002")
    found = thread_notes.Reply(driver.channel_id, str(event["ts"]), card_ts, "U0002", "Resumed reply")
    payload = {"reply": asdict(found), "contact": contact, "author": "User U0002", "lang": "en"}
    job = bot.run(bot.services.store.jobs.accept("event:EvDead", HERE, thread_notes.KIND, payload, holder="dead",
                                                 lease_seconds=0.01))
    assert job is not None
    if progress:
        bot.run(bot.services.store.jobs.save_progress("event:EvDead", "dead", progress))
    return event


@RESUMED
def test_a_reply_whose_instance_died_is_saved_once_by_another(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    event = left_by_a_dead_instance(bot, driver, card_ts, contact, {})
    assert seeded.wait_until(lambda: seeded.notes(contact), 5)
    assert slack.wait_until(lambda: ticks(driver, event), 5)
    driver.settle()
    assert bot.run(bot.services.store.jobs.pending()) == []
    [note] = seeded.notes(contact)
    assert note["content"].endswith("Resumed reply")


@RESUMED
def test_a_reply_whose_instance_died_while_leonar_was_asked_is_not_sent_again(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    left_by_a_dead_instance(bot, driver, card_ts, contact, {"sending": True})
    assert slack.wait_until(lambda: not bot.run(bot.services.store.jobs.pending()), 5)
    driver.settle()
    assert seeded.notes(contact) == []  # Leonar may hold it (here it does not): never a second copy
    assert slack.calls_to("reactions.add") == []


def test_admins_turn_a_channel_on_and_off_in_the_app_home_members_cannot(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    home = open_home(driver, slack)
    assert "Card threads saved as notes" in json.dumps(home) and "home_thread_notes_on" in json.dumps(home)
    published = len(slack.calls_to("views.publish"))
    home_action(driver, slack, {"type": "conversations_select", "action_id": "home_thread_notes_on",
                                "selected_conversation": "C0777"})
    slack.wait_for("views.publish", published + 1)
    assert "<#C0777>" in json.dumps(slack.homes[driver.user_id])
    assert bot.run(bot.services.store.thread_notes.channels(HERE)) == ["C0777"]

    member = SlackDriver(driver.app, driver.signing_secret, slack, user_id="U0009")
    try:
        assert "home_thread_notes" not in json.dumps(open_home(member, slack))
        home_action(member, slack, {"type": "button", "action_id": "home_thread_notes_off", "value": "C0777"})
        member.settle()
        assert bot.run(bot.services.store.thread_notes.channels(HERE)) == ["C0777"]  # a crafted click: refused
    finally:
        member.close()

    published = len(slack.calls_to("views.publish"))
    home_action(driver, slack, {"type": "button", "action_id": "home_thread_notes_off", "value": "C0777"})
    slack.wait_for("views.publish", published + 1)
    assert "<#C0777>" not in json.dumps(slack.homes[driver.user_id])
    assert bot.run(bot.services.store.thread_notes.channels(HERE)) == []


def test_a_french_authors_reply_is_noted_in_french(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    card_ts, contact = card_in_channel(driver, seeded)
    driver.command("thread-notes on")
    driver.hook_posts()
    slack.add_user("U0FR")
    slack.users["U0FR"]["locale"] = "fr-FR"
    reply(driver, card_ts, "Oui, très bon profil", user="U0FR")
    driver.settle()
    [note] = seeded.notes(contact)
    assert note["content"].startswith("Réponse dans Slack de User U0FR, le ")
