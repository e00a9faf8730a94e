"""Settings, the manifest, and how the process starts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.manifest import BOT_SCOPES, SAVE_CALLBACK, SAVE_SCOPES, UNFURL_DOMAINS
from bot.store import sqlite_path
from tests.support.slack_schema import manifest_problem

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_documented_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.leonar_api_url == "https://app.leonar.app/api/v1"
    assert settings.port == 3000 and sqlite_path(settings.database_url) == Path("leonar-bot.db")
    assert settings.missing() == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    monkeypatch.setenv("DATABASE_URL", "sqlite:////var/data/bot.db")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert sqlite_path(settings.database_url) == Path("/var/data/bot.db") and settings.log_level == "DEBUG"
    assert sqlite_path(Settings(database_url="sqlite:///rel/bot.db", _env_file=None).database_url) == Path("rel/bot.db")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not supported"):
        sqlite_path(Settings(database_url="mysql://x", _env_file=None).database_url)  # type: ignore[call-arg]


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


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket.yml", "manifest.org.yml",
                                  "manifest.distributed.yml"])
def test_every_manifest_is_valid(name: str) -> None:
    manifest = yaml.safe_load((ROOT / "manifests" / name).read_text())
    assert manifest_problem(manifest) is None
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket.yml")
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    # Leonar links unfurl: the domain, the event and both link scopes, in every manifest.
    assert manifest["features"]["unfurl_domains"] == list(UNFURL_DOMAINS)
    assert "link_shared" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"links:read", "links:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_dockerfile_runs_the_bot_as_a_non_root_user_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and "\nUSER leonar" in dockerfile
    assert 'CMD ["python", "-m", "bot"]' in dockerfile and "/healthz" in dockerfile


def test_the_org_wide_manifest_is_the_http_one_opted_in_to_grid() -> None:
    http = yaml.safe_load((ROOT / "manifests" / "manifest.distributed.yml").read_text())
    org = yaml.safe_load((ROOT / "manifests" / "manifest.org.yml").read_text())
    assert org["settings"]["org_deploy_enabled"] is True and http["settings"]["org_deploy_enabled"] is False
    assert set(org["settings"]["event_subscriptions"]["bot_events"]) == {
        *http["settings"]["event_subscriptions"]["bot_events"], "team_access_granted", "team_access_revoked"}
    assert org["features"] == http["features"] and org["oauth_config"] == http["oauth_config"]


def test_every_org_ready_manifest_hears_workspaces_granted_and_revoked() -> None:
    """Issue 18 E: the step manifests (org-ready) subscribed neither: a workspace removed from the app kept its
    Leonar key and follows, and the poller retried."""
    ready = [path for path in sorted((ROOT / "manifests").glob("*.yml"))
             if yaml.safe_load(path.read_text())["settings"]["org_deploy_enabled"]]
    assert len(ready) == 3
    for path in ready:
        events = yaml.safe_load(path.read_text())["settings"]["event_subscriptions"]["bot_events"]
        assert {"team_access_granted", "team_access_revoked"} <= set(events), path.name


def test_poll_settings_default_and_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.leonar_poll_seconds == 120 and settings.leonar_poll_budget == 0.2
    monkeypatch.setenv("LEONAR_POLL_SECONDS", "1")
    monkeypatch.setenv("LEONAR_POLL_BUDGET", "1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.leonar_poll_seconds == 1 and settings.leonar_poll_budget == 1
    for bad in ("0", "-0.1", "1.01", "lots"):
        monkeypatch.setenv("LEONAR_POLL_BUDGET", bad)
        with pytest.raises(ValueError):
            Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("LEONAR_POLL_BUDGET", "0.5")
    monkeypatch.setenv("LEONAR_POLL_SECONDS", "0")
    with pytest.raises(ValueError):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket.yml", "manifest.org.yml",
                                  "manifest.distributed.yml"])
def test_every_manifest_has_the_save_shortcut_and_its_scopes(name: str) -> None:
    """Issue 19 B: "Save to Leonar" on any message, its ✓ (reactions:write) and the thread's replies (history)."""
    manifest = yaml.safe_load((ROOT / "manifests" / name).read_text())
    shortcuts = {s["callback_id"]: s for s in manifest["features"]["shortcuts"]}
    assert shortcuts[SAVE_CALLBACK]["type"] == "message" and shortcuts[SAVE_CALLBACK]["name"] == "Save to Leonar"
    assert set(SAVE_SCOPES) <= set(manifest["oauth_config"]["scopes"]["bot"]) and set(SAVE_SCOPES) <= set(BOT_SCOPES)


def test_every_manifest_lets_card_threads_be_read_and_marked() -> None:
    """Card threads saved as notes: the message events of public and private channels, their scopes, and the ✓."""
    from bot.manifest import THREAD_NOTE_EVENTS

    for path in sorted((ROOT / "manifests").glob("*.yml")):
        manifest = yaml.safe_load(path.read_text())
        assert manifest_problem(manifest) is None, path.name
        assert set(THREAD_NOTE_EVENTS) <= set(manifest["settings"]["event_subscriptions"]["bot_events"]), path.name
        assert {"channels:history", "groups:history", "reactions:write"} <= set(BOT_SCOPES)
        assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES), path.name


def test_every_manifest_hears_mentions_and_the_apps_dm() -> None:
    """@Leonar requests (issue 20 D): app_mention and message.im, their scopes, and the Messages tab open."""
    from bot.manifest import MENTION_EVENTS, MENTION_SCOPES

    for path in sorted((ROOT / "manifests").glob("*.yml")):
        manifest = yaml.safe_load(path.read_text())
        assert manifest_problem(manifest) is None, path.name
        assert set(MENTION_EVENTS) <= set(manifest["settings"]["event_subscriptions"]["bot_events"]), path.name
        assert set(MENTION_SCOPES) <= set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES), path.name
        home = manifest["features"]["app_home"]
        assert home["messages_tab_enabled"] is True and not home.get("messages_tab_read_only_enabled"), path.name


def test_every_manifest_hears_deactivations() -> None:
    """Members' own keys (issue 21 A): a deactivated person's key goes at `user_change`, which users:read covers."""
    from bot.manifest import MEMBER_KEY_EVENTS

    for path in sorted((ROOT / "manifests").glob("*.yml")):
        manifest = yaml.safe_load(path.read_text())
        assert manifest_problem(manifest) is None, path.name
        assert set(MEMBER_KEY_EVENTS) <= set(manifest["settings"]["event_subscriptions"]["bot_events"]), path.name
        assert "users:read" in manifest["oauth_config"]["scopes"]["bot"], path.name
