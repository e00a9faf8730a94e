"""Starting from text: /leonar-add <name | email | LinkedIn URL>, and the "Add to Leonar" message shortcut."""

from __future__ import annotations

from typing import Any

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import block, connect, pick_project


def prefilled(driver: SlackDriver) -> dict[str, Any]:
    view = driver.wait_view(lambda v: any(b.get("block_id") == "contact_prefilled" for b in v["blocks"]))
    return block(view, "contact_prefilled")["element"]["initial_option"]




def test_a_name_matching_one_contact_is_preselected(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    connect(driver)
    driver.open_modal("Bob Stone", callback_id="leonar_add")
    assert prefilled(driver)["text"]["text"] == "Bob Stone — Designer @ Alan"
    pick_project(driver, "zeta", "Zeta")
    assert driver.submit().status_code == 200  # no candidate picked by hand
    assert seeded.entries()[0]["contact"]["last_name"] == "Stone"


def test_a_linkedin_url_finds_its_contact_however_written(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    driver.open_modal("http://linkedin.com/in/Eloise-Martin?utm_source=share", callback_id="leonar_add")
    assert prefilled(driver)["text"]["text"].startswith("Éloïse Martin")


def test_several_matches_seed_the_candidate_menu(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    seeded.add_contact("Bob", "Marley", title="Singer")
    connect(driver)
    view = driver.open_modal("Bob", callback_id="leonar_add")
    assert block(view, "contact")["element"]["min_query_length"] == 0
    options = driver.suggest_options("contact_select", "")  # the menu opened, nothing typed
    assert {o["text"]["text"].split(" — ")[0] for o in options} == {"Bob Stone", "Bob Marley"}
    assert not any(b.get("block_id") == "contact_prefilled" for b in driver.view()["blocks"])


def test_message_shortcut_prefills_and_answers_in_the_thread(
    driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar
) -> None:
    connect(driver)
    opened = len(slack.calls_to("views.open"))
    payload = {"type": "message_action", "callback_id": "add_to_leonar", "team": {"id": "T0001", "domain": "x"},
               "user": {"id": "U0001", "name": "u0001", "team_id": "T0001"}, "channel": {"id": "C0001"},
               "api_app_id": "A0001", "trigger_id": slack.issue_trigger("U0001"), "action_ts": "1.2",
               "response_url": slack.new_response_url(),
               "message": {"type": "message", "user": "U0042", "ts": "1700000000.000100",
                           "text": "Great profile: <https://www.linkedin.com/in/eloise-martin/>"}}
    assert driver.post_payload(payload).status_code == 200
    slack.wait_for("views.open", opened + 1)
    assert prefilled(driver)["text"]["text"].startswith("Éloïse Martin")
    pick_project(driver, "zeta", "Zeta")
    assert driver.submit().status_code == 200
    [card] = slack.wait_for("chat.postMessage")
    assert card.body["channel"] == "C0001" and card.body["thread_ts"] == "1700000000.000100"
