"""The duplicate guard holds on big projects, against a Leonar that ignores the (undocumented) `contact_id`
filter of a project's entries and would add the same contact twice."""

from __future__ import annotations

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project

ENTRIES = r"/projects/[^/]+/entries"


def test_a_candidate_deep_in_a_150_entry_project_is_not_added_twice(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    seeded.ignore_undocumented_filters = True
    seeded.duplicate_mode = "allow"
    big = seeded.add_project("Big Platform Hiring")
    for n in range(150):  # the candidate is the 121st entry: on the second page
        person = seeded.add_contact("Grace", "Hopper") if n == 120 else seeded.add_contact(f"Filler{n:03d}")
        seeded.add_entry(big["id"], person["id"])

    connect(driver)
    pick_project(driver, "big platform", "Big Platform Hiring")
    pick_contact(driver, "grace")
    assert driver.submit().status_code == 200
    assert driver.last_errors == {"contact": "Grace Hopper is already in Big Platform Hiring at Sourced."}
    assert len(seeded.entries(big["id"])) == 150 and seeded.count("POST", ENTRIES) == 0
    assert not slack.calls_to("chat.postMessage")
