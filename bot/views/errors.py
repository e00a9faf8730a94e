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
from bot.views.i18n import Lang, t

SCOPES_TEXT = ", ".join(REQUIRED_SCOPES)


def retry_in(reset_at: int | None, lang: Lang = "en", now: datetime | None = None) -> str:
    if reset_at is None:
        return t(lang, "when.few")
    seconds = reset_at - int((now or datetime.now(UTC)).timestamp())
    if seconds <= 60:
        return t(lang, "when.minute")
    return t(lang, "when.minutes", minutes=-(-seconds // 60))


def describe(error: LeonarError, lang: Lang = "en") -> str:
    """One sentence for a Leonar failure during normal use (options, stages, adding)."""
    if isinstance(error, Unavailable) and error.may_have_arrived and error.writing:
        return t(lang, "error.unconfirmed")
    if isinstance(error, InvalidApiKey):
        return t(lang, "error.invalid_key")
    if isinstance(error, InsufficientScope):
        return t(lang, "error.scope", scopes=SCOPES_TEXT, message=error.message)
    if isinstance(error, RateLimited):
        return t(lang, "error.budget", when=retry_in(error.reset_at, lang))
    if isinstance(error, AlreadyInProject):
        return t(lang, "error.already_in")
    if isinstance(error, NotFound):
        return t(lang, "error.not_found", message=error.message)
    if isinstance(error, ValidationFailed):
        return t(lang, "error.refused", message=error.message)
    if isinstance(error, Unavailable | ServerError | UnexpectedResponse):
        return t(lang, "error.down")
    return t(lang, "error.other", message=error.message)


def describe_key_check(error: LeonarError, lang: Lang = "en") -> str:
    """Why a key could not be connected, shown under the key field."""
    if isinstance(error, InvalidApiKey):
        return t(lang, "error.key_invalid")
    if isinstance(error, InsufficientScope):
        return t(lang, "error.key_scope", scopes=SCOPES_TEXT)
    if isinstance(error, RateLimited):
        return t(lang, "error.key_budget", when=retry_in(error.reset_at, lang))
    if isinstance(error, Unavailable | ServerError | UnexpectedResponse):
        return t(lang, "error.key_down")
    return t(lang, "error.key_refused", message=error.message)


def missing_scopes_problem(missing: list[str], lang: Lang = "en") -> str | None:
    lacking = [scope for scope in missing if scope in REQUIRED_SCOPES]
    if not lacking:
        return None
    return t(lang, "error.key_lacks", lacking=", ".join(lacking), scopes=SCOPES_TEXT)
