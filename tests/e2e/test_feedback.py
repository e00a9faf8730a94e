"""Issue 19 A, ask for feedback: `/leonar-add feedback [project]` → the form → one message per reviewer → answers
→ notes in Leonar, exactly once per answer (once more when it changes), the tally shown in place, the requester's
one summary once everyone answered."""

from __future__ import annotations

import json

import pytest

from bot.feedback import schedule
from bot.i18n import t
from bot.slack.feedback_jobs import FeedbackWork
from bot.store import Workspace
from bot.store.feedback import Candidate, FeedbackRequest
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.feedback import CLIENT, HIRING_MANAGER, ask, button, click, message_in, seed_stage

ANSWER = "feedback_answer_{}"


def test_each_answer_becomes_one_note_and_the_requester_hears_once_everyone_answered(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    _, (jane, omar) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    slack.add_user(CLIENT)
    slack.users[HIRING_MANAGER]["real_name"] = "Hana Manager"
    assert ask(driver, [HIRING_MANAGER, CLIENT]).status_code == 200
    driver.settle()
    assert f"sent to <@{HIRING_MANAGER}>, <@{CLIENT}>." in json.dumps(driver.view())  # the form says where it went
    dm = slack.bot_dm(HIRING_MANAGER)
    ts, message = message_in(slack, dm)
    text = json.dumps(message, ensure_ascii=False)
    # Both Onsite candidates, by name and role, escaped; never an email; Zed (Sourced) is not asked about.
    assert "Jane Doe" in text and "Omar &lt;Sy&gt;" in text and "Backend &amp; Infra" in text
    assert "jane@example.com" not in text and "Zed" not in text
    assert t("en", "feedback.default_question") in text
    message_in(slack, slack.bot_dm(CLIENT))  # one for each reviewer

    manager = SlackDriver(bot, "test-signing-secret", slack, user_id=HIRING_MANAGER)
    yes = button(message, ANSWER.format("yes"), jane["id"])["value"]
    assert click(manager, dm, ts, ANSWER.format("yes"), yes).status_code == 200
    assert click(manager, dm, ts, ANSWER.format("yes"), yes).status_code == 200  # the same answer again
    driver.settle()
    [note] = leonar.notes(jane["id"])
    assert note["content"].startswith("Feedback from Hana Manager in Slack") and ": Yes." in note["content"]
    assert "Asked by User U0001, Backend Engineer — Paris." in note["content"]
    _, shown = message_in(slack, dm)
    assert f"<@{HIRING_MANAGER}>: Yes" in json.dumps(shown)  # the tally, updated in place
    assert f"<@{HIRING_MANAGER}>: Yes" in json.dumps(message_in(slack, slack.bot_dm(CLIENT))[1])

    # Changed to No: one more note, saying so.
    no = button(message, ANSWER.format("no"), jane["id"])["value"]
    assert click(manager, dm, ts, ANSWER.format("no"), no).status_code == 200
    driver.settle()
    first, second = leonar.notes(jane["id"])
    assert first == note and "changed to No" in second["content"]
    # Nobody has heard of a summary yet: the client has not answered.
    assert not [c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]

    client_dm = slack.bot_dm(CLIENT)
    client_ts, client_message = message_in(slack, client_dm)
    client = SlackDriver(bot, "test-signing-secret", slack, user_id=CLIENT)
    manager_omar = button(message, ANSWER.format("maybe"), omar["id"])["value"]
    click(manager, dm, ts, ANSWER.format("maybe"), manager_omar)
    for contact in (jane, omar):
        value = button(client_message, ANSWER.format("yes"), contact["id"])["value"]
        click(client, client_dm, client_ts, ANSWER.format("yes"), value)
    driver.settle()
    assert slack.wait_until(lambda: [c for c in slack.calls_to("chat.postMessage")
                                     if c.body["channel"] == driver.user_id], 10)
    [summary] = [c.body for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    assert "Everyone answered" in summary["text"]
    assert len(leonar.notes(jane["id"])) == 3 and len(leonar.notes(omar["id"])) == 2
    manager.close()
    client.close()


def test_an_answer_whose_instance_died_before_its_note_job_is_noted_once_later(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer's row committed, then the instance died before recording its note's job: the sweep (a chore of
    every instance) finds it a minute later and notes it, once; an answer noted the usual way is left alone."""
    now = [schedule.now()]
    monkeypatch.setattr(schedule, "now", lambda: now[0])
    _, (jane, omar) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    ask(driver, [HIRING_MANAGER])
    driver.settle()
    dm = slack.bot_dm(HIRING_MANAGER)
    ts, message = message_in(slack, dm)
    manager = SlackDriver(bot, "test-signing-secret", slack, user_id=HIRING_MANAGER)
    click(manager, dm, ts, ANSWER.format("no"), button(message, ANSWER.format("no"), omar["id"])["value"])
    driver.settle()
    [request] = bot.run(bot.services.store.feedback.open_requests(Workspace(None, "T0001"), driver.user_id))
    saved = bot.run(bot.services.store.feedback.answer(Workspace(None, "T0001"), request.id, jane["id"],
                                                       HIRING_MANAGER, "yes", "left behind", now[0]))
    assert saved is not None
    sweep = FeedbackWork(bot.services).sweep
    bot.run(sweep())
    driver.settle()
    assert leonar.notes(jane["id"]) == []  # not a minute old yet: its job may still be on its way
    now[0] += 61
    bot.run(sweep())
    driver.settle()
    bot.run(sweep())
    driver.settle()
    [note] = leonar.notes(jane["id"])
    assert "Yes — left behind" in note["content"]
    assert len(leonar.notes(omar["id"])) == 1
    manager.close()


def test_a_request_whose_instance_died_before_its_sending_job_is_sent_once_later(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [schedule.now()]
    monkeypatch.setattr(schedule, "now", lambda: now[0])
    slack.add_user(HIRING_MANAGER)
    request = FeedbackRequest(id="left-behind", workspace=Workspace(None, "T0001"), requester=driver.user_id,
                              question="Go?", candidates=(Candidate("c1", "Jane Doe"),), reviewers=(HIRING_MANAGER,),
                              channel=None, due_at=now[0] + 86400, due_day="2030-01-02", lang="en", created_at=now[0])
    bot.run(bot.services.store.feedback.create(request))  # recorded, then the instance died
    sweep = FeedbackWork(bot.services).sweep
    now[0] += 61
    for _ in range(2):
        bot.run(sweep())
        bot.settle()
    [(channel, _)] = [k for k in slack.messages if k[0] == slack.bot_dm(HIRING_MANAGER)]
    assert "Jane Doe" in json.dumps(slack.messages[(channel, _)])
