"""What to tell a recruiter when Leonar fails, in words they can act on."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.leonar import (
    REQUIRED_SCOPES,
    AlreadyInProject,
    InsufficientScope,
    InvalidApiKey,
    LeonarError,
    NotFound,
    RateLimited,
    ServerError,
    Unavailable,
    UnexpectedResponse,
    ValidationFailed,
)

SCOPES_TEXT = ", ".join(REQUIRED_SCOPES)


def retry_in(reset_at: int | None, now: datetime | None = None) -> str:
    if reset_at is None:
        return "in a few minutes"
    seconds = reset_at - int((now or datetime.now(UTC)).timestamp())
    if seconds <= 60:
        return "in a minute"
    return f"in {-(-seconds // 60)} minutes"


def describe(error: LeonarError) -> str:
    """One sentence for a Leonar failure during normal use (options, stages, adding)."""
    if isinstance(error, Unavailable) and error.may_have_arrived and error.writing:
        return ("Leonar did not confirm the add in time. The candidate may have been added: check the project in "
                "Leonar before trying again.")
    if isinstance(error, InvalidApiKey):
        return "Leonar rejected this workspace's API key. An admin can connect a new one with /leonar-add connect."
    if isinstance(error, InsufficientScope):
        return f"The Leonar API key lacks a permission the bot needs ({SCOPES_TEXT}). {error.message}"
    if isinstance(error, RateLimited):
        return f"Leonar request budget used up: try again {retry_in(error.reset_at)}."
    if isinstance(error, AlreadyInProject):
        return "This candidate is already in this project."
    if isinstance(error, NotFound):
        return f"Leonar could not find it any more: {error.message}"
    if isinstance(error, ValidationFailed):
        return f"Leonar refused it: {error.message}"
    if isinstance(error, Unavailable | ServerError | UnexpectedResponse):
        return "Leonar is not answering right now: try again in a moment."
    return f"Leonar answered with an error: {error.message}"


def describe_key_check(error: LeonarError) -> str:
    """Why a key could not be connected, shown under the key field."""
    if isinstance(error, InvalidApiKey):
        return "Leonar does not accept this key (invalid or revoked). Copy it again from Leonar › Settings › API."
    if isinstance(error, InsufficientScope):
        return f"This key lacks a scope the bot needs. Give it: {SCOPES_TEXT}."
    if isinstance(error, RateLimited):
        return f"This key has used its hourly Leonar request budget. Try again {retry_in(error.reset_at)}."
    if isinstance(error, Unavailable | ServerError | UnexpectedResponse):
        return "Leonar could not be reached to check the key. Try again in a moment."
    return f"Leonar refused the key: {error.message}"


def missing_scopes_problem(missing: list[str]) -> str | None:
    lacking = [scope for scope in missing if scope in REQUIRED_SCOPES]
    if not lacking:
        return None
    return f"This key lacks {', '.join(lacking)}. The bot needs: {SCOPES_TEXT}."
