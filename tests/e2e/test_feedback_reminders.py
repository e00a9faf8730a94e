"""Issue 19 A, reminders: a reviewer who has not answered gets one at the due time and one a working day later, in
their own time zone and working hours, then none; the requester hears at the due date who did not answer. On a
clock the test moves (`bot.feedback.schedule.now`). Durable: a reminder decided by an instance that died is posted
once by the one that takes it over, and one already posted is not posted again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from bot.feedback import schedule
from bot.limits import Limits
from bot.slack.feedback_jobs import REMIND
from tests.support.bot import SIGNING_SECRET, RunningBot, make_settings, serve
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.feedback import (
    CLIENT,
    HIRING_MANAGER,
    ask,
    button,
    click,
    eventually,
    message_in,
    seed_stage,
)

PARIS, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")
MONDAY_10_PARIS = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS).timestamp()  # the due date defaults to Wednesday
FAST = pytest.mark.limits(work_tick_seconds=0.05, work_lease_seconds=0.5, feedback_check_seconds=0.05)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: float) -> None:
        self.at = at
        monkeypatch.setattr(schedule, "now", lambda: self.at)

    def to(self, moment: datetime) -> None:
        self.at = moment.timestamp()


def reminders(slack: FakeSlack, user: str) -> list[str]:
    return [c.body["text"] for c in slack.calls_to("chat.postMessage")
            if c.body["channel"] == user and c.body["text"].startswith("Reminder")]


def looked_again(bot: RunningBot, slack: FakeSlack) -> Callable[[], None]:
    """Waits until every reminder and summary job not yet done has looked at the (moved) clock twice more."""
    def wait() -> None:
        jobs = bot.services.store.jobs
        before = {j.key: j.attempts for j in bot.run(jobs.pending())}
        assert eventually(lambda: all(j.attempts >= before[j.key] + 2 for j in bot.run(jobs.pending())
                                      if j.key in before))
    return wait


@FAST
def test_two_reminders_in_each_reviewers_working_hours_then_none_and_the_summary_at_the_due_date(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, MONDAY_10_PARIS)
    _, (jane, omar) = seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    slack.add_user(CLIENT)
    slack.users[CLIENT]["tz"] = "America/New_York"
    slack.add_user("U0006")  # answers everything before the due date: never reminded
    ask(driver, [HIRING_MANAGER, CLIENT, "U0006"])
    driver.settle()
    early = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0006")
    dm = slack.bot_dm("U0006")
    ts, message = message_in(slack, dm)
    for contact in (jane, omar):
        click(early, dm, ts, "feedback_answer_yes", button(message, "feedback_answer_yes", contact["id"])["value"])
    wait = looked_again(bot, slack)
    wait()
    assert reminders(slack, HIRING_MANAGER) == reminders(slack, CLIENT) == []

    clock.to(datetime(2026, 12, 9, 9, 0, 30, tzinfo=PARIS))  # Wednesday 9:00 in Paris, 3:00 in New York
    assert slack.wait_until(lambda: reminders(slack, HIRING_MANAGER), 10)
    wait()
    assert len(reminders(slack, HIRING_MANAGER)) == 1 and reminders(slack, CLIENT) == []
    assert "Backend" not in reminders(slack, HIRING_MANAGER)[0]  # names the request, not candidates' data

    clock.to(datetime(2026, 12, 9, 9, 0, 30, tzinfo=NEW_YORK))
    assert slack.wait_until(lambda: reminders(slack, CLIENT), 10)
    summaries = [c.body for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    assert summaries == []  # the due date's working day is not over in Paris (15:00)

    clock.to(datetime(2026, 12, 9, 18, 0, tzinfo=PARIS))
    assert slack.wait_until(lambda: [c for c in slack.calls_to("chat.postMessage")
                                     if c.body["channel"] == driver.user_id], 10)
    [summary] = [c.body for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    assert f"<@{HIRING_MANAGER}>" in summary["text"] and f"<@{CLIENT}>" in summary["text"]
    assert "<@U0006>" not in summary["text"]

    clock.to(datetime(2026, 12, 10, 9, 0, 30, tzinfo=PARIS))  # Thursday, a working day later
    assert slack.wait_until(lambda: len(reminders(slack, HIRING_MANAGER)) == 2, 10)
    clock.to(datetime(2026, 12, 14, 12, 0, tzinfo=NEW_YORK))  # the next Monday: every reminder is past
    assert eventually(lambda: not bot.run(bot.services.store.jobs.pending()))
    assert len(reminders(slack, HIRING_MANAGER)) == 2 and len(reminders(slack, CLIENT)) == 2
    assert reminders(slack, "U0006") == []
    assert len([c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]) == 1
    early.close()


def _reminder_job(bot: RunningBot) -> str:
    [key] = [j.key for j in bot.run(bot.services.store.jobs.pending()) if j.kind == REMIND
             and j.key.endswith(f":{HIRING_MANAGER}:1")]
    return key


def _left_by_a_dead_instance(bot: RunningBot, key: str, progress: dict[str, bool]) -> None:
    """The reminder job as an instance leaves it when it dies after saving `progress`: its lease run out."""
    jobs = bot.services.store.jobs
    sealed = jobs._seal(progress)
    bot.run(bot.services.store.db.execute(
        "dead", "UPDATE jobs SET holder = 'dead', progress = ?, lease_until = 0, not_before = 0 WHERE key = ?",
        (sealed, key)))


@pytest.mark.limits(work_tick_seconds=0.05, work_lease_seconds=0.5)
@pytest.mark.parametrize(("progress", "posted"), [({"decided": True}, 1), ({"decided": True, "posted": True}, 0)])
def test_a_reminder_decided_before_a_restart_is_posted_once_after_it(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, monkeypatch: pytest.MonkeyPatch,
    progress: dict[str, bool], posted: int,
) -> None:
    """Its moment is days away on the clock (the job waits in the database, not in memory); the instance that
    decided to post it died before (or after) posting. The instance that takes it over posts it once (or not)."""
    Clock(monkeypatch, MONDAY_10_PARIS)
    seed_stage(leonar)
    slack.add_user(HIRING_MANAGER)
    ask(driver, [HIRING_MANAGER])
    driver.settle()
    key = _reminder_job(bot)
    _left_by_a_dead_instance(bot, key, progress)
    assert eventually(lambda: key not in {j.key for j in bot.run(bot.services.store.jobs.pending())})
    driver.settle()
    assert len(reminders(slack, HIRING_MANAGER)) == posted


def test_two_instances_on_one_database_send_each_reminder_once(
    slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances share a PostgreSQL database (and the moved clock): every reminder job is leased to one of them
    at a time, so each reviewer gets each reminder once, and the requester one summary."""
    clock = Clock(monkeypatch, MONDAY_10_PARIS)
    key = Fernet.generate_key().decode()
    limits = Limits(work_tick_seconds=0.05, work_lease_seconds=0.5, feedback_check_seconds=0.05)
    bots = [serve(make_settings(slack, leonar, tmp_path / "unused.db", database_url=postgres_url, encryption_key=key,
                                limits=limits)) for _ in range(2)]
    try:
        seed_stage(leonar)
        slack.add_user(HIRING_MANAGER)
        slack.add_user(CLIENT)
        driver = SlackDriver(bots[0], SIGNING_SECRET, slack)
        ask(driver, [HIRING_MANAGER, CLIENT])
        bots[0].settle()
        clock.to(datetime(2026, 12, 14, 12, 0, tzinfo=NEW_YORK))  # past both reminders and the due date
        assert eventually(lambda: not bots[1].run(bots[1].services.store.jobs.pending()), 20)
        for bot in bots:
            bot.settle()
        assert len(reminders(slack, HIRING_MANAGER)) == 2 and len(reminders(slack, CLIENT)) == 2
        assert len([c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]) == 1
        driver.close()
    finally:
        for bot in bots:
            bot.stop()


