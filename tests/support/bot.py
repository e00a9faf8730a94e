"""The bot under test: the credentials the fakes accept, and the real ASGI app served on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from cryptography.fernet import Fernet

from bot.app import create_web_app
from bot.config import Settings
from bot.http_server import uvicorn_options
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
LEONAR_KEY = "leo_test_key_acme_0001"
ADMIN = "U0001"


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
    app = create_web_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on",
                            **uvicorn_options(settings.log_level))  # served as `python -m bot` serves it
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
