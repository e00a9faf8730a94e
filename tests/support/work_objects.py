"""Driving Work Objects: the app's Work Object Previews turned on, and a click on an unfurled Leonar link's Work
Object — Slack's signed `entity_details_requested` event, with a trigger the fake Slack issued for that entity."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.driver import SlackDriver
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_unfurls import SharedMessage
from tests.support.fakes.slack_work_objects import Presented, request_details

JSON = dict[str, Any]
ITEM = "slack#/entities/item"


def enable(slack: FakeSlack) -> None:
    """What an admin does on the app's configuration page: Work Object Previews on, the item entity selected."""
    slack.work_object_types = {ITEM}


def wait_entity(driver: SlackDriver, message: SharedMessage, url: str, timeout: float = 5.0) -> JSON:
    if driver.slack.wait_until(lambda: url in message.entities, timeout):
        return message.entities[url]
    raise AssertionError(f"{url} not unfurled as a Work Object; chat.unfurl calls: "
                         f"{[c.body for c in driver.slack.calls_to('chat.unfurl')]}; problems: {driver.slack.problems}")


def open_flexpane(driver: SlackDriver, message: SharedMessage, url: str, *, user_id: str | None = None,
                  locale: str = "en-US", entity: JSON | None = None) -> str:
    """Click the Work Object of `url` (or a made-up `entity`) as `user_id`: Slack's event; returns its trigger_id."""
    entity = entity or message.entities[url]
    user = user_id or driver.user_id
    trigger_id = request_details(driver.slack, user, entity["external_ref"], entity["url"])
    event: JSON = {"type": "entity_details_requested", "user": user, "external_ref": entity["external_ref"],
                   "entity_url": entity["url"], "link": {"url": url, "domain": url.split("/")[2]},
                   "app_unfurl_url": url, "event_ts": f"{time.time():.6f}", "trigger_id": trigger_id,
                   "user_locale": locale, "channel": message.channel, "message_ts": message.ts,
                   "thread_ts": message.ts}
    body = {"token": "x", "team_id": driver.team_id, "api_app_id": driver.api_app_id, "type": "event_callback",
            "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": driver.team_id, "user_id": driver.slack.bot_user_id,
                                "is_bot": True, "is_enterprise_install": False}], "event": event}
    raw = json.dumps(body).encode()
    response = driver.http.post(driver.url, content=raw,
                                headers=driver.signed_headers(raw) | {"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    return trigger_id


def wait_presented(driver: SlackDriver, trigger_id: str, timeout: float = 5.0) -> Presented:
    """What Slack accepted for that click's flexpane."""
    slack = driver.slack
    found = slack.wait_until(lambda: next((p for p in slack.presented if p.trigger_id == trigger_id), None), timeout)
    if found is None:
        calls = [(c.body, c.response) for c in slack.calls_to("entity.presentDetails")]
        raise AssertionError(f"no flexpane presented; entity.presentDetails calls: {calls}; problems: {slack.problems}")
    return found


def fields(entity: JSON | None) -> dict[str, str]:
    """The entity's custom fields, key → value."""
    assert entity is not None
    return {f["key"]: f["value"] for f in entity["entity_payload"].get("custom_fields", [])}
