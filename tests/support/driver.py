"""Plays the Slack side towards the bot: signed slash commands, options loads, block_actions, view submissions.

The user's picks are kept per view id and (block_id, action_id); when a block_id disappears from the view (the
bot re-rendered it with a new block_id) the value is forgotten, as Slack does. Only what Slack would send is sent:
a select inside an input block dispatches block_actions only with `dispatch_action: true`.

Slack waits 3 s for the app's answer to a slash command, an options load, a block action or a view submission,
then shows the user an error and ignores a late answer: the driver fails (AssertionError) on any answer that
took longer, so a slow listener cannot pass a test. The driver's user is a plain member of the workspace,
registered with the fake Slack unless the test declared them first.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import httpx

from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.slack_functions import Execution, function_executed_envelope
from tests.support.slack_schema import options_response_problem

JSON = dict[str, Any]
SELECTS = {"static_select": "options", "external_select": None, "radio_buttons": "options"}
PICKERS = {"conversations_select": "selected_conversation", "channels_select": "selected_channel",
           "users_select": "selected_user"}
INITIAL = {"selected_option": "initial_option", "selected_options": "initial_options",
           "selected_conversation": "initial_conversation",
           "selected_channel": "initial_channel", "selected_user": "initial_user", "value": "initial_value",
           "selected_users": "initial_users", "selected_date": "initial_date"}
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
ACK_DEADLINE = 3.0  # seconds Slack waits for the answer to an interaction


class Served(Protocol):
    """A bot run by the test itself (tests/support/bot.py): its requests go to the app in-process."""

    @property
    def transport(self) -> httpx.BaseTransport: ...

    def settle(self, timeout: float = 5.0) -> None: ...


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every test client: loading the CA bundle costs tens of milliseconds per client."""
    return httpx.create_ssl_context()


