"""Steps of the Save to Leonar flow shared by the end-to-end tests: the message shortcut as Slack sends it, the
form's candidate menu."""

from __future__ import annotations

from typing import Any

from tests.support.driver import SlackDriver

JSON = dict[str, Any]
REPLIES_OPTION = {"text": {"type": "plain_text", "text": "Include the thread's replies", "emoji": True},
                  "value": "replies"}
CHANNEL = "C0001"


def save_shortcut(driver: SlackDriver, message: JSON) -> JSON:
    """The saver picks "Save to Leonar" on `message` where it was posted; the form it opened (as Slack shows it, once
    the bot is done)."""
    slack = driver.slack
    channel = next(c for c, kept in slack.messages.by_channel.items() if any(m["ts"] == message["ts"] for m in kept))
    opened = len(slack.calls_to("views.open"))
    payload = {"type": "message_action", "callback_id": "save_to_leonar",
               "team": {"id": driver.team_id, "domain": "leonar-test"},
               "user": {"id": driver.user_id, "name": driver.user_id.lower(), "team_id": driver.team_id},
               "channel": {"id": channel, "name": "recruiting"}, "api_app_id": driver.api_app_id,
               "trigger_id": slack.issue_trigger(driver.user_id), "action_ts": "1.2", "message_ts": message["ts"],
               "response_url": slack.new_response_url(), "message": message, "token": "verification-token"}
    assert driver.post_payload(payload).status_code == 200
    [call] = slack.wait_for("views.open", opened + 1)[opened:]
    assert call.response["ok"], call.response
    driver.settle()  # the form filled in (link back, candidate) or left as opened
    view = driver.view()
    assert view["id"] == call.response["view"]["id"] and view["callback_id"] == "leonar_save"
    return view


def pick(driver: SlackDriver, query: str) -> JSON:
    options = driver.suggest_options("save_contact_select", query)
    driver.select("save_contact_select", options[0])
    return options[0]


def candidate_block(view: JSON) -> JSON:
    return next(b for b in view["blocks"] if b.get("element", {}).get("action_id") == "save_contact_select")


def note_block(view: JSON) -> JSON:
    return next(b for b in view["blocks"] if b.get("block_id") == "save_note")
