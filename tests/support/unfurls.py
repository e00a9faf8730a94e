"""Driving link unfurls: a user posts Leonar links (Slack sends the bot a signed `link_shared` event), and clicks a
button of the unfurl the bot attached (a `block_actions` from a `message_attachment` container)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.driver import SlackDriver, _form
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack_unfurls import SharedMessage, share

JSON = dict[str, Any]
APP = "https://app.leonar.app/dashboard"
UNKNOWN = "00000000-0000-4000-8000-000000000000"  # a well-formed id of nothing


def post_links(driver: SlackDriver, urls: list[str], *, user_id: str | None = None, channel: str | None = None,
               source: str = "conversations_history", ext_shared: bool = False, bot_member: bool = True,
               team_id: str | None = None, event_id: str | None = None) -> tuple[SharedMessage, JSON]:
    """Post a message with `urls` (or type them in the composer) and deliver Slack's `link_shared` event; returns
    the message and the event body."""
    message = share(driver.slack, urls, channel=channel or driver.channel_id, source=source)
    event: JSON = {"type": "link_shared", "channel": message.channel, "is_bot_user_member": bot_member,
                   "user": user_id or driver.user_id, "message_ts": message.ts, "unfurl_id": message.unfurl_id,
                   "source": source, "links": [{"domain": _domain(u), "url": u} for u in urls],
                   "user_locale": "en-US", "event_ts": f"{time.time():.6f}"}
    body = {"token": "x", "team_id": team_id or driver.team_id, "api_app_id": driver.api_app_id,
            "type": "event_callback", "event_id": event_id or f"Ev{time.time_ns()}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": driver.team_id, "user_id": driver.slack.bot_user_id,
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": ext_shared, "event": event}
    raw = json.dumps(body).encode()
    response = driver.http.post(driver.url, content=raw,
                                headers=driver.signed_headers(raw) | {"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    return message, body


def unfurl_calls(driver: SlackDriver) -> list[JSON]:
    """The classic unfurls the bot sent (`unfurls` blocks): its Work Object attempts are `work_object_calls`."""
    return [c.body for c in driver.slack.calls_to("chat.unfurl") if "metadata" not in c.body]


def work_object_calls(driver: SlackDriver) -> list[JSON]:
    return [c.body for c in driver.slack.calls_to("chat.unfurl") if "metadata" in c.body]


def wait_unfurl(driver: SlackDriver, message: SharedMessage, url: str, timeout: float = 5.0) -> JSON:
    if driver.slack.wait_until(lambda: url in message.unfurls, timeout):
        return message.unfurls[url]
    raise AssertionError(f"{url} not unfurled; chat.unfurl calls: {unfurl_calls(driver)}; "
                         f"problems: {driver.slack.problems}")


def click(driver: SlackDriver, message: SharedMessage, url: str, action_id: str, *,
          value: str | None = None) -> Any:
    """Click the button `action_id` in the unfurl of `url`, as Slack sends it (research slack-platform-2 §2.5)."""
    blocks = message.unfurls[url]["blocks"]
    block, element = next((b, e) for b in blocks for e in b.get("elements", []) if e.get("action_id") == action_id)
    payload: JSON = {
        "type": "block_actions", "team": {"id": driver.team_id, "domain": "leonar-test"},
        "user": {"id": driver.user_id, "username": driver.user_id.lower(), "team_id": driver.team_id},
        "api_app_id": driver.api_app_id, "token": "verification-token",
        "container": {"type": "message_attachment", "message_ts": message.ts, "attachment_id": 1,
                      "channel_id": message.channel, "is_ephemeral": False, "is_app_unfurl": True,
                      "app_unfurl_url": url},
        "trigger_id": driver.slack.issue_trigger(driver.user_id),
        "channel": {"id": message.channel, "name": "recruiting"},
        "app_unfurl": {"id": 1, "blocks": blocks, "app_unfurl_url": url, "is_app_unfurl": True},
        "response_url": driver.slack.new_response_url(),
        "actions": [{"type": element["type"], "action_id": action_id, "block_id": block.get("block_id", "b"),
                     "value": element.get("value") if value is None else value, "action_ts": f"{time.time():.6f}",
                     "text": element["text"]}],
    }
    return driver._interact("block action", _form(payload))


def _domain(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


def contact_link(contact_id: str, slug: str = "acme-corp") -> str:
    return f"{APP}/{slug}/contacts?contact={contact_id}"


def project_link(project_id: str, slug: str = "acme-corp") -> str:
    return f"{APP}/{slug}/projects/{project_id}/pipeline"


def contact_of(leonar: FakeLeonar, first_name: str) -> JSON:
    return next(c for c in leonar.contacts() if c["first_name"] == first_name)


def action_ids(unfurl: JSON) -> list[str]:
    return [e["action_id"] for b in unfurl["blocks"] if b["type"] == "actions" for e in b["elements"]]


def mrkdwn_texts(blocks: list[JSON]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found