class SlackDriver:
    def __init__(self, app: str | Served, signing_secret: str, slack: FakeSlack, *, team_id: str = "T0001",
                 enterprise_id: str | None = None, user_id: str = "U0001", channel_id: str = "C0001",
                 api_app_id: str = "A0001") -> None:
        """`app`: the bot's base URL (a process), or the bot this test runs (in-process)."""
        self.app = app  # for another driver of the same bot
        if isinstance(app, str):
            self.url = app.rstrip("/") + "/slack/events"
            self.http = httpx.Client(timeout=10.0, trust_env=False, verify=tls())
        else:
            self.url = "http://bot.test/slack/events"
            self.http = httpx.Client(timeout=10.0, trust_env=False, transport=app.transport)
        self.signing_secret = signing_secret
        self.slack = slack
        self.team_id, self.enterprise_id, self.user_id = team_id, enterprise_id, user_id
        self.channel_id, self.api_app_id = channel_id, api_app_id
        self.last_response_url: str | None = None
        self.last_errors: dict[str, str] | None = None  # the last response_action "errors" answer
        self.ack_deadline = ACK_DEADLINE
        self._current_channel = channel_id
        self._picks: dict[str, dict[tuple[str, str], JSON]] = {}
        self._offered: dict[tuple[str, str], list[JSON]] = {}  # (view_id, action_id) -> options last shown
        self._lock = threading.Lock()
        if user_id not in slack.users:
            slack.add_user(user_id, team_id=team_id)
        slack.view_listeners.append(self._on_view_change)

    def close(self) -> None:
        self.slack.view_listeners.remove(self._on_view_change)
        self.http.close()

    def settle(self, timeout: float = 5.0) -> None:
        """Returns once the bot has finished the work it acknowledged: what has not happened then will not (a bot
        run by the test; a process cannot tell)."""
        assert not isinstance(self.app, str), "only a bot run in-process can tell when it has finished"
        self.app.settle(timeout)

    def hook_posts(self, timeout: float = 5.0) -> list[JSON]:
        """What the bot posted to the last command's response_url, once it posted something."""
        url = self.last_response_url
        assert url is not None, "no command sent"
        posts = self.slack.wait_until(lambda: self.slack.hook_posts(url), timeout)
        assert posts, f"nothing posted to the response_url within {timeout} s; problems: {self.slack.problems}"
        return posts

    # ----------------------------------------------------------------- transport
    def signed_headers(self, body: bytes, *, timestamp: int | None = None,
                       secret: str | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        key = (self.signing_secret if secret is None else secret).encode()
        # Signed over the raw bytes (not decoded text), so fuzzed non-UTF-8 bodies are signed correctly too.
        digest = hmac.new(key, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": f"v0={digest}"}

    def _post(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> httpx.Response:
        return self.http.post(self.url, content=body,
                              headers=self.signed_headers(body, timestamp=timestamp, secret=secret))

    def post_payload(self, payload: JSON, *, timestamp: int | None = None,
                     secret: str | None = None) -> httpx.Response:
        return self._post(_form(payload), timestamp=timestamp, secret=secret)

    def _interact(self, kind: str, body: bytes) -> httpx.Response:
        """Send what a user did, as Slack does: an answer after the deadline is a failure the user sees."""
        started = time.monotonic()
        response = self._post(body)
        elapsed = time.monotonic() - started
        if elapsed > self.ack_deadline:
            raise AssertionError(f"{kind} answered after {elapsed:.2f} s: Slack gives up after "
                                 f"{self.ack_deadline:g} s, shows the user an error and ignores the answer")
        return response

    # ----------------------------------------------------------------- slash command
    def command(self, text: str = "", *, command: str = "/leonar-add",
                channel_id: str | None = None) -> httpx.Response:
        self._current_channel = channel_id or self.channel_id
        self.last_response_url = self.slack.new_response_url()
        form = {"token": "verification-token", "team_id": self.team_id, "team_domain": "leonar-test",
                "channel_id": self._current_channel, "channel_name": "recruiting", "user_id": self.user_id,
                "user_name": self.user_id.lower(), "command": command, "text": text, "api_app_id": self.api_app_id,
                "is_enterprise_install": "false", "response_url": self.last_response_url,
                "trigger_id": self.slack.issue_trigger(self.user_id)}
        if self.enterprise_id:
            form |= {"enterprise_id": self.enterprise_id, "enterprise_name": "Leonar Org"}
        return self._interact("slash command", urlencode(form).encode())

    def open_modal(self, text: str = "", *, callback_id: str | None = None, timeout: float = 5.0) -> JSON:
        """Run the command and return the modal it opened (a new one, not the view already on screen)."""
        before = len(self.slack.calls_to("views.open"))
        response = self.command(text)
        assert response.status_code == 200, response.text
        call = self.slack.wait_for("views.open", before + 1, timeout)[before]
        assert call.response and call.response.get("ok"), call.response
        view_id = call.response["view"]["id"]
        view = self.wait_view(lambda v: v["id"] == view_id, timeout)
        assert callback_id is None or view["callback_id"] == callback_id, view["callback_id"]
        return view

    # ----------------------------------------------------------------- Workflow Builder steps
    def function_executed(self, inputs: JSON, *, callback_id: str = "add_candidate") -> Execution:
        """A workflow run reaching the app's step: Slack issues the execution and its workflow token, then sends
        `function_executed` (Events API envelope, signed); the 3 s ack deadline applies as to any event."""
        execution = self.slack.executions.start(callback_id, inputs)
        body = json.dumps(function_executed_envelope(execution, self.team_id, self.api_app_id)).encode()
        started = time.monotonic()
        response = self.http.post(self.url, content=body,
                                  headers=self.signed_headers(body) | {"Content-Type": "application/json"})
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text
        assert elapsed <= self.ack_deadline, f"function_executed acked after {elapsed:.2f} s"
        return execution

    # ----------------------------------------------------------------- the view the user sees
    def view(self) -> JSON:
        view = self.slack.current_view(self.user_id)
        assert view is not None, f"no open view for {self.user_id}; problems: {self.slack.problems}"
        return view

    def wait_view(self, predicate: Callable[[JSON], bool], timeout: float = 5.0) -> JSON:
        def matching() -> JSON | None:
            view = self.slack.current_view(self.user_id)
            return view if view is not None and predicate(view) else None

        found = self.slack.wait_until(matching, timeout)
        if found is not None:
            return found
        last = self.slack.current_view(self.user_id)
        raise AssertionError(f"view condition not met within {timeout}s; last view: {json.dumps(last)[:2000]}; "
                             f"problems: {self.slack.problems}")

    # ----------------------------------------------------------------- interactions
    def suggestion(self, action_id: str, value: str = "") -> JSON:
        """The block_suggestion payload Slack would send for typing `value` in that menu of the current view."""
        view = self.view()
        block, _ = _find(view, action_id)
        return self._envelope("block_suggestion", view, with_trigger=False) | {
            "action_id": action_id, "block_id": block["block_id"], "value": value}

    def signed_request(self, payload: JSON) -> tuple[bytes, dict[str, str]]:
        """Body and headers of a signed interaction, for load generators that send it themselves."""
        body = _form(payload)
        return body, self.signed_headers(body)

    def suggest(self, action_id: str, value: str = "") -> httpx.Response:
        view = self.view()
        payload = self.suggestion(action_id, value)
        response = self._interact("options load", _form(payload))
        if response.status_code == 200 and response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            options = body.get("options") or [o for g in body.get("option_groups", []) for o in g["options"]]
            self._offered[(view["id"], action_id)] = options
        return response

    def suggest_options(self, action_id: str, value: str = "") -> list[JSON]:
        response = self.suggest(action_id, value)
        assert response.status_code == 200, f"options load answered {response.status_code}: {response.text}"
        body = response.json()
        problem = options_response_problem(body)
        assert problem is None, f"invalid options answer: {problem}: {body}"
        options: list[JSON] = body["options"]
        return options

    def select(self, action_id: str, option: JSON | None = None, *,
               conversation: str | None = None) -> httpx.Response | None:
        view = self.view()
        block, element = _find(view, action_id)
        kind = element["type"]
        if kind in PICKERS:
            assert conversation is not None, f"{kind} {action_id!r} needs conversation="
            value: JSON = {"type": kind, PICKERS[kind]: conversation}
        elif kind in SELECTS:
            assert option is not None, f"{kind} {action_id!r} needs an option"
            offered = self._choices(view["id"], element)
            assert option["value"] in {o["value"] for o in offered}, (
                f"{option['value']!r} was not offered by {action_id!r}; offered: {[o['value'] for o in offered]}")
            value = {"type": kind, "selected_option": option}
        else:
            raise AssertionError(f"select() does not handle {kind} ({action_id!r})")
        self._remember(view["id"], block["block_id"], action_id, value)
        if block["type"] == "input" and not block.get("dispatch_action"):
            return None  # Slack keeps the value for view_submission and sends nothing now
        action = {"type": kind, "action_id": action_id, "block_id": block["block_id"],
                  "action_ts": f"{time.time():.6f}", **{k: v for k, v in value.items() if k != "type"}}
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
        view["state"] = {"values": self._values(view)}
        self.slack.set_view_state(view["id"], view["state"]["values"])
        payload = self._envelope("block_actions", view) | {"container": {"type": "view", "view_id": view["id"]},
                                                           "actions": [action]}
        return self._interact("block action", _form(payload))

    def check(self, action_id: str, options: list[JSON]) -> None:
        """Tick exactly `options` in a checkboxes element (an input block: Slack sends nothing until submit)."""
        view = self.view()
        block, element = _find(view, action_id)
        assert element["type"] == "checkboxes", f"{action_id!r} is a {element['type']}, not checkboxes"
        offered = {o["value"] for o in element["options"]}
        assert {o["value"] for o in options} <= offered, f"not offered by {action_id!r}: {options}"
        assert block["type"] == "input", "checkboxes outside an input block would dispatch block_actions"
        self._remember(view["id"], block["block_id"], action_id, {"type": "checkboxes", "selected_options": options})

    def press(self, message: JSON, action_id: str, *, channel_id: str | None = None,
              value: str | None = None) -> httpx.Response:
        """Click a button of an ephemeral message the bot sent (through a response_url) in `channel_id`: the one
        whose value is `value` (the first by default); a `value` no button has is sent all the same, as a forged
        request would be."""
        buttons = [e for b in message.get("blocks", []) for e in [b.get("accessory"), *b.get("elements", [])]
                   if isinstance(e, dict) and e.get("action_id") == action_id]
        assert buttons, f"no {action_id!r} button in the message"
        channel = channel_id or self._current_channel
        self.last_response_url = self.slack.new_response_url()
        team: JSON = {"id": self.team_id, "domain": "leonar-test"}
        payload = {"type": "block_actions", "team": team, "is_enterprise_install": False,
                   "user": {"id": self.user_id, "username": self.user_id.lower(), "team_id": self.team_id},
                   "api_app_id": self.api_app_id, "token": "verification-token",
                   "container": {"type": "message", "message_ts": f"{time.time():.6f}", "channel_id": channel,
                                 "is_ephemeral": True},
                   "trigger_id": self.slack.issue_trigger(self.user_id),
                   "channel": {"id": channel, "name": "recruiting"}, "response_url": self.last_response_url,
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                                "value": buttons[0]["value"] if value is None else value,
                                "action_ts": f"{time.time():.6f}"}]}
        return self._interact("block action", _form(payload))

    def type_text(self, action_id: str, text: str) -> None:
        view = self.view()
        block, element = _find(view, action_id)
        assert element["type"] in TEXT_INPUTS, f"{action_id!r} is a {element['type']}, not a text input"
        self._remember(view["id"], block["block_id"], action_id, {"type": element["type"], "value": text})

    def submit(self, *, force: bool = False) -> httpx.Response:
        """view_submission for the current view; refuses (like Slack's client) when a required input is empty."""
        view = self.view()
        values = self._values(view, with_empty=True)
        empty = [b["block_id"] for b in view["blocks"] if b["type"] == "input" and not b.get("optional")
                 and all(v is None for v in _payload_values(values.get(b["block_id"], {})))]
        assert force or not empty, f"Slack would not submit: required inputs {empty} are empty"
        response_urls = []
        for block, element in _elements(view):
            picked = values.get(block["block_id"], {}).get(element["action_id"], {})
            channel = picked.get("selected_conversation") or picked.get("selected_channel")
            if block["type"] == "input" and element.get("response_url_enabled") and channel:
                response_urls.append({"block_id": block["block_id"], "action_id": element["action_id"],
                                      "channel_id": channel, "response_url": self.slack.new_response_url()})
        view["state"] = {"values": values}
        self.slack.set_view_state(view["id"], values)
        submitted_hash = str(self.slack.views[view["id"]].get("hash") or "")
        payload = self._envelope("view_submission", view) | {"response_urls": response_urls}
        response = self._interact("view submission", _form(payload))
        if response.status_code == 200:
            self._apply_ack(view, response, submitted_hash)
        return response

    # ----------------------------------------------------------------- internals
    def _envelope(self, kind: str, view: JSON, *, with_trigger: bool = True) -> JSON:
        team: JSON = {"id": self.team_id, "domain": "leonar-test"}
        enterprise = None
        if self.enterprise_id:
            team |= {"enterprise_id": self.enterprise_id, "enterprise_name": "Leonar Org"}
            enterprise = {"id": self.enterprise_id, "name": "Leonar Org"}
        payload = {
            "type": kind, "team": team, "enterprise": enterprise, "is_enterprise_install": False,
            "user": {"id": self.user_id, "username": self.user_id.lower(), "name": self.user_id.lower(),
                     "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "verification-token",
            # Slack reports the view's workspace as this user's (the fake has one team of its own).
            "view": view | {"team_id": self.team_id, "app_installed_team_id": self.team_id},
        }
        if kind == "block_suggestion":
            payload["container"] = {"type": "view", "view_id": view["id"]}
        if with_trigger:
            payload["trigger_id"] = self.slack.issue_trigger(self.user_id, view["id"])
        return payload

    def _choices(self, view_id: str, element: JSON) -> list[JSON]:
        key = SELECTS[element["type"]]
        if key is not None:
            groups = element.get("option_groups", [])
            listed: list[JSON] = element.get(key, [])
            return listed + [o for g in groups for o in g["options"]]
        initial = [element["initial_option"]] if element.get("initial_option") else []
        return self._offered.get((view_id, element["action_id"]), []) + initial

    def _remember(self, view_id: str, block_id: str, action_id: str, value: JSON) -> None:
        with self._lock:
            self._picks.setdefault(view_id, {})[(block_id, action_id)] = value

    def _on_view_change(self, view_id: str, view: JSON) -> None:  # called by the fake on every stored view
        block_ids = {b.get("block_id") for b in view.get("blocks", [])}
        with self._lock:
            picks = self._picks.get(view_id, {})
            for key in [k for k in picks if k[0] not in block_ids]:
                del picks[key]

    def _values(self, view: JSON, *, with_empty: bool = False) -> dict[str, dict[str, JSON]]:
        """view.state.values as Slack builds it: the user's picks, else the element's initial value."""
        with self._lock:
            picks = dict(self._picks.get(view["id"], {}))
        values: dict[str, dict[str, JSON]] = {}
        for block, element in _elements(view):
            key = (block["block_id"], element["action_id"])
            value = picks.get(key) or self._initial(element)
            if value is None and with_empty and block["type"] == "input":
                field = PICKERS.get(element["type"]) or ("value" if element["type"] in TEXT_INPUTS
                                                          else "selected_option")
                value = {"type": element["type"], field: None}
            if value is not None:
                values.setdefault(key[0], {})[key[1]] = copy.deepcopy(value)
        return values

    def _initial(self, element: JSON) -> JSON | None:
        kind = element["type"]
        if element.get("default_to_current_conversation") and kind == "conversations_select":
            return {"type": kind, "selected_conversation": self._current_channel}
        for field, initial in INITIAL.items():
            if element.get(initial) is not None:
                return {"type": kind, field: element[initial]}
        return None

    def _apply_ack(self, view: JSON, response: httpx.Response, submitted_hash: str | None = None) -> None:
        ack: JSON = response.json() if response.content.strip() else {}
        if ack.get("response_action") == "errors":
            self.last_errors = ack.get("errors", {})
            inputs = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
            unknown = sorted(set(self.last_errors) - inputs)
            if unknown:
                self.slack.problems.append(f"view_submission errors: keys {unknown} are not input block_ids")
            return
        self.slack.apply_view_response(view["id"], ack, submitted_hash=submitted_hash)


def _form(payload: JSON) -> bytes:
    """An interaction payload as Slack sends it: form-encoded JSON under `payload`."""
    return f"payload={quote(json.dumps(payload))}".encode()


def _elements(view: JSON) -> Iterator[tuple[JSON, JSON]]:
    for block in view.get("blocks", []):
        if block["type"] == "input":
            yield block, block["element"]
        elif block["type"] == "section" and "accessory" in block:
            yield block, block["accessory"]
        elif block["type"] == "actions":
            yield from ((block, e) for e in block["elements"])


def _find(view: JSON, action_id: str) -> tuple[JSON, JSON]:
    for block, element in _elements(view):
        if element.get("action_id") == action_id:
            return block, element
    raise AssertionError(f"no element with action_id {action_id!r} in view {view.get('callback_id')!r}")


def _payload_values(by_action: dict[str, JSON]) -> list[Any]:
    return [v for value in by_action.values() for k, v in value.items() if k != "type"]
