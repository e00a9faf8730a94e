"""A candidate already in the project: the user is told where, and no second entry is made."""

from __future__ import annotations

import pytest

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project

EMPTY_PAGE = b'{"data": [], "meta": {"total": 0, "limit": 100, "offset": 0, "has_more": false}}'


@pytest.mark.parametrize("mode", ["conflict", "validation", "existing"])
@pytest.mark.parametrize("precheck_misses", [False, True], ids=["found first", "leonar says"])
def test_already_in_project_at_stage(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, mode: str, precheck_misses: bool
) -> None:
    seeded.duplicate_mode = mode
    connect(driver)
    view = pick_project(driver, "zeta", "Zeta")
    onsite = next(o for b in view["blocks"] if b.get("element", {}).get("action_id") == "stage_select"
                  for o in b["element"]["options"] if o["text"]["text"] == "Onsite")
    driver.select("stage_select", onsite)
    pick_contact(driver, "bob")
    assert driver.submit().status_code == 200 and driver.last_errors is None
    slack.wait_for("chat.postMessage")  # the first add's card, posted after the submit was answered
    seeded.backdate_entries(3600)  # added an hour ago, by someone else in Leonar

    driver.open_modal(callback_id="leonar_add")
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "bob")
    if precheck_misses:
        seeded.inject("GET", r"/projects/[^/]+/entries", raw_body=EMPTY_PAGE, status=200)
    assert driver.submit().status_code == 200
    assert driver.last_errors == {"contact": "Bob Stone is already in Zeta Platform Lead at Onsite."}
    assert len(seeded.entries()) == 1
    assert len(slack.calls_to("chat.postMessage")) == 1  # only the first add's card
