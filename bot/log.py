"""Logging set-up whose formatter masks secrets, whatever the level and whichever library logs."""

from __future__ import annotations

import logging
import re

# Leonar API keys and Slack tokens (bot, user, app-level, refresh). A last line of defence: nothing the bot
# logs should contain one (tests/test_trust_secrets.py checks that no mask was even needed).
SECRET = re.compile(r"\b(leo_|xox[abprse]-|xapp-|xoxe\.)[A-Za-z0-9._\-]+")


def redact(text: str) -> str:
    return SECRET.sub(lambda m: f"{m.group(1)}[redacted]", text)


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the whole formatted record, exception text and stack included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
