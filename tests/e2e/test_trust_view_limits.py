"""Views at Slack's limits, over HTTP against the fake Slack, which refuses a view beyond them as Slack does."""

from __future__ import annotations

from typing import Any

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import block, connect, pick_project

ROCKET = "🚀"


def create_from_the_menu(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar, project: str, query: str
) -> dict[str, Any]:
    seeded.add_project(project)
    connect(driver)
    pick_project(driver, project[:10], project[:10])
    [create] = driver.suggest_options("contact_select", query)
    driver.select("contact_select", create)
    form = driver.wait_view(lambda v: v["callback_id"] == "leonar_create_contact")
    assert [c.response["ok"] for c in slack.calls_to("views.push")] == [True] and slack.problems == []
    return form


def test_an_emoji_project_then_create_still_pushes_the_form_and_comes_back(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    # Serialised with \\uXXXX escapes and nested once more in the form's metadata, 118 of them overflowed with
    # Slack's response_url (130 here, where the fake's response_url is shorter).
    create_from_the_menu(driver, slack, seeded, ROCKET * 130, "Zed Quinn")
    assert driver.submit().status_code == 200 and driver.last_errors is None
    back = driver.wait_view(lambda v: any(b.get("block_id") == "contact_created" for b in v["blocks"]))
    assert block(back, "project")["element"]["initial_option"]["text"]["text"].startswith(ROCKET)


def test_a_search_text_longer_than_the_name_field_still_pushes_the_form(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    form = create_from_the_menu(driver, slack, seeded, "Zeta Platform Lead", "Zed" + "q" * 137)
    assert len(block(form, "first_name")["element"]["initial_value"]) == 100
