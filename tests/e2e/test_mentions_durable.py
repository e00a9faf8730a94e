"""An @Leonar add's **Add** press against `kill -9`: the press is recorded as a job (bot/durable) before Slack is
told it arrived, so the real `python -m bot` process killed (SIGKILL: no drain, no lease given back) while the press
is in flight leaves it to the restarted process on the same SQLite file, which makes the add once and posts the card
in the request's thread once.

Two moments of death: while the card's chat.postMessage is held before it reaches Slack (the entry made and saved
as the job's step), and while Leonar holds the entry's POST (Leonar makes the entry after the bot died: the restarted
bot recognises it as the press's own, not "already in"). Waiting is on the fakes' records and on the bot's database
(the job finished), never on a fixed sleep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.i18n import t
from bot.slack.mention_press import KIND
from bot.store import StoreUnavailable
from bot.views.mentions import ADD_ACTION
from tests.e2e.test_voice_killed import HELD_AT_LEONAR, LEASE, SETTLED, HeldCall, running
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect
from tests.support.mentions import answers, mention, press
from tests.support.tryout import BOT_TOKEN, DEMO_KEY, SIGNING_SECRET

JSON = dict[str, Any]
ENTRIES = r"/projects/[^/]+/entries"
THREAD = "1700000000.000100"  # the thread the request was asked in: the confirmation and the card go there


def _world(slack: FakeSlack, leonar: FakeLeonar) -> tuple[JSON, JSON]:
    seed_demo(leonar, DEMO_KEY, projects=3)
    slack.add_user("U0001", admin=True)
    project = leonar.add_project("Durable Mentions", stages=["Sourced", "Call", "Onsite"])
    contact = leonar.add_contact("Mirela", "Dunstan", title="Platform Engineer")
    return project, contact


def _confirmation(driver: SlackDriver) -> JSON:
    """@Leonar asked to add Mirela in the thread; the confirmation the bot answered with, its Add not pressed yet."""
    driver.slack.add_channel(driver.channel_id, member=True)
    mention(driver, "add Mirela Dunstan to Durable Mentions at Call", thread_ts=THREAD)
    in_thread = driver.slack.wait_until(lambda: [a for a in answers(driver) if a.get("thread_ts") == THREAD], 15)
    assert in_thread, "no confirmation"
    [answer] = in_thread
    assert ADD_ACTION in str(answer["blocks"])
    return answer


def _cards(driver: SlackDriver, confirmation: JSON) -> list[JSON]:
    return [a for a in answers(driver) if a.get("thread_ts") == THREAD and a["_ts"] != confirmation["_ts"]]


@pytest.mark.slow
def test_add_pressed_then_killed_while_the_card_is_held_posts_it_once_after_the_restart(tmp_path: Path) -> None:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        project, contact = _world(slack, leonar)
        with running(slack, leonar, tmp_path) as bot:
            driver = SlackDriver(bot.url, SIGNING_SECRET, slack)
            connect(driver, DEMO_KEY)
            confirmation = _confirmation(driver)
            # The card's post, in the thread, never reaches Slack: the bot dies waiting for it.
            held = HeldCall(slack, "chat.postMessage", lambda body: body.get("thread_ts") == THREAD, made=False)
            assert press(driver, confirmation, ADD_ACTION).status_code == 200
            held.wait()
            assert len(leonar.entries(project["id"])) == 1  # the add was made before the kill
            bot.kill()
            held.release()
            assert _cards(driver, confirmation) == []

            bot.start()
            [(state, attempts)] = bot.finished(f"{KIND}:%")
            assert state == "done" and attempts >= 2  # resumed by the restarted process
            cards = _cards(driver, confirmation)
        driver.close()
        log = bot.log()  # both processes' output, the second stopped
    [entry] = leonar.entries(project["id"])  # one entry: the one made before the kill, not made again
    assert entry["contact"]["id"] == contact["id"] and entry["stage"]["name"] == "Call"
    [card] = cards
    assert card["channel"] == driver.channel_id and "Mirela Dunstan" in card["text"]
    [told] = slack.hook_posts(driver.last_response_url)  # told before the kill, not again
    assert told["replace_original"] is True and "was added to *Durable Mentions*" in told["text"]
    assert "Traceback" not in log, log


@pytest.mark.slow
def test_add_pressed_then_killed_while_leonar_holds_the_entry_lands_once_as_its_own(tmp_path: Path) -> None:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar:
        project, contact = _world(slack, leonar)
        with running(slack, leonar, tmp_path) as bot:
            driver = SlackDriver(bot.url, SIGNING_SECRET, slack)
            connect(driver, DEMO_KEY)
            confirmation = _confirmation(driver)
            # Leonar holds the entry's POST, then makes the entry (it received it) after the bot has died.
            leonar.inject("POST", ENTRIES, delay=HELD_AT_LEONAR)
            assert press(driver, confirmation, ADD_ACTION).status_code == 200
            assert leonar.wait_until(lambda: leonar.count("POST", ENTRIES) >= 1, 10), "the add never reached Leonar"
            bot.kill()
            assert leonar.wait_until(lambda: leonar.entries(project["id"]), HELD_AT_LEONAR + 5), "Leonar made none"
            assert _cards(driver, confirmation) == []

            bot.start()
            [(state, attempts)] = bot.finished(f"{KIND}:%", SETTLED + LEASE)
            assert state == "done" and attempts >= 2
            cards = _cards(driver, confirmation)
        driver.close()
        log = bot.log()  # both processes' output, the second stopped
    [entry] = leonar.entries(project["id"])
    assert entry["contact"]["id"] == contact["id"]
    [card] = cards
    assert card["channel"] == driver.channel_id and "Mirela Dunstan" in card["text"]
    [told] = slack.hook_posts(driver.last_response_url)  # its own add, recognised: not "already in"
    assert told["replace_original"] is True and "was added to *Durable Mentions*" in told["text"]
    assert "Traceback" not in log, log


def test_add_pressed_while_the_database_is_down_adds_nothing_and_says_so_and_a_later_press_adds_once(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is done that was not recorded first: the asker is told, privately, and presses again later."""
    project = leonar.add_project("Durable Mentions", stages=["Sourced", "Call"])
    leonar.add_contact("Mirela", "Dunstan", title="Platform Engineer")
    connect(driver)
    driver.slack.add_channel(driver.channel_id, member=True)
    mention(driver, "add Mirela Dunstan to Durable Mentions", thread_ts=THREAD)
    driver.settle()
    [confirmation] = answers(driver)

    async def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("the database does not answer (test)")

    with monkeypatch.context() as patched:
        patched.setattr(bot.services.store.jobs, "accept", down)
        assert press(driver, confirmation, ADD_ACTION).status_code == 200
        driver.settle()
    [said] = slack.hook_posts(driver.last_response_url)
    assert said["response_type"] == "ephemeral" and said["text"] == t("en", "access.store_down")
    assert leonar.entries(project["id"]) == [] and _cards(driver, confirmation) == []

    assert press(driver, confirmation, ADD_ACTION).status_code == 200
    driver.settle()
    assert len(leonar.entries(project["id"])) == 1 and len(_cards(driver, confirmation)) == 1
