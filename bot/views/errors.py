"""What to tell a recruiter when Leonar fails, in words they can act on."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from bot.i18n import Lang, t, tn
from bot.leonar import (
    LEARNT_SCOPES,
    REQUIRED_SCOPES,
    AlreadyInProject,
    CheckIncomplete,
    InsufficientScope,
    InvalidApiKey,
    LeonarError,
    NotFound,
    RateLimited,
    ServerError,
    Unavailable,
    UnexpectedResponse,
    UserRateLimited,
    ValidationFailed,
)
from bot.manifest import COMMAND

SCOPES_TEXT = ", ".join(REQUIRED_SCOPES)


def minutes_until(reset_at: int | None, now: datetime | None = None) -> int | None:
    """Whole minutes (at least 1) until the budget resets; None when Leonar did not say."""
    if reset_at is None:
        return None
    seconds = reset_at - int((now or datetime.now(UTC)).timestamp())
    return max(1, -(-seconds // 60))


def _budget(keys: tuple[str, str], reset_at: int | None, lang: Lang) -> str:
    """`keys`: the sentence when the reset time is unknown, and the one counting the minutes."""
    minutes = minutes_until(reset_at)
    return t(lang, keys[0]) if minutes is None else tn(lang, keys[1], minutes, minutes=minutes)


def user_limit(error: UserRateLimited, lang: Lang = "en") -> str:
    """Which limit a search hit: the user's own share of the key's budget, or the reserve kept for adds. Short
    enough for a menu option (75 characters)."""
    if error.reserved:
        return _budget(("limit.reserved_soon", "limit.reserved_minutes"), error.reset_at, lang)
    wait = max(1, math.ceil(error.retry_in))
    if wait < 120:  # "in 80 seconds" rather than "in 2 minutes"
        return tn(lang, "limit.user_seconds", wait, seconds=wait)
    minutes = -(-wait // 60)
    return tn(lang, "limit.user_minutes", minutes, minutes=minutes)


def describe(error: LeonarError, lang: Lang = "en") -> str:
    """One sentence for a Leonar failure during normal use (options, stages, adding)."""
    if isinstance(error, Unavailable) and error.may_have_arrived and error.writing:
        return t(lang, "error.unconfirmed")
    if isinstance(error, InvalidApiKey):
        return t(lang, "error.invalid_key")
    if isinstance(error, InsufficientScope):
        if error.scope:  # write scopes are only learnt this way: connect checks none (scopes.py)
            return t(lang, "error.scope_named", scope=error.scope, command=COMMAND)
        return t(lang, "error.scope", scopes=SCOPES_TEXT, message=error.message)
    if isinstance(error, UserRateLimited):
        return user_limit(error, lang)
    if isinstance(error, RateLimited):
        return _budget(("error.budget_soon", "error.budget_minutes"), error.reset_at, lang)
    if isinstance(error, AlreadyInProject):
        return t(lang, "error.already_in")
    if isinstance(error, CheckIncomplete):
        return t(lang, "error.check_incomplete")
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
    if isinstance(error, RateLimited | UserRateLimited):  # the key's hour is spent, or down to its reserve
        return _budget(("error.key_budget_soon", "error.key_budget_minutes"), error.reset_at, lang)
    if isinstance(error, Unavailable | ServerError | UnexpectedResponse):
        return t(lang, "error.key_down")
    return t(lang, "error.key_refused", message=error.message)


def missing_scopes_problem(missing: list[str], lang: Lang = "en") -> str | None:
    """Why a key cannot be connected: a required scope found missing. Only read scopes can be found at connect
    (`missing` holds no write scope), and the sentence says which are learnt at first use instead."""
    lacking = [scope for scope in missing if scope in REQUIRED_SCOPES]
    if not lacking:
        return None
    return t(lang, "error.key_lacks_checked", lacking=", ".join(lacking), scopes=SCOPES_TEXT,
             learnt=", ".join(LEARNT_SCOPES))


def explain_add_error(error: LeonarError, candidate: str | None, project: str | None, lang: Lang = "en") -> str:
    """Why an add failed; an already-present candidate is named, with the stage they are at when known."""
    if not isinstance(error, AlreadyInProject):
        return describe(error, lang)
    stage = error.entry.stage.name if error.entry and error.entry.stage and error.entry.stage.name else None
    project = project or t(lang, "add.this_project")
    if candidate:
        return (t(lang, "add.already_in_at", name=candidate, project=project, stage=stage) if stage
                else t(lang, "add.already_in", name=candidate, project=project))
    return (t(lang, "add.this_already_in_at", project=project, stage=stage) if stage
            else t(lang, "add.this_already_in", project=project))
