"""Shared fixtures: a clean environment, the fake Slack and fake Leonar servers, the running bot."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.limits import Limits
from tests.support import postgres_server as postgres_server_module
from tests.support.blocking import Blocking
from tests.support.bot import (
    ADMIN,
    BOT_TOKEN,
    LEONAR_KEY,
    SIGNING_SECRET,
    RunningBot,
    ack_deadline,
    make_settings,
    serve,
)
from tests.support.driver import SlackDriver
from tests.support.fakes.leonar import FakeLeonar
from tests.support.fakes.slack import FakeSlack
from tests.support.follows import StoredFollows
from tests.support.installs import CLIENT_ID

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
TMPFS = "/dev/shm"


def _on_tmpfs() -> None:
    """Test files (each bot's SQLite database, the throwaway PostgreSQL server) in memory when the machine has a
    roomy tmpfs and TMPDIR says nothing else: their fsyncs cost the suite a sixth of its time and test nothing."""
    if os.environ.get("TMPDIR") or not os.access(TMPFS, os.W_OK):
        return
    stats = os.statvfs(TMPFS)
    if stats.f_bavail * stats.f_frsize >= 2 * 1024**3:
        os.environ["TMPDIR"] = tempfile.tempdir = TMPFS


_on_tmpfs()


@pytest.fixture(autouse=True)
def close_stores() -> Iterator[None]:
    """Stores a test opened (tests/support/blocking.py) are closed with it, pools and threads included."""
    yield
    Blocking.close_all()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SLACK_*/LEONAR_* or proxy variable from the developer's shell may leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LEONAR_")) or name.upper() in PROXY_VARS or name in (
            "DATABASE_URL", "ENCRYPTION_KEY", "PORT", "LOG_LEVEL", "LOG_FORMAT", "METRICS_TOKEN"
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
    base = Path(tempfile.mkdtemp(prefix="leonar-pg-"))  # /tmp or tmpfs: the postgres user must reach it
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
        try:  # copied as files from the pristine template: 25 ms, where the default (WAL_LOG) takes 300
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 STRATEGY FILE_COPY")
        except psycopg.errors.SyntaxError:  # PostgreSQL before 15
            admin.execute(f"CREATE DATABASE {name}")
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def seeded(leonar: FakeLeonar) -> FakeLeonar:
    """230 active projects (a search must page), one archived, and two contacts with every field."""
    for n in range(230):
        leonar.add_project(f"Backend Engineer #{n:03d}", client_company="Doctolib", location="Paris")
    leonar.add_project("Zeta Platform Lead", stages=["Sourced", "Call", "Onsite", "Hired"])
    leonar.add_project("Old search", status="archived")
    leonar.add_contact("Éloïse", "Martin", title="Staff Engineer", current_company="Qonto", location="Paris",
                       linkedin_profile="https://www.linkedin.com/in/eloise-martin", years_experience=9,
                       skills=["Python", "Kafka"], tags=["referral"],
                       emails=[{"email": "eloise@example.com", "type": "work"}],
                       phones=[{"phone": "+33 6 12 34 56 78", "type": "personal"}])
    leonar.add_contact("Bob", "Stone", title="Designer", current_company="Alan")
    return leonar


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


def marked_limits(request: pytest.FixtureRequest) -> Limits:
    """@pytest.mark.limits(field=seconds, ...): the test's bot gets these limits instead of waiting out real ones."""
    marker = request.node.get_closest_marker("limits")
    return Limits(**marker.kwargs) if marker else Limits()


@pytest.fixture
def bot(request: pytest.FixtureRequest, slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path) -> Iterator[RunningBot]:
    """The bot's real app, requests dispatched in-process (tests/support/bot.py)."""
    marker = request.node.get_closest_marker("settings")
    running = serve(make_settings(slack, leonar, tmp_path / "bot.db", limits=marked_limits(request),
                                  **(marker.kwargs if marker else {})))
    yield running
    running.stop()


@pytest.fixture
def oauth_bot(slack: FakeSlack, leonar: FakeLeonar, tmp_path: Path) -> Iterator[RunningBot]:
    """The bot serving several workspaces, each installing it through Slack's OAuth flow (tests/support/installs):
    listening on a port, where the browser goes."""
    running = serve(make_settings(slack, leonar, tmp_path / "bot.db", slack_bot_token=None,
                                  slack_client_id=CLIENT_ID, slack_client_secret="oauth-client-secret"), listen=True)
    yield running
    running.stop()


@pytest.fixture
def driver(bot: RunningBot, slack: FakeSlack) -> Iterator[SlackDriver]:
    drv = SlackDriver(bot, SIGNING_SECRET, slack)
    drv.ack_deadline = ack_deadline(bot.settings.limits)
    yield drv
    drv.close()
    assert not slack.problems, f"the bot sent Slack invalid Block Kit: {slack.problems}"


@pytest.fixture
def follows(bot: RunningBot) -> StoredFollows:
    """The follows `bot` keeps, in its database."""
    key = bot.settings.encryption_key
    return StoredFollows(bot.settings.database_url, key.get_secret_value() if key else None)
