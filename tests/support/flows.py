"""Steps of the /leonar-add flow shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any

from bot.leonar.client import NIL_UUID
from tests.support.bot import LEONAR_KEY
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

JSON = dict[str, Any]


def entry_posts(leonar: FakeLeonar) -> list[Any]:
    """POSTs that add an entry (not the connect-time scope probe on a project that cannot exist)."""
    return [r for r in leonar.requests
            if r.method == "POST" and r.path.endswith("/entries") and NIL_UUID not in r.path]


def labels(view: JSON) -> list[str]:
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


def block(view: JSON, prefix: str) -> JSON:
    return next(b for b in view["blocks"] if b.get("block_id", "").startswith(prefix))


def has_stage_menu(view: JSON) -> bool:
    return any(b.get("element", {}).get("action_id") == "stage_select" for b in view["blocks"])


def connect(driver: SlackDriver, key: str = LEONAR_KEY) -> None:
    driver.command()
    view = driver.wait_view(lambda v: v["callback_id"] == "leonar_connect")
    assert [b["element"]["type"] for b in view["blocks"] if b["type"] == "input"] == ["plain_text_input"]
    driver.type_text("api_key_input", key)
    response = driver.submit()
    assert response.status_code == 200, response.text
    if not isinstance(driver.app, str):
        driver.settle()  # what the connection set off (the Home published again) is over before the test goes on


def pick_project(driver: SlackDriver, query: str, name: str) -> JSON:
    options = driver.suggest_options("project_select", query)
    option = next(o for o in options if o["text"]["text"].startswith(name))
    driver.select("project_select", option)
    return driver.wait_view(has_stage_menu)


def pick_contact(driver: SlackDriver, query: str) -> JSON:
    options = driver.suggest_options("contact_select", query)
    driver.select("contact_select", options[0])
    return options[0]


def ready_to_submit(driver: SlackDriver) -> None:
    """Connected, with a project (Zeta Platform Lead) and a candidate (Bob Stone) picked."""
    connect(driver)
    pick_project(driver, "zeta", "Zeta")
    pick_contact(driver, "bob")


def follow_modal(driver: SlackDriver, text: str = "follow", *, channel_id: str | None = None) -> JSON:
    """Run `/leonar-add follow…` (in `channel_id`) and return the follow modal it opened."""
    before = len(driver.slack.calls_to("views.open"))
    assert driver.command(text, channel_id=channel_id).status_code == 200
    call = driver.slack.wait_for("views.open", before + 1)[before]
    assert call.response["ok"], call.response
    view_id = call.response["view"]["id"]
    return driver.wait_view(lambda v: v["id"] == view_id and v["callback_id"] == "leonar_follow")


def posts_in(slack: FakeSlack, channel: str) -> list[JSON]:
    return [c.body for c in slack.calls_to("chat.postMessage") if c.body.get("channel") == channel
            and c.response and c.response.get("ok")]

