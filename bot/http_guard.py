"""An ASGI layer that makes an unauthenticated request cost next to nothing: size first, then Slack's signature.

Bolt's Starlette adapter reads the whole body and parses it (form or JSON) before its own signature check, so an
unsigned 300 MB POST cost 1 GB of memory and a 57 MB JSON body froze the event loop for seconds. Here every body
is refused with 413 past MAX_BODY (by Content-Length before reading, else by counting while reading), and on POST
/slack/events the signature (v0, HMAC-SHA256 of `v0:{timestamp}:{raw body}`, 5-minute window) is checked on the
raw bytes before the app sees anything. Bolt checks it again behind us.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# Slack's requests are a few KB (a view submission with a long modal stays far below this); a 1 MB body is
# already hostile. Not a setting: nothing legitimate needs more, and the reverse proxy should refuse it first.
MAX_BODY = 1024 * 1024
SIGNED_PATH = "/slack/events"
MAX_AGE = 5 * 60  # Slack: refuse a timestamp more than five minutes from local time (replays)
SIGNATURE = re.compile(rb"v0=[0-9a-f]{64}")
TIMESTAMP = re.compile(rb"[0-9]{1,20}")  # Unix seconds; bounded, int() of a 5,000-digit string raises


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class SlackRequestGuard:
    """Wraps the web app: bounded bodies everywhere, Slack's signature on POST /slack/events."""

    def __init__(self, app: ASGIApp, signing_secret: str | None) -> None:
        self.app = app
        # Without a secret (Socket Mode) nothing over HTTP can be verified, so nothing is let through: an HMAC
        # with an empty key is one anybody can compute.
        self.secret = signing_secret.encode() if signing_secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        signed = scope["method"] == "POST" and scope["path"] == SIGNED_PATH
        try:
            _check_length(headers)
            claim = self._check_headers(headers) if signed else None
            body = await _read_body(receive)
            if body is None:
                return  # the client went away; nobody to answer
            if claim is not None:
                self._check_signature(body, *claim)
        except Refused as refusal:
            client = scope.get("client")
            # One line, no traceback; the path is quoted since it is the client's (decoded, it may hold newlines).
            log.warning("refused %s %r from %s: %s (%d)", scope["method"], scope["path"],
                        client[0] if client else "?", refusal.reason, refusal.status)
            await _refuse(send, refusal.status)
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_headers(self, headers: dict[bytes, bytes]) -> tuple[bytes, bytes]:
        """Everything that can be refused before a byte of the body is read."""
        if self.secret is None:
            raise Refused(401, "no signing secret is configured")
        timestamp = headers.get(b"x-slack-request-timestamp")
        signature = headers.get(b"x-slack-signature")
        if timestamp is None or signature is None:
            raise Refused(401, "not signed")
        if not TIMESTAMP.fullmatch(timestamp):
            raise Refused(401, "timestamp is not a Unix time")
        if abs(time.time() - int(timestamp)) > MAX_AGE:
            raise Refused(401, "timestamp is more than 5 minutes away")
        if not SIGNATURE.fullmatch(signature):
            raise Refused(401, "signature is malformed")
        return timestamp, signature

    def _check_signature(self, body: bytes, timestamp: bytes, signature: bytes) -> None:
        assert self.secret is not None
        expected = b"v0=" + hmac.new(self.secret, b"v0:" + timestamp + b":" + body, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(expected, signature):
            raise Refused(401, "signature does not match")


def _headers(scope: Scope) -> dict[bytes, bytes]:
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.lower(), value)  # the first of a repeated header, as Starlette reads it
    return headers


def _check_length(headers: dict[bytes, bytes]) -> None:
    length = headers.get(b"content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise Refused(413, f"body over {MAX_BODY} bytes announced")


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, counted as it arrives; None if the client disconnected first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, f"body over {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then whatever the server says next (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(send: Send, status: int) -> None:
    body = json.dumps({"error": "invalid request" if status == 401 else "request too large"}).encode()
    # Connection: close, because the rest of the body is not read: the server closes instead of draining it.
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
