"""Issue 20 B: `/leonar-add pipeline <project>` against the fakes — a project resolved (case and accents ignored),
several matching (choices), none (the closest names), the waiting longest with lower bounds from what the poller
saw, Share in channel (only who asked), Leonar down."""

from __future__ import annotations

import json
from typing import Any

from bot.activity.events import Seen
from bot.activity.follow import Follow
from bot.activity.pulse import DEFAULT_MIN_DAYS
from bot.store.poll_state import PollResult
from bot.views.find import PICK_ACTION
from bot.views.pulse import SHARE_ACTION
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, posts_in
from tests.support.follows import HERE
from tests.support.slack_schema import message_problem

JSON = dict[str, Any]
DAY = 86400


def pipeline(driver: SlackDriver, text: str) -> JSON:
    assert driver.command(f"pipeline {text}").status_code == 200
    [answer] = driver.hook_posts()
    assert answer["response_type"] == "ephemeral"
    assert message_problem({k: answer[k] for k in ("text", "blocks")}) is None
    return answer


def test_resolved_with_counts_and_the_waiting_longest_with_lower_bounds(
    bot: RunningBot, driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    zeta = next(p for p in seeded.projects() if p["name"] == "Zeta Platform Lead")
    people = [seeded.add_contact(first, "Durand") for first in ("Anna", "Basile", "Chloé")]
    entries = [seeded.add_entry(zeta["id"], c["id"], stage=stage)
               for c, stage in zip(people, ("Sourced", "Call", "Onsite"), strict=True)]
    seeded.spread_entries(10 * DAY)  # Anna 30 days ago, Basile 20, Chloé 10
    # The poller saw them as they are now (its snapshot), then Basile was rated in Leonar without moving.
    snapshot = {e["id"]: (e["stage"]["id"], e["updated_at"], e["contact"]["id"]) for e in seeded.entries(zeta["id"])}
    _polled(bot, zeta, snapshot)
    seeded.touch_entry(entries[1]["id"])
    connect(driver)
    answer = pipeline(driver, "ZETA platform lead")
    text = json.dumps(answer, ensure_ascii=False)
    assert "Zeta Platform Lead" in text and "3 candidates" in text
    sections = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    waiting = next(s for s in sections if "Waiting longest" in s)
    assert f"({DEFAULT_MIN_DAYS} days or more)" in waiting
    lines = waiting.splitlines()[1:]
    assert len(lines) == 2 and "Anna Durand" in lines[0] and "30 days (since" in lines[0]
    assert "Basile Durand" in lines[1] and "at least 20 days" in lines[1] and "Chloé" not in waiting
    assert not slack.problems


def _polled(bot: RunningBot, project: JSON, snapshot: dict[str, tuple[str, str, str]]) -> None:
    """The project followed and polled once, as the poller stores it (bot/store/follows.py)."""
    follows = bot.services.store.follows
    bot.run(follows.add_follow(HERE, Follow("", "C0FOLLOW", project["id"], project["name"], "U0001")))
    assert bot.run(follows.lease(HERE, project["id"], "test", 60))
    seen = {k: Seen(*v) for k, v in snapshot.items()}
    assert bot.run(follows.save_poll(HERE, project["id"], "test", PollResult(seen, None, 1e12)))


def test_ambiguous_gives_choices_and_unknown_the_closest(driver: SlackDriver, seeded: FakeLeonar) -> None:
    seeded.add_project("Data Engineer", location="Lyon")  # the same name, as the Workflow Builder step resolves it
    seeded.add_project("Data Engineér", location="Lille")
    connect(driver)
    answer = pipeline(driver, "DATA engineer")
    assert "Several projects match" in answer["text"]
    buttons = [e for b in answer["blocks"] for e in b.get("elements", []) if e.get("action_id", "").startswith(
        PICK_ACTION)]
    assert sorted(b["text"]["text"] for b in buttons) == ["Data Engineer", "Data Engineér"]
    driver.press(answer, buttons[0]["action_id"], value=buttons[0]["value"])
    [picked] = driver.hook_posts()
    assert buttons[0]["text"]["text"] in json.dumps(picked, ensure_ascii=False)
    closest = pipeline(driver, "Zeta Platfrm Lead")
    assert "No active project" in closest["text"] and "Zeta Platform Lead" in json.dumps(closest, ensure_ascii=False)


def test_share_in_channel_only_by_who_asked(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    connect(driver)
    answer = pipeline(driver, "zeta platform lead")
    other = SlackDriver(driver.app, driver.signing_secret, slack, user_id="U0OTHER")
    try:
        other.press(answer, SHARE_ACTION)
        [refused] = other.hook_posts()
        assert "Only the person who asked" in refused["text"]
    finally:
        other.close()
    driver.settle()
    assert posts_in(slack, driver.channel_id) == []
    driver.press(answer, SHARE_ACTION)
    driver.settle()
    [shared] = posts_in(slack, driver.channel_id)
    assert "Zeta Platform Lead" in json.dumps(shared) and f"<@{driver.user_id}>" in json.dumps(shared)
    assert SHARE_ACTION not in json.dumps(shared)


def test_a_share_leonar_cannot_answer_is_said_to_the_presser_and_posts_nothing(
        driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    connect(driver)
    answer = pipeline(driver, "zeta platform lead")
    seeded.inject("GET", r".*/projects.*", status=503, times=20)
    driver.press(answer, SHARE_ACTION)
    [told] = driver.hook_posts()
    driver.settle()
    assert "Leonar is not answering" in json.dumps(told) and posts_in(slack, driver.channel_id) == []


def test_leonar_down_is_said(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    seeded.inject("GET", r".*/projects.*", status=503, times=20)
    assert "Leonar is not answering" in pipeline(driver, "zeta")["text"]


def test_a_pulse_is_not_shared_where_cards_may_not_go(driver: SlackDriver, slack: FakeSlack,
                                                       seeded: FakeLeonar) -> None:
    slack.ext_shared_channels.add("C0SHARED")
    connect(driver)
    assert driver.command("pipeline zeta platform lead", channel_id="C0SHARED").status_code == 200
    [answer] = driver.hook_posts()
    driver.press(answer, SHARE_ACTION, channel_id="C0SHARED")
    [refused] = driver.hook_posts()
    assert "shared with another organisation" in refused["text"] and posts_in(slack, "C0SHARED") == []
