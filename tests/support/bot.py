"""The bot under test: the credentials the fakes accept, and the real ASGI app running on an event loop of its own.

Requests reach the app in-process (httpx's ASGITransport, from any thread): the HTTP guard, the signature check,
Bolt and every listener run as in production, without a socket or a server to start and stop. A test that needs
a URL (a browser going through OAuth, a probe beside the driver) asks for `listen=True`: the same app is then
served by uvicorn on a loopback port too, as `python -m bot` serves it, on the same loop. What only a process
shows (signals, descriptors, several processes) is tested against `python -m bot` (tests/support/tryout.py).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from cryptography.fernet import Fernet
from starlette.applications import Starlette

from bot.app import create_services, create_web_app
from bot.config import Settings
from bot.http_server import uvicorn_options
from bot.limits import Limits
from bot.services import Services
from bot.slack import guard
from tests.support.driver import ACK_DEADLINE
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.ports import free_port

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
LEONAR_KEY = "leo_test_key_acme_0001"
ADMIN = "U0001"
IN_PROCESS = "http://bot.test"  # the base URL of in-process requests (never resolved)
START_SECONDS = 10.0
# Slack's windows (answers before the 3 s ack). A test that waits one out shrinks it (@pytest.mark.limits), and the
# driver's 3 s shrinks alike (ack_deadline): a bot that waited for Leonar instead of its window must still fail.
SLACK_WINDOWS = ("options_seconds", "submit_seconds", "key_check_seconds", "step_menu_seconds",
                 "follow_check_seconds", "follow_post_seconds", "users_info_seconds")
ACK_MARGIN = 1.0  # above a shrunk window, for CPU noise on two shared cores (Slack's own margin is 0.7 s)

T = TypeVar("T")


def ack_deadline(limits: Limits) -> float:
    """Slack's 3 s as the driver should see it for a bot with these limits."""
    defaults = Limits()
    shrunk = [getattr(limits, name) for name in SLACK_WINDOWS if getattr(limits, name) < getattr(defaults, name)]
    return min(ACK_DEADLINE, max(shrunk) + ACK_MARGIN) if shrunk else ACK_DEADLINE


def make_settings(slack: FakeSlack, leonar: FakeLeonar, db: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "leonar_api_url": leonar.url,
        "database_url": f"sqlite:///{db}",
        "encryption_key": Fernet.generate_key().decode(),
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class LoopTransport(httpx.BaseTransport):
    """A synchronous httpx transport that hands each request to the app on its loop, as a socket would."""

    def __init__(self, app: Starlette, loop: asyncio.AbstractEventLoop) -> None:
        # An exception escaping the app is a 500, as uvicorn answers it, not an exception in the test.
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        chunks = list(stream) if isinstance(stream, httpx.SyncByteStream) else [request.read()]

        async def dispatch() -> tuple[int, httpx.Headers, bytes]:
            async def body() -> Any:
                for chunk in chunks:  # as sent: a streamed body arrives in pieces, counted as it is read
                    yield chunk

            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body())
            response = await self._asgi.handle_async_request(forwarded)
            return response.status_code, response.headers, await response.aread()

        status, headers, content = asyncio.run_coroutine_threadsafe(dispatch(), self._loop).result()
        return httpx.Response(status, headers=headers, content=content, request=request)


