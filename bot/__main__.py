"""`python -m bot` (or `leonar-bot`): serve the bot over HTTP on $PORT with uvicorn."""

from __future__ import annotations

import logging
import sys

import uvicorn
from pydantic import ValidationError

from bot import log as logs
from bot.app import ConfigError, create_web_app
from bot.config import Settings
from bot.store import EncryptionKeyError, StoreUnavailable


def main() -> None:
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.exit(f"leonar-bot: invalid configuration:\n{exc}")
    logs.setup(settings.log_level)
    try:
        web_app = create_web_app(settings)
    except (ConfigError, EncryptionKeyError, StoreUnavailable) as exc:
        sys.exit(f"leonar-bot: cannot start: {exc}")
    log = logging.getLogger(__name__)
    log.info("serving Slack requests on http://%s:%s/slack/events", settings.bind_host, settings.port)
    uvicorn.run(
        web_app,
        host=settings.bind_host,
        port=settings.port,
        log_config=None,  # keep our handlers (and their secret filter)
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
