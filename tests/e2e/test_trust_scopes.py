"""Connecting changes nothing in the customer's Leonar: only reads check the key, and a write scope the key
lacks is named at its first use."""

from __future__ import annotations

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project

READER = "leo_reader_key_0001"


def reply(slack: FakeSlack, driver: SlackDriver, timeout: float = 5.0) -> str:
    [post] = driver.hook_posts(timeout)
    return str(post["text"])


def test_connect_and_status_send_no_write_to_leonar(driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar) -> None:
    connect(driver)
    assert driver.last_errors is None
    driver.command("status")
    text = reply(slack, driver)
    writes = [(r.method, r.path) for r in leonar.requests
              if r.method != "GET" and (r.method, r.path) != ("POST", "/contacts/search")]
    assert writes == []
    assert leonar.count("POST", "/contacts/search") == 2  # a read sent as a POST, documented as such
    assert "read scopes suffice (projects:read, contacts:read)" in text
    assert "Not checked, since checking would change data in Leonar: pipeline:write, notes:write, contacts:write" \
        in text


def test_a_key_lacking_a_write_scope_is_told_so_at_the_first_add(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    seeded.add_key(READER, scopes={"projects:read", "contacts:read", "pipeline:read"})
    connect(driver, READER)
    assert driver.last_errors is None  # nothing could show the missing pipeline:write without writing
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "bob")
    assert driver.submit().status_code == 200
    assert driver.last_errors is not None
    [message] = driver.last_errors.values()
    assert message.startswith("The Leonar API key lacks the pipeline:write scope, which this needs.")
    assert seeded.entries() == [] and not slack.calls_to("chat.postMessage")
