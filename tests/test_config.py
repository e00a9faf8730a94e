"""Settings, the manifest, and how the process starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from bot.app import BOT_SCOPES
from bot.config import Settings
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, free_port
from tests.slack_schema import manifest_problem

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_match_the_documented_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.leonar_api_url == "https://app.leonar.app/api/v1"
    assert settings.port == 3000 and settings.sqlite_path() == Path("leonar-bot.db")
    assert settings.missing() == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/data/bot.db")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sqlite_path() == Path("/var/data/bot.db") and settings.log_level == "DEBUG"
    assert Settings(database_url="sqlite:///rel/bot.db", _env_file=None).sqlite_path() == Path("rel/bot.db")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not supported"):
        Settings(database_url="mysql://x", _env_file=None).sqlite_path()  # type: ignore[call-arg]


def test_manifest_is_valid_and_declares_what_the_bot_uses() -> None:
    manifest = yaml.safe_load((ROOT / "manifests" / "manifest.yml").read_text())
    assert manifest_problem(manifest) is None
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)  # what OAuth installs ask for
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/leonar-add" and command["url"].endswith("/slack/events")
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["request_url"].endswith("/slack/events")
    assert interactivity["message_menu_options_url"].endswith("/slack/events")


def test_procfile_has_a_web_and_a_worker_line() -> None:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().strip().splitlines())
    assert lines == {"web": "python -m bot --mode http", "worker": "python -m bot --mode socket"}


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket.yml"])
def test_every_manifest_is_valid(name: str) -> None:
    manifest = yaml.safe_load((ROOT / "manifests" / name).read_text())
    assert manifest_problem(manifest) is None
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket.yml")
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])


def test_socket_mode_without_app_token_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--mode", "socket"],
                            env=bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN), cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "Socket Mode needs SLACK_APP_TOKEN" in result.stderr


def test_dockerfile_runs_the_bot_as_a_non_root_user_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and "\nUSER leonar" in dockerfile
    assert 'CMD ["python", "-m", "bot"]' in dockerfile and "/healthz" in dockerfile


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEONAR_")) and "PROXY" not in k.upper()}
    env.update({"PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    env.update(extra)
    return env


def test_missing_configuration_is_named_at_start(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot"], env=bot_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in result.stderr
    assert not list(tmp_path.glob("*.db*"))  # refused before creating anything


def test_python_m_bot_serves_healthz_and_slack_events(tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, PORT=str(port),
                  SLACK_API_URL="http://127.0.0.1:9/api/", LEONAR_API_URL="http://127.0.0.1:9/api/v1")
    process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "the bot did not start"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json() == {"ok": True}
        unsigned = httpx.post(f"http://127.0.0.1:{port}/slack/events", data={"command": "/leonar-add"})
        assert unsigned.status_code == 401
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert "ENCRYPTION_KEY is not set" in output and (tmp_path / "bot.db.key").exists()


def test_postgres_without_encryption_key_is_refused_with_the_reason(tmp_path: Path) -> None:
    env = bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                  DATABASE_URL="postgresql://bot@127.0.0.1:9/leonar")
    result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0 and "ENCRYPTION_KEY is required" in result.stderr


def test_oauth_mode_needs_no_bot_token_but_the_client_secret(tmp_path: Path) -> None:
    env = bot_env(tmp_path, SLACK_CLIENT_ID="1.2", SLACK_SIGNING_SECRET=SIGNING_SECRET)
    result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode != 0 and "set SLACK_CLIENT_SECRET" in result.stderr
