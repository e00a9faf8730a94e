"""Tests of the fake Slack Web API itself, driven by slack_sdk's real WebClient and httpx, and of the driver's
side of Slack (its user, the 3-second answer deadline)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.support.driver import ACK_DEADLINE, SlackDriver
from tests.support.fakes.slack import FakeSlack

TOKEN = "xoxb-test-token"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def modal(title: str = "Add to Leonar", *, block_id: str = "project") -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": "leonar_add", "private_metadata": '{"channel": "C0001"}',
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Add"},
        "blocks": [{
            "type": "input", "block_id": block_id, "dispatch_action": True,
            "label": {"type": "plain_text", "text": "Project"},
            "element": {"type": "external_select", "action_id": "project_select", "min_query_length": 0,
                        "placeholder": {"type": "plain_text", "text": "Pick a project"}},
        }],
    }


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.api_url)


def test_auth_test_and_users_info(fake: FakeSlack, client: WebClient) -> None:
    auth = client.auth_test()
    assert auth["user_id"] == "UBOT" and auth["team_id"] == "T0001" and auth["is_enterprise_install"] is False
    fake.users["U0002"] = {"id": "U0002", "team_id": "T0001", "name": "ada", "is_admin": True,
                           "is_owner": False, "locale": "fr-FR", "tz": "Europe/Paris"}
    fake.add_user("U0001")
    assert client.users_info(user="U0001", include_locale=True)["user"]["locale"] == "en-US"
    assert client.users_info(user="U0002")["user"]["is_admin"] is True
    assert fake.calls_to("users.info")[0].body == {"user": "U0001", "include_locale": "1"}
    assert fake.calls_to("auth.test")[0].token == TOKEN


def test_invalid_auth(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    fake.extra_tokens.add("xoxb-other-workspace")
    assert WebClient(token="xoxb-other-workspace", base_url=fake.api_url).auth_test()["ok"]


def test_views_open_update_hash_conflict_and_trigger_reuse(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger("U0001")
    opened = client.views_open(trigger_id=trigger, view=modal())["view"]
    view_id, first_hash = opened["id"], opened["hash"]
    assert view_id.startswith("V") and fake.views[view_id]["callback_id"] == "leonar_add"
    assert opened["state"] == {"values": {}} and opened["team_id"] == "T0001"
    assert fake.current_view("U0001")["id"] == view_id  # type: ignore[index]

    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=trigger, view=modal())
    assert err.value.response["error"] == "exchanged_trigger_id"

    fake.set_view_state(view_id, {"project": {"project_select": {"type": "external_select", "selected_option": {
        "text": {"type": "plain_text", "text": "Backend"}, "value": "p1"}}}})
    updated = client.views_update(view_id=view_id, hash=first_hash, view=modal("Step 2"))["view"]
    assert updated["id"] == view_id and updated["hash"] != first_hash
    assert updated["title"]["text"] == "Step 2" and "project" in updated["state"]["values"]

    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=view_id, hash=first_hash, view=modal("Stale"))
    assert err.value.response["error"] == "hash_conflict"

    renamed = client.views_update(view_id=view_id, view=modal(block_id="project-2"))["view"]
    assert renamed["state"] == {"values": {}}  # the old block_id vanished, so did its value
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id="V404", view=modal())
    assert err.value.response["error"] == "not_found"
    assert fake.problems == []


def test_views_update_by_external_id_and_unknown_trigger(fake: FakeSlack, client: WebClient) -> None:
    view = modal() | {"external_id": "ext-1"}
    view_id = client.views_open(trigger_id=fake.issue_trigger("U0001"), view=view)["view"]["id"]
    assert client.views_update(external_id="ext-1", view=modal("Again"))["view"]["id"] == view_id
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id="123.456.nope", view=modal())
    assert err.value.response["error"] == "invalid_trigger_id"


def test_not_in_channel_and_missing_channel(fake: FakeSlack, client: WebClient) -> None:
    fake.not_in_channels.add("C0PRIVATE")
    fake.missing_channels.add("C0GONE")
    for channel, error in (("C0PRIVATE", "not_in_channel"), ("C0GONE", "channel_not_found")):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel=channel, text="hello")
        assert err.value.response["error"] == error
    posted = client.chat_postMessage(channel="C0001", text="hello")
    assert posted["channel"] == "C0001" and posted["message"]["text"] == "hello"
    fake.add_user("U0001")
    assert client.chat_postEphemeral(channel="C0001", user="U0001", text="psst")["ok"]


def test_fail_injects_rate_limit_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "ratelimited", times=2, http_status=429)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C0001", text="hi")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "1"
        assert err.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C0001", text="hi")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 3

    fake.fail("views.open", "expired_trigger_id")
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=fake.issue_trigger("U0001"), view=modal())
    assert err.value.response.status_code == 200 and err.value.response["error"] == "expired_trigger_id"


def test_invalid_blocks_are_rejected_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=fake.issue_trigger("U0001"), view=modal("A title longer than 24 chars"))
    assert err.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0001", text="x", blocks=[{"type": "section"}])
    assert err.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError), pytest.warns(UserWarning):
        client.chat_postMessage(channel="C0001", blocks=[{"type": "divider"}])  # no fallback text
    assert [p.split(":")[0] for p in fake.problems] == ["views.open", "chat.postMessage", "chat.postMessage"]
    assert fake.views == {}


def test_hooks_are_recorded(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    assert WebhookClient(url).send(text="Added *Ada* to Backend", response_type="in_channel").status_code == 200
    answer = httpx.post(url, json={"text": "x", "blocks": [{"type": "nope"}]}, trust_env=False)
    assert (answer.status_code, answer.text) == (400, "invalid_blocks")
    assert fake.hook_posts(url)[0] == {"text": "Added *Ada* to Backend", "response_type": "in_channel"}
    assert len(fake.hook_posts(url)) == 2 and fake.problems[0].startswith("hook:")
    assert fake.wait_for("hook", 2)[0].hook_id == url.rsplit("/", 1)[-1]
    unknown = httpx.post(fake.api_url.replace("/api/", "/hooks/unknown"), json={"text": "x"}, trust_env=False)
    assert unknown.status_code == 404


def test_form_encoded_args_and_unknown_methods(fake: FakeSlack) -> None:
    answer = httpx.post(fake.api_url + "chat.postMessage", trust_env=False,
                        data={"token": TOKEN, "channel": "C0001", "text": "hi", "blocks": '[{"type": "divider"}]'})
    assert answer.json()["ok"] is True
    assert fake.calls_to("chat.postMessage")[0].body["blocks"] == [{"type": "divider"}]
    assert WebClient(token=TOKEN, base_url=fake.api_url).api_call("pins.add")["ok"] is True


def test_wait_for_reports_what_was_received(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        fake.wait_for("views.open", timeout=0.1)


def test_users_info_knows_only_the_workspace_members(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U0404")
    assert err.value.response["error"] == "user_not_found"  # Slack invents nobody
    fake.add_user("U0404", team_id="T0002")
    user = client.users_info(user="U0404")["user"]
    assert user["team_id"] == "T0002" and user["is_admin"] is False


def test_private_channels_and_dms_take_posts_only_where_the_bot_is(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U0001")
    fake.add_channel("C0SECRET", private=True)  # a private channel with a C id, the bot not invited
    for channel in ("C0SECRET", "G0042", "D0PEER", "U0404"):  # U0404: nobody of that id in the workspace
        for post in (client.chat_postMessage, client.chat_postEphemeral):
            with pytest.raises(SlackApiError) as err:
                post(channel=channel, user="U0001", text="hello")
            assert err.value.response["error"] == "channel_not_found", (channel, post)
    assert client.chat_postMessage(channel="C0PUBLIC", text="hello")["ok"]  # chat:write.public, no membership
    assert client.chat_postMessage(channel="U0001", text="hello")["channel"] == fake.bot_dm("U0001")
    assert client.chat_postMessage(channel=fake.bot_dm("U0001"), text="hello")["ok"]  # its own DM with U0001
    fake.add_channel("C0SECRET", private=True, member=True)  # /invite @Leonar
    fake.add_channel("D0PEER", member=True)
    assert client.chat_postMessage(channel="C0SECRET", text="hello")["ok"]
    assert client.chat_postMessage(channel="D0PEER", text="hello")["ok"]
    fake.add_channel("C0SECRET", private=True)  # removed from the channel
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0SECRET", text="hello")


def test_invalid_views_answer_invalid_arguments_with_the_schema_messages(
    fake: FakeSlack, client: WebClient
) -> None:
    view_id = client.views_open(trigger_id=fake.issue_trigger("U0001"), view=modal())["view"]["id"]
    too_long = modal("A title longer than 24 chars")
    attempts = (
        ("views.open", lambda: client.views_open(trigger_id=fake.issue_trigger("U0001"), view=too_long)),
        ("views.push", lambda: client.views_push(trigger_id=fake.issue_trigger("U0001", view_id), view=too_long)),
        ("views.update", lambda: client.views_update(view_id=view_id, view=too_long)),
    )
    for method, attempt in attempts:
        with pytest.raises(SlackApiError) as err:
            attempt()
        answer = err.value.response.data
        assert answer["ok"] is False and answer["error"] == "invalid_arguments", method
        first, second = answer["response_metadata"]["messages"]
        assert first == "[ERROR] failed to match all allowed schemas [json-pointer:/view]"
        assert second.startswith("[ERROR] ") and second.endswith("[json-pointer:/view/title/text]"), second
    assert [p.split(":")[0] for p in fake.problems] == ["views.open", "views.push", "views.update"]
    assert fake.views[view_id]["title"]["text"] == "Add to Leonar"  # nothing changed
    with pytest.raises(SlackApiError) as err:
        client.api_call("views.update", json={"view_id": view_id})
    assert err.value.response["response_metadata"]["messages"] == ["[ERROR] missing required field: view"]


def test_a_response_url_works_five_times_within_30_minutes(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    for n in range(5):
        assert WebhookClient(url).send(text=f"update {n}").status_code == 200
    used = httpx.post(url, json={"text": "a sixth"}, trust_env=False)
    assert (used.status_code, used.text, used.headers["content-type"]) == (404, "used_url", "text/plain")
    assert len(fake.hook_posts(url)) == 6  # every post is recorded, the sixth answered 404

    late, fresh = fake.new_response_url(), fake.new_response_url()
    fake.age_response_url(late, 30 * 60 + 1)
    answer = WebhookClient(late).send(text="too late")
    assert (answer.status_code, answer.body) == (404, "expired_url")
    assert WebhookClient(fresh).send(text="in time").status_code == 200
    fake.hook_ttl = 0.05  # what 30 minutes do, in 50 ms
    time.sleep(0.1)
    assert WebhookClient(fresh).send(text="too late").body == "expired_url"


class _SlowApp(BaseHTTPRequestHandler):
    """A Slack app that answers every request after `delay` seconds: options for an options load, else empty."""

    delay = 0.0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.delay)
        form = dict(parse_qsl(raw.decode()))
        kind = json.loads(form["payload"])["type"] if "payload" in form else "command"
        body = json.dumps({"options": [{"text": {"type": "plain_text", "text": "Backend"}, "value": "p1"}]})
        payload = body.encode() if kind == "block_suggestion" else b""
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if payload else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def slow_app() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowApp)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_driver_fails_an_answer_slack_would_have_given_up_on(fake: FakeSlack, slow_app: str) -> None:
    assert ACK_DEADLINE == 3.0
    driver = SlackDriver(slow_app, "secret", fake, user_id="U0007")
    assert fake.users["U0007"]["is_admin"] is False  # registered as a plain member of the workspace
    client = WebClient(token=TOKEN, base_url=fake.api_url)
    client.views_open(trigger_id=fake.issue_trigger("U0007"), view=modal())
    driver.ack_deadline = 0.2  # Slack's 3 s, scaled down so the test stays quick
    steps: list[tuple[str, Callable[[], object]]] = [
        ("slash command", driver.command),
        ("options load", lambda: driver.suggest("project_select", "back")),
        ("block action", lambda: driver.select("project_select", {"value": "p1"})),
        ("view submission", driver.submit),
    ]
    for _, step in steps:  # answered in time: accepted
        step()
    assert driver.slack.current_view("U0007") is None  # the empty ack closed the modal
    view_id = client.views_open(trigger_id=fake.issue_trigger("U0007"), view=modal())["view"]["id"]
    driver.suggest("project_select", "back")  # offered in time, so the late block action can pick it
    _SlowApp.delay = 0.3
    try:
        for kind, step in steps:
            with pytest.raises(AssertionError, match=f"{kind} answered after 0.3"):
                step()
    finally:
        _SlowApp.delay = 0.0
    assert driver.view()["id"] == view_id  # the late view_submission ack was ignored: the modal is still open
    driver.close()
