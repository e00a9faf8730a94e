"""Secrets at every level, end to end: a Socket Mode bot at DEBUG logs no pasted key (whatever its alphabet), and a
key pasted with an invisible character is told so on the key field, before Leonar is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar, seed_demo
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.socket_mode import FakeSocketMode
from tests.support.flows import connect
from tests.support.tryout import start_bot

KEY = "leo_Ab+cd/ef+GH/ij=="  # `+`, `/` and `=`: where the log mask used to stop
APP_TOKEN = "xapp-1-A0001-1-socket+mode/token"
BOT_TOKEN = "xoxb-secret-bot-token-123"


@pytest.mark.slow
def test_socket_mode_at_debug_logs_no_pasted_key(tmp_path: Path) -> None:
    with FakeSlack(bot_token=BOT_TOKEN) as slack, FakeLeonar() as leonar, FakeSocketMode() as socket:
        seed_demo(leonar, KEY)
        slack.add_user("U0001", admin=True)
        slack.app_token, slack.socket_url = APP_TOKEN, socket.url
        process, _ = start_bot(slack, leonar, tmp_path, LOG_LEVEL="DEBUG", SLACK_BOT_TOKEN=BOT_TOKEN,
                               SLACK_APP_TOKEN=APP_TOKEN)
        try:
            socket.send("slash_commands", {
                "command": "/leonar-add", "text": "", "team_id": "T0001", "user_id": "U0001", "channel_id": "C0001",
                "trigger_id": slack.issue_trigger("U0001"), "response_url": slack.new_response_url(),
                "api_app_id": "A0001"})
            [opened] = slack.wait_for("views.open")
            view = slack.views[opened.response["view"]["id"]]
            submit = {"type": "view_submission", "team": {"id": "T0001"},
                      "user": {"id": "U0001", "team_id": "T0001"}, "api_app_id": "A0001",
                      "trigger_id": slack.issue_trigger("U0001"),
                      "view": view | {"state": {"values": {"api_key": {"api_key_input": {
                          "type": "plain_text_input", "value": KEY}}}}}}
            ack = socket.send("interactive", submit)
            assert ack["payload"]["response_action"] == "update"  # connected: the key went through the bot
            assert any(r.api_key == KEY for r in leonar.requests)
        finally:
            process.terminate()
            log = process.communicate(timeout=15)[0]
    assert "DEBUG" in log and "views.open" in log and "Socket Mode" in log
    for secret in (KEY, "+cd/ef", "/ef+GH", APP_TOKEN, "+mode/token", BOT_TOKEN):
        assert secret not in log, [line for line in log.splitlines() if secret in line][:3]
    assert "[redacted]" not in log  # no envelope reached a log line: masking is only the last line of defence


@pytest.mark.parametrize("pasted", ["leo_test_key_acme_0001\u200b", "\ufeffleo_test_key_acme_0001",
                                    "leo_test_key\u2060_acme_0001"])
def test_a_key_pasted_with_an_invisible_character_is_told_so(
    driver: SlackDriver, slack: FakeSlack, leonar: FakeLeonar, pasted: str
) -> None:
    asked = len(leonar.requests)
    connect(driver, pasted)
    assert driver.last_errors is not None and "invisible" in driver.last_errors["api_key"], driver.last_errors
    assert driver.view()["callback_id"] == "leonar_connect"
    assert len(leonar.requests) == asked  # refused before any request could fail on it
