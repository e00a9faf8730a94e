"""Wiring: the Bolt app with its listeners, and the ASGI app that serves it over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
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
from bot.durable.runner import Runner
from bot.http_guard import SlackRequestGuard
from bot.i18n import t
from bot.leonar import Leonar, fair
from bot.manifest import BOT_SCOPES
from bot.observability import instruments, requests
from bot.observability.endpoint import metrics_route
from bot.polling.poller import Poller
from bot.polling.slack_post import SlackPoster
from bot.services import ChannelMemory, Services
from bot.slack import (
    adding,
    context,
    guard,
    leaving,
    mention_press,
    saving,
    thread_note_saving,
    thread_notes,
    welcome,
    workflow_step,
)
from bot.slack import mentions as mention_requests
from bot.slack.authorize import InstallationAuthorize
from bot.slack.feedback_jobs import SWEEP_SECONDS, FeedbackWork
from bot.slack.handler import SlackRequestHandler
from bot.slack.installations import OAuthStates, SlackInstallations
from bot.socket_mode import SocketMode
from bot.store import Store, open_store
from bot.store.database import within

log = logging.getLogger(__name__)
# How often instances tell each other what each member spent of each key (bot/leonar/fair.py): a member may spend
# up to this long's worth on several instances before each hears of the others.
FAIR_SYNC_SECONDS = 1.0


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which variable to fix."""


def create_services(settings: Settings) -> Services:
    key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
    try:
        # The store latency metric times what reaches the database (the cache's hits do not).
        store = open_store(settings.database_url, key, limits=settings.limits, pool_size=settings.database_pool_size,
                           observe=instruments.store_call)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    # Instances sharing a PostgreSQL database share each key's duplicate-check indexes and per-user budget shares
    # through it; a SQLite file is served by one process.
    several = store.db.dialect.name == "postgres"
    leonar = Leonar(settings.leonar_api_url, connect_timeout=settings.leonar_connect_timeout,
                    read_timeout=settings.leonar_read_timeout, entry_read_timeout=settings.limits.entry_read_seconds,
                    indexes=store.shared if several else None)
    return Services(settings=settings, store=store, runner=_runner(settings, store, leonar, several=several),
                    leonar=leonar, channels=ChannelMemory(store.cache))


def _runner(settings: Settings, store: Store, leonar: Leonar, *, several: bool) -> Runner:
    runner = Runner(store.jobs, settings.limits)
    runner.every(3600, "prune recent adds", lambda: store.workspaces.prune_adds(settings.recent_adds_days))
    runner.every(3600, "prune finished jobs", store.jobs.prune)
    runner.every(3600, "prune card records", store.cards.prune)
    runner.every(3600, "prune saved thread replies", store.thread_notes.prune)
    if several:
        sync = fair.Sync(store.shared, runner.holder)
        runner.every(FAIR_SYNC_SECONDS, "share budgets", lambda: sync.run(leonar.shares(), time.time()))
        runner.every(300, "prune shared", store.shared.prune)
    return runner


def _work(services: Services) -> None:
    """What each kind of accepted work does, once the services it needs exist."""
    services.runner.register(workflow_step.KIND, workflow_step.Step(services).kind())
    services.runner.register(leaving.KIND, leaving.Leaving(services).kind())
    services.runner.register(welcome.KIND, welcome.Welcome(services).kind())
    services.runner.register(adding.KIND, adding.Resume(services).kind())
    services.runner.register(saving.KIND, saving.Resume(services).kind())  # Save to Leonar
    services.runner.register(thread_notes.KIND, thread_note_saving.Saving(services).kind())  # card threads
    services.runner.register(mention_requests.KIND, mention_requests.Answering(services).kind())  # @Leonar

    services.runner.register(mention_press.KIND, mention_press.Pressing(services).kind())
    # Feedback requests: sending, each answer's note, reminders, the requester's summary.
    feedback = FeedbackWork(services)
    for name, kind in feedback.kinds().items():
        services.runner.register(name, kind)
    services.runner.every(SWEEP_SECONDS, "note feedback answers left behind", feedback.sweep)


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
    _work(services)
    context.install(app, services)
    app.middleware(context.Middleware(lambda ctx, body, next: instruments.watch_budget(ctx, next)))
    listeners.register(app)
    return app


