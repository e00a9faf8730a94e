"""Wiring: the Bolt app with its listeners, and the ASGI app that serves it over HTTP."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import listeners
from bot.config import Settings
from bot.leonar import Leonar
from bot.listeners import context, guard
from bot.services import Services
from bot.store import open_store

log = logging.getLogger(__name__)
# On shutdown, acknowledged work (a card being posted, a slow add) gets this long to finish.
DRAIN_SECONDS = 20.0


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which variable to fix."""


def create_services(settings: Settings) -> Services:
    key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    try:
        store = open_store(settings.database_url, key)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return Services(
        settings=settings,
        store=store,
        leonar=Leonar(
            settings.leonar_api_url,
            connect_timeout=settings.leonar_connect_timeout,
            read_timeout=settings.leonar_read_timeout,
        ),
    )


def create_bolt_app(services: Services) -> AsyncApp:
    settings = services.settings
    missing = settings.missing()
    if missing:
        raise ConfigError(f"set {' and '.join(missing)} (see README, 'Configuration')")
    assert settings.slack_bot_token
    bolt_logger = logging.getLogger("slack_bolt")
    bolt_logger.addFilter(_drop_token_skipped_warning)
    app = AsyncApp(
        client=AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url),
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        logger=bolt_logger,
        # Listeners return at their ack and go on in the background: see bot/listeners/guard.py.
        process_before_response=True,
    )
    context.install(app, services)
    listeners.register(app)
    return app


def _drop_token_skipped_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN itself and warns that our client (which carries that same token and the
    # configurable SLACK_API_URL) wins: true, and misleading to whoever reads the log.
    return "`token` will be unused" not in record.getMessage()


def create_web_app(settings: Settings, services: Services | None = None) -> Starlette:
    """POST /slack/events for every Slack request; GET /healthz once the store answers."""
    services = services or create_services(settings)
    bolt = create_bolt_app(services)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        # Bolt answers 500 when a payload is malformed in ways it does not expect (and may raise); Slack
        # never sends those, so they are bad requests. Signature failures (401) come first and pass through.
        try:
            response = await handler.handle(request)
        except Exception:
            log.exception("request could not be handled")
            return JSONResponse({"error": "invalid request"}, status_code=400)
        if response.status_code >= 500:
            return JSONResponse({"error": "invalid request"}, status_code=400)
        return response

    async def healthz(request: Request) -> Response:
        try:
            services.store.ping()
        except Exception as exc:  # report, don't crash: the probe wants a status, not a traceback
            log.error("health check failed: %s", type(exc).__name__)
            return JSONResponse({"ok": False, "error": "database unavailable"}, status_code=503)
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # One aiohttp session for every Slack API call (Bolt hands it to each request's client); without it
        # slack_sdk opens and closes a session, and a connection, per call.
        session = aiohttp.ClientSession()
        bolt.client.session = session
        socket_mode = None
        if settings.slack_app_token:
            # Socket Mode: Slack's requests arrive over a WebSocket the bot opens; HTTP serves /healthz.
            socket_mode = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
            await socket_mode.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack over Socket Mode")
        yield
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
        await guard.drain(timeout=DRAIN_SECONDS)
        await session.close()
        await services.leonar.aclose()
        services.store.close()

    return Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])],
        lifespan=lifespan,
    )
