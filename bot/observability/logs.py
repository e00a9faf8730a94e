"""JSON log lines (LOG_FORMAT=json): one object a line, with the id of the Slack request it belongs to."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.log import redact
from bot.observability.requests import current_id


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
