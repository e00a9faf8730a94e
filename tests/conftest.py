"""Shared fixtures: a clean environment, the fake Slack and fake Leonar servers, the running bot."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from cryptography.fernet import Fernet

from bot.app import create_web_app
from bot.config import Settings
from tests import postgres_server as postgres_server_module
from tests.driver import SlackDriver
from tests.fakes.leonar import FakeLeonar
from tests.fakes.slack import FakeSlack

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
LEONAR_KEY = "leo_test_key_acme_0001"
ADMIN = "U0001"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SLACK_*/LEONAR_* or proxy variable from the developer's shell may leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LEONAR_")) or name.upper() in PROXY_VARS or name in (
            "DATABASE_URL", "ENCRYPTION_KEY", "PORT", "LOG_LEVEL"
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a stray .env or leonar-bot.db in the checkout must not be read


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server: CI's (TEST_DATABASE_URL, which must work), else one started here, else a skip."""
    dsn = os.environ.get("TEST_DATABASE_URL")
    if dsn:
        yield dsn
        return
    base = Path(tempfile.mkdtemp(prefix="leonar-pg-"))  # under /tmp: the postgres user must reach it
    try:
        dsn, stop = postgres_server_module.start(base)
    except postgres_server_module.NoPostgres as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    yield dsn
    stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards."""
    name = f"leonar_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT_TOKEN) as fake:
        fake.add_user(ADMIN, admin=True)  # the driver's default user connects the workspace
        yield fake


@pytest.fixture
def leonar() -> Iterator[FakeLeonar]:
    with FakeLeonar() as fake:
        fake.add_key(LEONAR_KEY)
        yield fake


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningBot:
    url: str
    settings: Settings
    server: uvicorn.Server


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


def serve(settings: Settings) -> RunningBot:
    """The bot's real ASGI app under uvicorn on a loopback port, in a thread, until /healthz answers."""
    port = free_port()
    config = uvicorn.Config(create_web_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return RunningBot(url, settings, server)
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the bot did not become healthy within 10 s")


@pytest.fixture
def bot(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path) -> Iterator[RunningBot]:
    running = serve(make_settings(slack, leonar, tmp_path / "bot.db"))
    yield running
    running.server.should_exit = True


@pytest.fixture
def driver(bot: RunningBot, slack: FakeSlack) -> Iterator[SlackDriver]:
    drv = SlackDriver(bot.url, SIGNING_SECRET, slack)
    yield drv
    drv.close()
    assert not slack.problems, f"the bot sent Slack invalid Block Kit: {slack.problems}"