@FAST
def test_a_channel_request_is_summed_up_at_the_due_date_with_its_answers(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, MONDAY_10_PARIS)
    _, (jane, omar) = seed_stage(leonar)
    slack.add_user("U0004")
    slack.members["C0TEAM"] = ["U0004"]
    ask(driver, [], channel="C0TEAM")
    driver.settle()
    ts, message = message_in(slack, "C0TEAM")
    member = SlackDriver(bot, SIGNING_SECRET, slack, user_id="U0004")
    for contact in (jane, omar):  # every candidate answered: still the due date, a channel has more members
        click(member, "C0TEAM", ts, "feedback_answer_no", button(message, "feedback_answer_no", contact["id"])["value"])
    looked_again(bot, slack)()
    assert not [c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    clock.to(datetime(2026, 12, 9, 18, 0, tzinfo=PARIS))
    assert slack.wait_until(lambda: [c for c in slack.calls_to("chat.postMessage")
                                     if c.body["channel"] == driver.user_id], 10)
    [summary] = [c.body for c in slack.calls_to("chat.postMessage") if c.body["channel"] == driver.user_id]
    assert summary["text"].endswith("is due. The answers follow.") and "<@U0004>: No" in json.dumps(summary)
    assert reminders(slack, "U0004") == []  # channel members are not reminded one by one
    member.close()
