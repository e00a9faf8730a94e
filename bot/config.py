"""The bot's whole configuration, read from the environment (and a `.env` file when present)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.limits import Limits

DEFAULT_DATABASE = "leonar-bot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_nested_delimiter="__")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    # Multi-workspace: the app's OAuth credentials; each workspace then installs it from /slack/install.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # Socket Mode (no public URL): an app-level token, xapp-…, with connections:write.
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    leonar_api_url: str = "https://app.leonar.app/api/v1"
    database_url: str = DEFAULT_DATABASE
    # PostgreSQL connections per instance: instances × this must fit the server's max_connections.
    database_pool_size: int = Field(default=10, ge=1, le=100)
    encryption_key: SecretStr | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    bind_host: str = "0.0.0.0"
    log_level: str = "INFO"
    log_format: str = "text"
    # GET /metrics answers only with this bearer token; unset, the endpoint does not exist (it shows workspace ids).
    metrics_token: SecretStr | None = None
    # Leonar must answer well inside Slack's 3-second windows; these bound every call.
    leonar_connect_timeout: float = 1.0
    leonar_read_timeout: float = 2.0
    # Pipeline activity: each followed project is polled this often, stretched so that polling never uses more
    # than LEONAR_POLL_BUDGET of the key's hourly request limit (bot/activity/budget.py).
    leonar_poll_seconds: float = Field(default=120.0, gt=0)
    leonar_poll_budget: float = Field(default=0.2, gt=0, le=1)
    # The App Home's recent adds (who added which candidate) are kept this many days (README, "What the bot keeps").
    recent_adds_days: int = Field(default=90, ge=1)
    # Leonar links unfurl as Slack Work Objects (README, "Work Object previews"): set once the app's Work Object
    # Previews are on. Off, links unfurl the classic way, whatever the app's configuration: Slack documents no answer
    # that tells an app with the previews off from one with them on, so the bot does not guess.
    work_objects: bool = False
    # Deadlines and periods (bot/limits.py): never set in production; tests shrink them (LIMITS__DRAIN_SECONDS=…).
    limits: Limits = Limits()

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "encryption_key",
                     "slack_client_id", "slack_client_secret", "metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json")
        return fmt

    def missing(self) -> list[str]:
        """Names of required variables that are not set, for a start-up error that says what to fix."""
        if self.oauth:
            required = [("SLACK_CLIENT_SECRET", self.slack_client_secret)]
        else:
            required = [("SLACK_BOT_TOKEN", self.slack_bot_token)]
        if self.slack_app_token is None:  # over Socket Mode no request comes over HTTP to be verified
            required.append(("SLACK_SIGNING_SECRET", self.slack_signing_secret))
        return [name for name, value in required if value is None or not value.get_secret_value()]

    @property
    def oauth(self) -> bool:
        """Multi-workspace mode: installed per workspace through Slack's OAuth flow."""
        return bool(self.slack_client_id)
