"""Nobody matches: create the candidate from the add modal, and come back with them selected."""

from __future__ import annotations

from typing import Any

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import block, connect, pick_project


def open_creation(driver: SlackDriver, seeded: FakeLeonar) -> dict[str, Any]:
    connect(driver)
    pick_project(driver, "zeta", "Zeta")
    [create] = driver.suggest_options("contact_select", "Zed Quinn")
    assert create["text"]["text"] == "Create “Zed Quinn”"
    driver.select("contact_select", create)
    return driver.wait_view(lambda v: v["callback_id"] == "leonar_create_contact")


def test_create_then_add(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    form = open_creation(driver, seeded)
    assert block(form, "first_name")["element"]["initial_value"] == "Zed"
    assert block(form, "last_name")["element"]["initial_value"] == "Quinn"
    driver.type_text("title", "Platform Engineer")
    driver.type_text("email", "zed@example.com")
    assert driver.submit().status_code == 200 and driver.last_errors is None
    view = driver.wait_view(lambda v: any(b.get("block_id") == "contact_created" for b in v["blocks"]))
    assert view["callback_id"] == "leonar_add"
    chosen = block(view, "contact_created")["element"]["initial_option"]
    assert chosen["text"]["text"] == "Zed Quinn — Platform Engineer"
    assert block(view, "project")["element"]["initial_option"]["text"]["text"].startswith("Zeta")
    assert driver.submit().status_code == 200
    [created] = [r for r in seeded.requests
                 if r.method == "POST" and r.path == "/contacts" and r.json.get("first_name")]
    assert created.json == {"first_name": "Zed", "last_name": "Quinn", "title": "Platform Engineer",
                            "email": "zed@example.com"}
    [entry] = seeded.entries()
    assert entry["contact"]["first_name"] == "Zed" and entry["contact"]["id"] == chosen["value"]


def test_leonar_validation_errors_show_on_their_field(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    open_creation(driver, seeded)
    seeded.inject("POST", "/contacts", status=400, code="validation_error", message="email: Invalid email format")
    driver.type_text("email", "zed@nowhere")
    driver.submit()
    assert driver.last_errors is not None and list(driver.last_errors) == ["email"]
    assert "Invalid email format" in driver.last_errors["email"]
    assert driver.view()["callback_id"] == "leonar_create_contact"  # still on the form


def test_create_option_cannot_be_submitted_as_a_candidate(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    pick_project(driver, "zeta", "Zeta")
    slack.fail("views.push", "push_limit_reached")
    [create] = driver.suggest_options("contact_select", "Zed Quinn")
    driver.select("contact_select", create)
    slack.wait_for("views.push")
    driver.submit()
    assert driver.last_errors == {"contact": "Pick a candidate."} and seeded.entries() == []
