"""How `python -m bot` starts: what it refuses, and what it serves once it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.bot import BOT_TOKEN, SIGNING_SECRET
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEONAR_")) and "PROXY" not in k.upper()}
    env.update({"PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    env.update(extra)
    return env





def test_socket_mode_without_app_token_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--mode", "socket"],
                            env=bot_env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN), cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "Socket Mode needs SLACK_APP_TOKEN" in result.stderr


def test_missing_configuration_is_named_at_start(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot"], env=bot_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in result.stderr
    assert not list(tmp_path.glob("*.db*"))  # refused before creating anything


@pytest.mark.slow
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
