"""Log lines: the formatter that masks secrets, whatever the level and whichever library logs, as text or as JSON
(LOG_FORMAT=json: one object a line, with the id of the Slack request it belongs to), and the process's set-up."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from bot.observability.requests import current_id

# Leonar API keys and Slack tokens (bot, user, app-level, refresh). A last line of defence: nothing the bot
# logs should contain one (tests/e2e/test_trust_secrets.py checks that no mask was even needed). A key's alphabet
# is not documented, so the mask runs to the end of the quoted string or word (a quote, backslash, ASCII space or
# control character), not to the first character outside [A-Za-z0-9._-]: "leo_ab+cd/ef" leaked "+cd/ef" that way.
# Preceded by anything but a letter: in URL-encoded or JSON-escaped text the key follows "%22" or "\"". Its first
# character is printable ASCII (an HTTP header cannot carry anything else), which leaves the placeholder "leo_…".
_END = r"\x00-\x20\x7f\"'`\\"
SECRET = re.compile(rf"(?<![A-Za-z])(leo_|xox[abprse]-|xapp-|xoxe\.)[^{_END}\x80-\U0010ffff][^{_END}]*")
# Bolt's app logger (which its Socket Mode client shares) and slack_sdk's own Socket Mode clients log every
# envelope they receive whole at DEBUG: a connect submission carries the Leonar key as the admin pasted it. They
# stay at INFO or above whatever LOG_LEVEL says; the Web API client (requests, with tokens redacted) keeps DEBUG.
RAW_PAYLOAD_LOGGERS = ("slack_bolt", "slack_sdk.socket_mode")

# A response_url (hooks.slack.com/commands/…, /actions/…): anyone holding it may post in that conversation for 30
# minutes, as the app. Its path goes, wherever it appears; the host stays, to tell what was called.
HOOK = re.compile(r"(hooks\.slack\.com/|/hooks/)[^\s'\"),\\]+")  # to a backslash too: JSON lines stay valid
# slack_sdk's Web API and webhook clients log at DEBUG every request's arguments and every response's body: views
# and messages naming candidates, users.info's names and emails. Those lines keep the call and its status only.
BODIES = ("slack_sdk.web", "slack_sdk.webhook")
_CALL = re.compile(r"^(Sending a request - url: \S+(?: \S+)?)[,.].*", re.DOTALL)
_ANSWER = re.compile(r"^(Received the following response - status: \d+).*", re.DOTALL)

# OAuth's code and state, as Bolt and slack_sdk log them ("with code: …", {'code': ['…'], 'state': ['…']}) and as a
# request line carries them (?code=…&state=…): a code is worth a token until it is used.
OAUTH = re.compile(r"""(\bwith code: |[?&](?:code|state)=|['"](?:code|state)['"]: \[?['"])[^\s'"&\]]+""")


def redact(text: str) -> str:
    text = OAUTH.sub(lambda m: f"{m.group(1)}[redacted]", text)
    text = HOOK.sub(lambda m: f"{m.group(1)}[redacted]", text)
    return SECRET.sub(lambda m: f"{m.group(1)}[redacted]", text)


def without_bodies(record: logging.LogRecord) -> bool:
    """A handler filter: slack_sdk's request and response lines cut to the call and its status."""
    if record.name.startswith(BODIES) and record.levelno <= logging.DEBUG:
        message = record.getMessage()
        for pattern in (_CALL, _ANSWER):
            if (found := pattern.match(message)) is not None:
                record.msg, record.args = f"{found.group(1)} (arguments and body not logged)", None
                break
    return True


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the whole formatted record, exception text and stack included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(fmt))
    handler.addFilter(without_bodies)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in RAW_PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))


def formatter(fmt: str) -> logging.Formatter:
    """`text` (one line a record) or `json`; both mask secrets."""
    if fmt == "json":
        return JsonFormatter()
    return RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class JsonFormatter(logging.Formatter):
    """Masks secrets like the text formatter, on the whole encoded line: a mask stops at a quote or backslash,
    so the line stays valid JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_id()
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(line, ensure_ascii=False, default=str))
