"""The App Home as a test or a tryout drives it: Slack's `app_home_opened` event (the Home published again), and a
click in the published Home (a `block_actions` whose container is the Home's view)."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.driver import SlackDriver

JSON = dict[str, Any]


def open_home(drv: SlackDriver) -> JSON:
    """The Home the bot publishes for `drv`'s user when they open it."""
    drv.slack.homes.pop(drv.user_id, None)
    raw = json.dumps({"token": "x", "team_id": drv.team_id, "api_app_id": drv.api_app_id, "type": "event_callback",
                      "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()),
                      "event": {"type": "app_home_opened", "user": drv.user_id, "channel": "D1", "tab": "home"}})
    response = drv.http.post(drv.url, content=raw.encode(),
                             headers=drv.signed_headers(raw.encode()) | {"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    published = drv.slack.wait_until(lambda: drv.slack.homes.get(drv.user_id))
    assert published, "no Home published"
    return published


def press_in_home(drv: SlackDriver, action: JSON) -> None:
    """`action` (a button, a checkbox…) in the Home last published for `drv`'s user."""
    view = drv.slack.homes.get(drv.user_id) or {"type": "home", "blocks": []}
    payload = {"type": "block_actions", "team": {"id": drv.team_id, "domain": "x"},
               "user": {"id": drv.user_id, "team_id": drv.team_id}, "api_app_id": drv.api_app_id,
               "trigger_id": drv.slack.issue_trigger(drv.user_id), "container": {"type": "view", "view_id": "VH"},
               "view": {**view, "id": f"VH{drv.user_id}", "team_id": drv.team_id, "hash": "h",
                        "state": {"values": {}}},
               "actions": [{**action, "block_id": "b", "action_ts": "1.2"}]}
    assert drv.post_payload(payload).status_code == 200