@dataclass
class RunningBot:
    settings: Settings
    services: Services
    app: Starlette
    loop: asyncio.AbstractEventLoop
    transport: LoopTransport
    http: httpx.Client = field(init=False)  # requests to the app (/healthz, /metrics, ...)
    _thread: threading.Thread | None = None
    _lifespan: _Lifespan | None = None
    _server: uvicorn.Server | None = None
    _serving: asyncio.Future[None] | None = None
    _url: str | None = None

    @property
    def url(self) -> str:
        """Where uvicorn serves the app: only with serve(..., listen=True); drivers take the bot itself."""
        assert self._url is not None, "this bot is run in-process: serve(..., listen=True) gives it a URL"
        return self._url

    def __post_init__(self) -> None:
        self.http = httpx.Client(transport=self.transport, base_url=IN_PROCESS, timeout=10.0, trust_env=False)

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run `work` on the bot's loop, from the test's thread."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def settle(self, timeout: float = 5.0) -> None:
        """Return once every acknowledged piece of work (cards, updates, posts after an ack) has finished: what
        a test then finds missing will not come later. Fails past `timeout`."""
        self.run(settled(timeout, self.services), timeout + 1)

    def stop(self) -> None:
        """Shut down as on SIGTERM (the drain, the poller, the clients and the store), then end the loop."""
        if self._thread is None:
            return
        self.http.close()
        try:
            if self._server is not None:
                self._server.should_exit = True  # uvicorn runs the app's shutdown, then returns
                assert self._serving is not None
                self.run(asyncio.wait_for(asyncio.shield(self._serving), 30), 31)
            elif self._lifespan is not None:
                self.run(self._lifespan.shutdown(), 30)
            self.run(_cancel_the_rest(), 10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
            if not self.loop.is_running():
                self.loop.close()


async def _cancel_the_rest() -> None:
    """What is still running once the app shut down is cancelled, as asyncio.run does when `python -m bot` ends."""
    current = asyncio.current_task()
    rest = [task for task in asyncio.all_tasks() if task is not current]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


async def settled(timeout: float = 5.0, services: Services | None = None) -> None:
    """Returns once this loop's acknowledged work (bot/slack/guard.py), and the durable work its runner has started
    (bot/durable/runner.py), has all finished; fails past `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def unfinished() -> set[asyncio.Task[Any]]:
        tracked = {t for t in guard._running if t.get_loop() is loop}
        if services is not None:
            tracked |= set(services.runner.running())
        return {t for t in tracked if not t.done()}

    # Work may start more work (guard.later, a job accepted by a listener): wait until nothing is tracked.
    while pending := unfinished():
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"{len(pending)} acknowledged tasks still running after {timeout:g} s: "
                                 f"{sorted(t.get_coro().__qualname__ for t in pending)}")  # type: ignore[union-attr]
        await asyncio.wait(pending, timeout=left)


class _Lifespan:
    """The ASGI lifespan protocol, as uvicorn speaks it to the app: startup before requests, shutdown after."""

    def __init__(self, app: Starlette) -> None:
        self._app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._task = asyncio.create_task(self._app(scope, self._inbox.get, self._outbox.put))
        await self._exchange("startup")

    async def shutdown(self) -> None:
        await self._exchange("shutdown")
        assert self._task is not None
        await self._task

    async def _exchange(self, event: str) -> None:
        await self._inbox.put({"type": f"lifespan.{event}"})
        answer = await self._outbox.get()
        if answer["type"] != f"lifespan.{event}.complete":
            raise RuntimeError(f"the app's {event} failed: {answer.get('message')}")


def serve(settings: Settings, *, listen: bool = False) -> RunningBot:
    """The bot's real ASGI app started (lifespan) on a loop in a thread; with `listen`, also served by uvicorn on a
    loopback port, as `python -m bot` serves it. Its /healthz answers 200 before this returns."""
    services = create_services(settings)
    app = create_web_app(settings, services)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="bot-loop", daemon=True)
    thread.start()
    running = RunningBot(settings, services, app, loop, LoopTransport(app, loop), _thread=thread)
    try:
        if listen:
            port = free_port()
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on",
                                    **uvicorn_options(settings.log_level, settings.limits.request_seconds))
            running._server = server = uvicorn.Server(config)
            running._url = f"http://127.0.0.1:{port}"
            running._serving = asyncio.run_coroutine_threadsafe(_serve(server), loop).result(START_SECONDS)
        else:
            running._lifespan = _Lifespan(app)
            running.run(running._lifespan.startup(), START_SECONDS)
        health = running.http.get("/healthz")
        assert health.status_code == 200, f"the bot is not healthy: {health.status_code} {health.text}"
    except BaseException:
        running.stop()
        raise
    return running


async def _serve(server: uvicorn.Server) -> asyncio.Future[None]:
    """uvicorn's serve() as a task, returned once it listens."""
    serving = asyncio.ensure_future(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # raises what stopped it
            raise RuntimeError("uvicorn exited before listening")
        await asyncio.sleep(0.005)  # uvicorn says it listens with a flag, nothing to await
    return serving
