"""The interaction payload decoded by bot/slack/handler.py is what Bolt's own parsing makes of the same body."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus, urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body

from bot.slack.handler import FORM, decoded_payload

PAYLOAD = {
    "type": "block_suggestion", "user": {"id": "U1", "team_id": "T1"}, "team": {"id": "T1"},
    "value": "Ingé + 100% <a&b>",
    "view": {"id": "V1", "private_metadata": json.dumps({"workspace": "-:T1", "seed": "C:\\dir \"quoted\" é 🙂"}),
             "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "line\nbreak\ttab \u2014 \u0000"}}]},
}


@pytest.mark.parametrize("encode", [quote_plus, quote], ids=["plus for spaces", "%20 for spaces"])
def test_a_payload_decodes_as_bolt_parses_it(encode: object) -> None:
    body = "payload=" + encode(json.dumps(PAYLOAD, ensure_ascii=False))  # type: ignore[operator]
    assert decoded_payload(body.encode()) == parse_body(body, FORM) == PAYLOAD


@pytest.mark.parametrize("body", [
    b"payload=%7B%22a%22%3A%201%7D&x=1",  # another field: parse_qsl decides which one wins
    b"command=%2Fleonar-add&text=x",  # a slash command
    b"payload=%7B%22a%22%3A%20%22%zz%22%7D",  # a malformed escape (unquote leaves it as it is)
    b"payload=%7B%22a%22%3A%201%7D%",  # a lone % at the end
    b"payload=%7B%22a%22%3A%20%22\\n%22%7D",  # a raw backslash
    b"payload=%5B1%2C2%5D",  # JSON, but not an object
    b"payload=%7B%22a%22%3A",  # not JSON
    b"payload=%7B%22a%22%3A%20%22%C3%22%7D",  # not UTF-8
    b'{"payload": 1}',
])
def test_anything_else_is_left_to_bolt(body: bytes) -> None:
    assert decoded_payload(body) is None


def test_the_request_handed_to_bolt_is_the_one_bolt_would_make() -> None:
    # bot/slack/handler.py builds it through Socket Mode's constructor (the one that takes a parsed body), then
    # makes it an HTTP request with its raw body again.
    raw = urlencode({"payload": json.dumps(PAYLOAD)})
    headers = {"content-type": FORM, "x-slack-signature": "v0=abc", "x-slack-request-timestamp": "1"}
    ours = AsyncBoltRequest(body=decoded_payload(raw.encode()) or {}, headers=headers, mode="socket_mode")  # type: ignore[arg-type]
    ours.raw_body, ours.mode = raw, "http"
    bolts = AsyncBoltRequest(body=raw, headers=headers)  # type: ignore[arg-type]
    assert (ours.raw_body, ours.body, ours.headers, ours.query, ours.mode, ours.content_type) == (
        bolts.raw_body, bolts.body, bolts.headers, bolts.query, bolts.mode, bolts.content_type)
    assert dict(ours.context) == dict(bolts.context)
