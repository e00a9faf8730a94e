"""Issue 20 A: `/leonar-add find` against the fakes — found (with where they stand), nothing found, a LinkedIn
URL, emails and phones only where cards show them, Share in channel (a shared channel refused, a forged press
refused), Leonar down or rate-limited said plainly, and at most 5 Leonar requests per find."""

from __future__ import annotations

import json
from typing import Any

from bot.views.card import LINKEDIN_ACTION
from bot.views.feedback import ASK_ACTION
from bot.views.find import ADD_ACTION, SHARE_ACTION
from tests.e2e.test_shared_channels import SHARED, add, allow
from tests.support.bot import LEONAR_KEY, RunningBot
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, posts_in
from tests.support.follows import HERE
from tests.support.slack_schema import message_problem

JSON = dict[str, Any]


def find(driver: SlackDriver, text: str, *, channel_id: str | None = None) -> JSON:
    response = driver.command(f"find {text}", channel_id=channel_id)
    assert response.status_code == 200
    [answer] = driver.hook_posts()
    assert answer["response_type"] == "ephemeral"
    assert message_problem({k: answer[k] for k in ("text", "blocks")}) is None
    return answer


def test_found_with_where_they_stand_and_buttons(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    zeta = next(p for p in seeded.projects() if p["name"] == "Zeta Platform Lead")
    eloise = next(c for c in seeded.contacts() if c["first_name"] == "Éloïse")
    connect(driver)
    driver.open_modal()
    add(driver, driver.channel_id, "stone")  # Bob added from Slack: a recent add, and Zeta the user's last project
    driver.settle()
    seeded.add_entry(zeta["id"], eloise["id"], stage="Onsite")  # Éloïse added in Leonar: the look-up finds her
    before = len(seeded.requests)
    answer = find(driver, "Martin")
    text = json.dumps(answer, ensure_ascii=False)
    assert "Éloïse Martin" in text and "Zeta Platform Lead" in text and "Onsite" in text
    assert "eloise@example.com" not in text and "+33 6" not in text  # cards show none by default
    actions = {e["action_id"] for b in answer["blocks"] for e in [*b.get("elements", []), b.get("accessory") or {}]
               if isinstance(e, dict) and "action_id" in e}
    assert {ADD_ACTION, SHARE_ACTION, ASK_ACTION, LINKEDIN_ACTION} <= actions  # Open in Leonar: once a slug is known
    assert len(seeded.requests) - before <= 5
    bob = json.dumps(find(driver, "Stone"), ensure_ascii=False)
    assert "Bob Stone" in bob and "Zeta Platform Lead" in bob and "since" in bob
    assert bob.count("*Zeta Platform Lead* —") == 1  # known from his add: told once, not looked up again
    assert not slack.problems


def test_nothing_found_says_what_was_searched_and_a_hint(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    answer = find(driver, "Nobody Atall")
    assert "Nobody Atall" in answer["text"] and "LinkedIn URL" in answer["text"]
    answer = find(driver, "https://www.linkedin.com/in/nobody-here")
    assert "LinkedIn profile" in answer["text"]


def test_a_linkedin_url_finds_the_profile(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    answer = find(driver, "<https://linkedin.com/in/eloise-martin/>")
    assert "Éloïse Martin" in json.dumps(answer, ensure_ascii=False)


def test_emails_and_phones_only_where_cards_show_them(driver: SlackDriver, slack: FakeSlack,
                                                       seeded: FakeLeonar) -> None:
    connect(driver)
    allow(driver, slack, "home_show_details")
    assert "eloise@example.com" in json.dumps(find(driver, "Martin"))
    slack.ext_shared_channels.add(SHARED)
    assert "eloise@example.com" not in json.dumps(find(driver, "Martin", channel_id=SHARED))


def test_share_in_channel_posts_for_everyone_attributed_never_in_a_shared_channel(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    allow(driver, slack, "home_show_details")
    answer = find(driver, "Martin")
    driver.press(answer, SHARE_ACTION)
    driver.settle()
    [card] = posts_in(slack, driver.channel_id)
    [told] = driver.hook_posts()
    assert told["text"] == "Shared in this conversation, for everyone in it." and told["replace_original"] is False
    text = json.dumps(card, ensure_ascii=False)
    assert "Éloïse Martin" in text and f"<@{driver.user_id}>" in text and "eloise@example.com" in text
    assert message_problem({k: card[k] for k in ("text", "blocks")}) is None

    slack.ext_shared_channels.add(SHARED)
    answer = find(driver, "Martin", channel_id=SHARED)
    driver.press(answer, SHARE_ACTION, channel_id=SHARED)
    [refused] = driver.hook_posts()
    assert "shared with another organisation" in refused["text"] and posts_in(slack, SHARED) == []


def test_a_forged_share_from_another_user_or_workspace_is_refused(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    answer = find(driver, "Martin")
    value = next(e["value"] for b in answer["blocks"] for e in b.get("elements", [])
                 if e.get("action_id") == SHARE_ACTION)
    other = SlackDriver(driver.app, driver.signing_secret, slack, user_id="U0OTHER")
    try:
        other.press(answer, SHARE_ACTION, value=value)
        [refused] = other.hook_posts()
        assert "Only the person who asked" in refused["text"]
        _, user, contact = value.split("|")
        driver.press(answer, SHARE_ACTION, value=f"T0ELSE|{user}|{contact}")
        [refused] = driver.hook_posts()
        assert "Only the person who asked" in refused["text"]
    finally:
        other.close()
    driver.settle()
    assert posts_in(slack, driver.channel_id) == []


def test_leonar_down_is_said(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    seeded.inject("POST", r".*/contacts/search", status=503, times=10)
    assert "Leonar is not answering" in find(driver, "Stone")["text"]


def test_leonar_rate_limited_is_said(driver: SlackDriver, seeded: FakeLeonar) -> None:
    connect(driver)
    seeded.exhaust_rate_limit(LEONAR_KEY)
    answer = find(driver, "Designer Bob")
    assert "minute" in answer["text"] or "limit" in answer["text"].lower()


def test_add_to_a_project_opens_the_add_form_with_the_candidate(driver: SlackDriver, slack: FakeSlack,
                                                                seeded: FakeLeonar) -> None:
    connect(driver)
    answer = find(driver, "Stone")
    driver.press(answer, ADD_ACTION)
    view = driver.wait_view(lambda v: v["callback_id"] == "leonar_add" and "Bob Stone" in json.dumps(v))
    assert view["callback_id"] == "leonar_add"


def test_at_most_five_leonar_requests_and_says_when_it_could_not_check_everything(
    bot: RunningBot, driver: SlackDriver, seeded: FakeLeonar
) -> None:
    # Five Martins and a last project: a search, two read whole, then five look-ups wanted, two allowed.
    for first in ("Ana", "Bea", "Cy", "Dan"):
        seeded.add_contact(first, "Martin", title="SRE")
    zeta = next(p for p in seeded.projects() if p["name"] == "Zeta Platform Lead")
    connect(driver)
    bot.run(bot.services.store.workspaces.remember_project(HERE, driver.user_id, zeta["id"], zeta["name"]))
    before = len(seeded.requests)
    answer = find(driver, "Martin")
    driver.settle()
    asked = [f"{r.method} {r.path}" for r in seeded.requests[before:]]
    assert len(asked) == 5 and sum("/entries" in a for a in asked) == 2, asked
    text = json.dumps(answer, ensure_ascii=False)
    assert text.count("could not check them all") + text.count("could not check their projects") == 3
