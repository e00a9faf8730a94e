"""Issue 19 A, who may answer a feedback request: the reviewers it names and, for a channel, that channel's members.
A forged answer (someone else's click, a request closed by its requester) is refused and saves nothing; the App
Home lists the requester's open requests, with Close and Remind now, for the requester alone."""

from __future__ import annotations

import json

from bot.i18n import t
from bot.slack.feedback_jobs import SEND, FeedbackWork
from bot.store import Workspace
from bot.store.jobs import Job
from tests.e2e.test_home import home_action, open_home
from tests.support.bot import SIGNING_SECRET, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.feedback import (
    CLIENT,
    HIRING_MANAGER,
    ask,
    button,
    click,
    message_in,
    only_request_id,
    seed_stage,
)
from tests.support.flows import connect
from tests.support.installs import driver_for, install

YES = "feedback_answer_yes"
TEAM_CHANNEL, MEMBER, STRANGER = "C0TEAM", "U0004", "U0005"


def answers(bot: RunningBot) -> int:
    return len(bot.run(bot.services.store.db.all("answers", "SELECT * FROM feedback_answers")))


def test_someone_the_request_does_not_name_is_refused_and_nothing_is_saved(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    _, (jane, _) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    slack.add_user(STRANGER)  # a member of the workspace, not asked
    ask(driver, [HIRING_MANAGER])
    driver.settle()
    dm = slack.bot_dm(HIRING_MANAGER)
    ts, message = message_in(slack, dm)
    other = SlackDriver(bot, SIGNING_SECRET, slack, user_id=STRANGER)
    assert click(other, dm, ts, YES, button(message, YES, jane["id"])["value"]).status_code == 200
    driver.settle()
    assert leonar.notes(jane["id"]) == [] and answers(bot) == 0
    [refused] = other.hook_posts()
    assert refused["text"] == t("en", "feedback.refused") and refused["response_type"] == "ephemeral"
    assert f"<@{STRANGER}>" not in json.dumps(slack.messages[(dm, ts)])
    other.close()


def test_in_a_channel_its_members_answer_and_nobody_else(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    _, (jane, _) = seed_stage(leonar)
    for user in (MEMBER, STRANGER):
        slack.add_user(user)
    slack.members[TEAM_CHANNEL] = [driver.user_id, MEMBER]
    ask(driver, [], channel=TEAM_CHANNEL)
    driver.settle()
    ts, message = message_in(slack, TEAM_CHANNEL)
    value = button(message, YES, jane["id"])["value"]
    stranger = SlackDriver(bot, SIGNING_SECRET, slack, user_id=STRANGER)
    member = SlackDriver(bot, SIGNING_SECRET, slack, user_id=MEMBER)
    click(stranger, TEAM_CHANNEL, ts, YES, value)
    driver.settle()
    assert leonar.notes(jane["id"]) == [] and answers(bot) == 0
    click(member, TEAM_CHANNEL, ts, YES, value)
    driver.settle()
    [note] = leonar.notes(jane["id"])
    assert "Feedback from User U0004 in Slack" in note["content"]
    assert f"<@{MEMBER}>: Yes" in json.dumps(slack.messages[(TEAM_CHANNEL, ts)])
    # The same button, its channel forged as another one the member is not asked in: refused.
    click(member, "C0ELSEWHERE", ts, YES, button(message, "feedback_answer_no", jane["id"])["value"])
    driver.settle()
    assert len(leonar.notes(jane["id"])) == 1
    stranger.close()
    member.close()


def test_a_closed_request_takes_no_answer_and_only_its_requester_may_close_it(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    _, (jane, omar) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    ask(driver, [HIRING_MANAGER], question="Onsite debrief?")
    driver.settle()
    dm = slack.bot_dm(HIRING_MANAGER)
    ts, message = message_in(slack, dm)
    manager = SlackDriver(bot, SIGNING_SECRET, slack, user_id=HIRING_MANAGER)
    click(manager, dm, ts, YES, button(message, YES, omar["id"])["value"])
    driver.settle()

    home = json.dumps(open_home(driver, slack))
    assert "Onsite debrief?" in home and "Answered: 0 of 1" in home  # one candidate of two answered
    request_id = only_request_id(bot)
    # The reviewer forges the requester's Close from their own App Home: refused, still open.
    open_home(manager, slack)
    home_action(manager, slack, {"type": "button", "action_id": "home_feedback_close", "value": request_id})
    driver.settle()
    assert "feedback_answer_yes" in json.dumps(slack.messages[(dm, ts)])
    home_action(driver, slack, {"type": "button", "action_id": "home_feedback_close", "value": request_id})
    driver.settle()
    closed = json.dumps(slack.messages[(dm, ts)])
    assert "feedback_answer" not in closed and t("en", "feedback.closed") in closed
    assert "Onsite debrief?" not in json.dumps(slack.homes[driver.user_id])

    # An answer sent with the button of the message as it was before the close: refused, nothing saved.
    click(manager, dm, ts, YES, button(message, YES, jane["id"])["value"])
    driver.settle()
    assert leonar.notes(jane["id"]) == [] and answers(bot) == 1
    assert manager.hook_posts()[-1]["text"] == t("en", "feedback.refused_closed")
    manager.close()


def test_remind_now_reminds_who_has_not_answered(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    """The client answered both candidates; the hiring manager one of two: only the hiring manager is reminded."""
    _, (jane, omar) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    slack.add_user(CLIENT)
    ask(driver, [HIRING_MANAGER, CLIENT])
    driver.settle()
    for reviewer, contacts in ((CLIENT, (jane, omar)), (HIRING_MANAGER, (jane,))):
        dm = slack.bot_dm(reviewer)
        ts, message = message_in(slack, dm)
        person = SlackDriver(bot, SIGNING_SECRET, slack, user_id=reviewer)
        for contact in contacts:
            click(person, dm, ts, YES, button(message, YES, contact["id"])["value"])
        person.close()
    driver.settle()
    request_id = only_request_id(bot)
    before = len(slack.calls_to("chat.postMessage"))
    open_home(driver, slack)
    home_action(driver, slack, {"type": "button", "action_id": "home_feedback_remind", "value": request_id})
    driver.settle()
    [reminder] = [c.body for c in slack.calls_to("chat.postMessage")[before:]]
    assert reminder["channel"] == HIRING_MANAGER and reminder["text"].startswith("Reminder: <@U0001>")


def test_an_answer_through_another_workspaces_installation_finds_no_request(
    oauth_bot: RunningBot, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    """Two workspaces installed the app. TB's member is in the channel TA asked, and clicks TA's button through
    TB's installation (a forged team): the request is looked up in TB, where it does not exist; nothing is saved."""
    key_a, key_b = "leo_acme_key_aaaa1111", "leo_beta_key_bbbb2222"
    leonar.add_key(key_a, workspace="acme")
    leonar.add_key(key_b, workspace="beta")
    _, (jane, _) = seed_stage(leonar)
    install(oauth_bot, slack, "TA")
    install(oauth_bot, slack, "TB")
    a, b = driver_for(oauth_bot, slack, "TA"), driver_for(oauth_bot, slack, "TB")
    for driver, key in ((a, key_a), (b, key_b)):
        connect(driver, key)
    slack.members[TEAM_CHANNEL] = [a.user_id, b.user_id]
    assert ask(a, [], channel=TEAM_CHANNEL, connected=True).status_code == 200
    assert slack.wait_until(lambda: [k for k in slack.messages if k[0] == TEAM_CHANNEL])
    oauth_bot.settle()
    ts, message = message_in(slack, TEAM_CHANNEL)
    click(b, TEAM_CHANNEL, ts, YES, button(message, YES, jane["id"])["value"])
    oauth_bot.settle()
    assert leonar.notes(jane["id"]) == [] and answers(oauth_bot) == 0
    click(a, TEAM_CHANNEL, ts, YES, button(message, YES, jane["id"])["value"])  # TA's own member: saved
    oauth_bot.settle()
    assert len(leonar.notes(jane["id"])) == 1 and answers(oauth_bot) == 1
    a.close()
    b.close()


def test_a_request_slack_kept_refusing_to_send_is_told_to_its_requester(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar
) -> None:
    seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    ask(driver, [HIRING_MANAGER])
    driver.settle()
    request_id = only_request_id(bot)
    job = Job(f"feedback-send:{request_id}", Workspace(None, "T0001"), SEND, {"request": request_id})
    bot.run(FeedbackWork(bot.services).kinds()[SEND].give_up(job, RuntimeError("Slack kept failing")))
    [told] = [c.body for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    assert told["text"] == t("en", "feedback.not_sent")
