"""Steps of the feedback flow (issue 19 A) shared by its end-to-end tests: filling the request form, and a person
clicking a button of a message the bot posted (a DM or a channel), as Slack sends it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from bot.views import feedback_modal as modal
from tests.support.bot import RunningBot
from tests.support.driver import SlackDriver, _find, _form
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect

JSON = dict[str, Any]
HIRING_MANAGER, CLIENT = "U0002", "U0003"
T = TypeVar("T")


def seed_stage(leonar: FakeLeonar) -> tuple[JSON, list[JSON]]:
    """A project whose Onsite stage holds two candidates (and its Sourced stage a third)."""
    project = leonar.add_project("Backend Engineer", client_company="Doctolib", location="Paris",
                                 stages=["Sourced", "Onsite", "Offer"])
    jane = leonar.add_contact("Jane", "Doe", title="Staff Engineer", current_company="Qonto",
                              emails=[{"email": "jane@example.com", "type": "work"}])
    omar = leonar.add_contact("Omar", "<Sy>", title="Backend & Infra")
    other = leonar.add_contact("Zed", "Sourced")
    leonar.add_entry(project["id"], jane["id"], stage="Onsite")
    leonar.add_entry(project["id"], omar["id"], stage="Onsite")
    leonar.add_entry(project["id"], other["id"], stage="Sourced")
    return project, [jane, omar]


def pick_users(driver: SlackDriver, action_id: str, users: list[str]) -> None:
    """Pick people in a multi_users_select of an input block (Slack sends nothing until the submit)."""
    view = driver.view()
    block, element = _find(view, action_id)
    assert element["type"] == "multi_users_select"
    driver._remember(view["id"], block["block_id"], action_id, {"type": element["type"], "selected_users": users})


def ask(driver: SlackDriver, reviewers: list[str], *, channel: str | None = None, text: str = "feedback backend",
        question: str | None = None, connected: bool = False) -> httpx.Response:
    """`/leonar-add feedback <project>` (connecting first, unless `connected`), the Onsite stage picked, its two
    candidates left ticked, sent to `reviewers` (and `channel`)."""
    if not connected:
        connect(driver)
    driver.open_modal(text, callback_id="leonar_feedback")
    view = driver.wait_view(lambda v: any(b.get("block_id", "").startswith("feedback_stage_") for b in v["blocks"]))
    _, stages = _find(view, modal.STAGE_ACTION)
    onsite = next(o for o in stages["options"] if o["text"]["text"] == "Onsite")
    driver.select(modal.STAGE_ACTION, onsite)
    driver.wait_view(lambda v: any(b.get("block_id", "").startswith("feedback_candidates") for b in v["blocks"]))
    pick_users(driver, modal.REVIEWERS_ACTION, reviewers)
    if channel:
        driver.select(modal.CHANNEL_ACTION, conversation=channel)
    if question:
        driver.type_text(modal.QUESTION_ACTION, question)
    return driver.submit()


def only_request_id(bot: RunningBot) -> str:
    """The id of the one feedback request the bot holds."""
    [(found,)] = bot.run(bot.services.store.db.all("ids", "SELECT id FROM feedback_requests"))
    return str(found)


def message_in(slack: FakeSlack, channel: str) -> tuple[str, JSON]:
    [(ts, message)] = [(ts, m) for (c, ts), m in slack.messages.items() if c == channel and any(
        str(b.get("block_id", "")).startswith("t0") for b in m.get("blocks", []))]
    return ts, message


def button(message: JSON, action_id: str, contact_id: str) -> JSON:
    return next(e for b in message["blocks"] for e in b.get("elements", []) if e.get("action_id") == action_id
                and f"|{contact_id}|" in e.get("value", ""))


def click(driver: SlackDriver, channel: str, ts: str, action_id: str, value: str) -> httpx.Response:
    """`driver`'s user clicks a button (any value, as a forged request would send) of the bot's message `ts` in
    `channel`, as Slack sends it: block_actions with the message container, a trigger and a response_url."""
    team: JSON = {"id": driver.team_id, "domain": "leonar-test"}
    payload = {"type": "block_actions", "team": team, "is_enterprise_install": False,
               "user": {"id": driver.user_id, "username": driver.user_id.lower(), "team_id": driver.team_id},
               "api_app_id": driver.api_app_id, "token": "verification-token",
               "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
               "trigger_id": driver.slack.issue_trigger(driver.user_id),
               "channel": {"id": channel, "name": "dm"}, "response_url": driver.slack.new_response_url(),
               "message": {"ts": ts, "type": "message"},
               "actions": [{"type": "button", "action_id": action_id, "block_id": "a0", "value": value,
                            "action_ts": f"{time.time():.6f}"}]}
    started = time.monotonic()
    response = driver.http.post(driver.url, content=_form(payload), headers=driver.signed_headers(_form(payload)))
    assert time.monotonic() - started < driver.ack_deadline
    driver.last_response_url = payload["response_url"]
    return response


def eventually(check: Callable[[], T], timeout: float = 10.0) -> T:
    """`check()` once truthy, asked every 20 ms (what it reads, the bot's database, says nothing when it changes);
    its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found