def _oauth(services: Services, client: AsyncWebClient) -> dict[str, Any]:
    """Bolt's OAuth flow, with installations and OAuth states kept in our store (same database as the keys)."""
    settings = services.settings
    assert settings.slack_client_id and settings.slack_client_secret
    installations = SlackInstallations(services.store.installations)
    client_secret = settings.slack_client_secret.get_secret_value()
    return {
        "installation_store": installations,
        # A cached authorization spares an auth.test call to Slack on every request (each options load); an
        # expired token is refreshed once per workspace, however many requests find it expired.
        "authorize": InstallationAuthorize(
            store=services.store.installations, installation_store=installations,
            client_id=settings.slack_client_id, client_secret=client_secret,
            lock_seconds=settings.limits.refresh_lock_seconds, bot_only=True, cache_enabled=True,
            logger=logging.getLogger("slack_bolt"),
            client=client,  # token rotation calls oauth.v2.access at SLACK_API_URL like every other call
        ),
        "installation_store_bot_only": True,
        # Bolt says this when no installation could be read, whether none exists or the database did not answer
        # (it swallows the store's error): one sentence must be true of both. Bolt takes one text: English.
        "user_facing_authorize_error_message": t("en", "access.no_installation"),
        "oauth_settings": AsyncOAuthSettings(
            client_id=settings.slack_client_id, client_secret=client_secret, scopes=list(BOT_SCOPES),
            installation_store=installations, installation_store_bot_only=True,
            state_store=OAuthStates(services.store.installations, client_secret),
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
    handler = SlackRequestHandler(bolt)  # Bolt's, decoding interaction payloads faster (bot/slack/handler.py)

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
            await within(settings.limits.health_seconds, services.store.db.ping())  # a stuck database: 503
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
            await within(settings.limits.health_seconds, services.store.db.ping())
        except Exception as exc:  # reported by /healthz from now on; requests meanwhile say the database is down
            log.warning("database not answering at start: %s", type(exc).__name__)
        socket_mode = None
        if settings.slack_app_token:
            # Socket Mode: Slack's requests arrive over a WebSocket the bot opens; HTTP serves /healthz.
            socket_mode = SocketMode(bolt, settings.slack_app_token.get_secret_value())
            await socket_mode.connect_async()  # type: ignore[no-untyped-call]
            log.info("connected to Slack over Socket Mode")
        poster = SlackPoster(settings, services.store, services.channels, session)
        poller = Poller(settings, services.store, services.leonar, poster)
        poller.start()
        services.runner.start()
        yield
        # On SIGTERM uvicorn stops accepting and gives requests being answered their grace (Slack gives up after
        # 3 s anyway); in Socket Mode, what was received is acknowledged before the socket closes, within that same
        # grace. Acknowledged work (a card being posted, a slow add) then gets the drain to finish, and what is
        # still running `tell` to say it was interrupted (durable work is given back, for another instance or the
        # next start to resume), before the Slack and Leonar clients and the store close: within
        # Limits.shutdown_seconds, so a platform's usual 30 s grace never kills it midway (README). The poller stops
        # alongside the drain, within its bound: a poll in flight ends or is cut, losing nothing (its snapshot was
        # not saved; bot/store/poll_state.py), so it is not worth a longer wait.
        bounds = settings.limits
        if socket_mode is not None:
            await socket_mode.stop(timeout=bounds.requests_grace_seconds)
        await asyncio.gather(poller.stop(timeout=bounds.poller_stop_seconds),
                             guard.drain(timeout=bounds.drain_seconds, tell=bounds.tell_seconds),
                             services.runner.stop(timeout=bounds.drain_seconds))
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
