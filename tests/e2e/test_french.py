"""A French user's whole flow is French: modals, menus, card and help."""

from __future__ import annotations

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.flows import connect, pick_contact, pick_project


def test_a_french_user_gets_french_modals_and_card(driver: SlackDriver, slack: FakeSlack, seeded: FakeLeonar) -> None:
    slack.users["U0001"]["locale"] = "fr-FR"
    connect(driver)
    view = driver.wait_view(lambda v: v["callback_id"] == "leonar_add")
    assert view["title"]["text"] == "Ajouter à Leonar" and "Leonar est connecté" in str(view["blocks"])
    pick_project(driver, "zeta", "Zeta")
    [notice] = driver.suggest_options("contact_select", "zzzz")
    assert notice["text"]["text"] == "Créer « zzzz »"  # nobody matches: offered to create
    pick_contact(driver, "bob")
    assert driver.submit().status_code == 200
    [card] = slack.wait_for("chat.postMessage")
    assert "Ajouté par <@U0001> via /leonar-add" in str(card.body["blocks"]) and "ajouté à" in card.body["text"]
    assert driver.command("help").json()["text"].startswith("*/leonar-add* ouvre un formulaire")
