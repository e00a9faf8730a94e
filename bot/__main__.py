"""`python -m bot` (or `leonar-bot`): run the bot.

Over HTTP on $PORT (uvicorn) by default; over Socket Mode when SLACK_APP_TOKEN is set (HTTP then serves only
/healthz). `--mode http|socket` forces one, as the Procfile's web and worker lines do.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys

import uvicorn
from pydantic import ValidationError

from bot.app import ConfigError, create_web_app
from bot.config import Settings
from bot.http_server import uvicorn_options, without_query
from bot.observability import logs
from bot.store import EncryptionKeyError, StoreUnavailable

# Collections of the youngest generation: every GC_YOUNGEST new objects rather than Python's 700 (see main()).
GC_YOUNGEST = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(prog="leonar-bot", description=__doc__)
    parser.add_argument("--mode", choices=["auto", "http", "socket"], default="auto",
                        help="auto: Socket Mode when SLACK_APP_TOKEN is set, else HTTP")
    mode = parser.parse_args().mode
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.exit(f"leonar-bot: invalid configuration:\n{exc}")
    if mode == "http":
        settings = settings.model_copy(update={"slack_app_token": None})
    elif mode == "socket" and settings.slack_app_token is None:
        sys.exit("leonar-bot: cannot start: Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-…)")
    logs.setup(settings.log_level, settings.log_format)
    try:
        web_app = create_web_app(settings)
    except (ConfigError, EncryptionKeyError, StoreUnavailable) as exc:
        sys.exit(f"leonar-bot: cannot start: {exc}")
    log = logging.getLogger(__name__)
    log.info("serving Slack requests on http://%s:%s/slack/events", settings.bind_host, settings.port)
    logging.getLogger("uvicorn.access").addFilter(without_query)
    # Under a burst of requests the garbage collector took a fifth of the bot's CPU (bench/README.md, P4 one
    # member), its full collections walking everything start-up made (modules, the app, the catalogs: ~80,000
    # objects) and every request in flight. What exists now is frozen out of collections, and the youngest
    # generation is collected less often: what that keeps longer is a few MB of cyclic garbage at most.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNGEST, *gc.get_threshold()[1:])
    uvicorn.run(
        web_app,
        host=settings.bind_host,
        port=settings.port,
        log_config=None,  # keep our handlers (and their secret filter)
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        # uvicorn types it int; it is an asyncio timeout, and a test's shrunk limits are fractions of a second.
        timeout_graceful_shutdown=settings.limits.requests_grace_seconds,  # type: ignore[arg-type]
        # Slow and numerous clients: bounded connections, a deadline per request, no access log but at DEBUG.
        **uvicorn_options(settings.log_level, settings.limits.request_seconds),
    )


if __name__ == "__main__":
    main()
