"""Wiring: the Bolt app with its listeners, and the ASGI app that serves it over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import listeners
from bot.config import Settings
from bot.http_guard import SlackRequestGuard
from bot.i18n import t
from bot.leonar import Leonar
from bot.manifest import BOT_SCOPES
from bot.observability import instruments, requests
from bot.observability.endpoint import metrics_route
from bot.polling.poller import Poller
from bot.polling.slack_post import SlackPoster
from bot.services import Services
from bot.slack import context, guard
from bot.slack.authorize import InstallationAuthorize
from bot.store import cached, limits, open_store
from bot.store.deadline import within
from bot.store.follows_open import open_follows
from bot.store.slack_installations import OAuthStates, SlackInstallations

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which variable to fix."""


def create_services(settings: Settings) -> Services:
    key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    try:
        # Connection, settings and installation of each workspace in memory (bot/store/cached.py); the store
        # latency metric times what still reaches the database.
        raw = open_store(settings.database_url, key, pool_size=settings.database_pool_size)
        store = cached(raw, settings.database_url, measured=instruments.timed_store)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return Services(
        settings=settings,
        store=store,
        follows=open_follows(raw),
        leonar=Leonar(
            settings.leonar_api_url,
            connect_timeout=settings.leonar_connect_timeout,
            read_timeout=settings.leonar_read_timeout,
            entry_read_timeout=settings.limits.entry_read_seconds,
        ),
    )


def check(settings: Settings) -> None:
    """Refuse a configuration that cannot work, before anything is created (database, key file)."""
    missing = settings.missing()
    if missing:
        raise ConfigError(f"set {' and '.join(missing)} (see README, 'Configuration')")


def create_bolt_app(services: Services) -> AsyncApp:
    settings = services.settings
    check(settings)
    bolt_logger = logging.getLogger("slack_bolt")
    bolt_logger.addFilter(_drop_token_skipped_warning)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    # Listeners return at their ack and go on in the background: see bot/slack/guard.py.
    common: dict[str, Any] = {"signing_secret": secret, "logger": bolt_logger, "process_before_response": True}
    if settings.oauth:
        client = AsyncWebClient(base_url=settings.slack_api_url)
        app = AsyncApp(client=client, **_oauth(services, client), **common)
    else:
        assert settings.slack_bot_token
        token = settings.slack_bot_token.get_secret_value()
        app = AsyncApp(client=AsyncWebClient(token=token, base_url=settings.slack_api_url), **common)
    context.install(app, services)
    app.middleware(instruments.watch_budget)
    listeners.register(app)
    return app


def _oauth(services: Services, client: AsyncWebClient) -> dict[str, Any]:
    """Bolt's OAuth flow, with installations and OAuth states kept in our store (same database as the keys)."""
    settings = services.settings
    assert settings.slack_client_id and settings.slack_client_secret
    installations = SlackInstallations(services.store)
    client_secret = settings.slack_client_secret.get_secret_value()
    return {
        "installation_store": installations,
        # A cached authorization spares an auth.test call to Slack on every request (each options load); an
        # expired token is refreshed once per workspace, however many requests find it expired.
        "authorize": InstallationAuthorize(
            store=services.store, installation_store=installations, client_id=settings.slack_client_id,
            client_secret=client_secret, lock_wait=settings.limits.refresh_lock_seconds, bot_only=True,
            cache_enabled=True, logger=logging.getLogger("slack_bolt"),
            client=client,  # token rotation calls oauth.v2.access at SLACK_API_URL like every other call
        ),
        "installation_store_bot_only": True,
        # Bolt says this when no installation could be read, whether none exists or the database did not answer
        # (it swallows the store's error): one sentence must be true of both. Bolt takes one text: English.
        "user_facing_authorize_error_message": t("en", "access.no_installation"),
        "oauth_settings": AsyncOAuthSettings(
            client_id=settings.slack_client_id, client_secret=client_secret, scopes=list(BOT_SCOPES),
            installation_store=installations, installation_store_bot_only=True,
            state_store=OAuthStates(services.store, client_secret),
        ),
    }


def _drop_token_skipped_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN itself and warns that our client (which carries that same token and the
    # configurable SLACK_API_URL) wins: true, and misleading to whoever reads the log.
    return "`token` will be unused" not in record.getMessage()


def create_web_app(settings: Settings, services: Services | None = None) -> Starlette:
    """POST /slack/events for every Slack request; GET /healthz once the store answers.

    Every request first goes through SlackRequestGuard (bot/http_guard.py): bodies over 1 MB are refused, and on
    POST /slack/events the signature is checked on the raw bytes before Bolt reads or parses anything.
    """
    check(settings)
    services = services or create_services(settings)
    bolt = create_bolt_app(services)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        # Bolt answers 500 when a payload is malformed in ways it does not expect (and may raise); Slack
        # never sends those, so they are bad requests. Signature failures (401) come first and pass through.
        requests.arrived()
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
            await within(limits.HEALTH_SECONDS, services.store.ping())  # a stuck database: 503, not a hang
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
        try:  # opens PostgreSQL's pool now, not at the first request
            await within(limits.HEALTH_SECONDS, services.store.ping())
        except Exception as exc:  # reported by /healthz from now on; requests meanwhile say the database is down
            log.warning("database not answering at start: %s", type(exc).__name__)
        socket_mode = None
        if settings.slack_app_token:
            # Socket Mode: Slack's requests arrive over a WebSocket the bot opens; HTTP serves /healthz.
            socket_mode = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
            await socket_mode.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack over Socket Mode")
        poller = Poller(settings, services.store, services.follows, services.leonar,
                        SlackPoster(settings, services.store, session))
        poller.start()
        yield
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
        # On SIGTERM uvicorn stops accepting and gives requests being answered their grace (Slack gives up after
        # 3 s anyway); acknowledged work (a card being posted, a slow add) then gets the drain to finish, and what
        # is still running `tell` to say it was interrupted, before the Slack and Leonar clients and the store
        # close: within Limits.shutdown_seconds, so a platform's usual 30 s grace never kills it midway (README).
        # The poller stops alongside the drain, within its bound: a poll in flight ends or is cut, losing nothing
        # (its snapshot was not saved; bot/store/poll_state.py), so it is not worth a longer wait.
        bounds = settings.limits
        await asyncio.gather(poller.stop(timeout=bounds.poller_stop_seconds),
                             guard.drain(timeout=bounds.drain_seconds, tell=bounds.tell_seconds))
        await session.close()
        await services.leonar.aclose()
        await services.store.close()

    routes = [Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    if settings.oauth:
        routes += [Route("/slack/install", events, methods=["GET"]),
                   Route("/slack/oauth_redirect", events, methods=["GET"])]
    if settings.metrics_token:  # unset: no /metrics at all (it shows workspace ids)
        routes.append(metrics_route(settings.metrics_token.get_secret_value()))
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    guard_layer = Middleware(SlackRequestGuard, signing_secret=secret)
    return Starlette(routes=routes, lifespan=lifespan, middleware=[guard_layer])
