"""Typed Leonar API errors, one class per documented `error.code` plus transport failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.leonar.models import Entry


class LeonarError(Exception):
    """Any failure talking to Leonar. `code` is Leonar's `error.code` (or our own for transport errors)."""

    code = "leonar_error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        if code is not None:
            self.code = code


class InvalidApiKey(LeonarError):
    code = "invalid_api_key"


class InsufficientScope(LeonarError):
    code = "insufficient_scope"


class NotFound(LeonarError):
    code = "not_found"


class ValidationFailed(LeonarError):
    """400 `validation_error`. Leonar's messages read "<field>: <reason>"; `field` is that prefix."""

    code = "validation_error"

    @property
    def field(self) -> str | None:
        head, sep, _ = self.message.partition(":")
        return head.strip() if sep and " " not in head.strip() else None


class AlreadyInProject(LeonarError):
    """The contact is already in the project's pipeline (Leonar documents no code for this).

    `entry` is the existing entry when it could be read (it tells the stage the candidate is at).
    """

    code = "already_in_project"

    def __init__(self, message: str, *, status: int | None = None, entry: Entry | None = None) -> None:
        super().__init__(message, status=status)
        self.entry = entry


class RateLimited(LeonarError):
    code = "rate_limit_exceeded"

    def __init__(self, message: str, *, reset_at: int | None = None, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.reset_at = reset_at


class ServerError(LeonarError):
    code = "internal_error"


class Unavailable(LeonarError):
    """Leonar could not be reached or did not answer in time.

    `may_have_arrived` is False only when the request certainly never reached Leonar (connection
    refused, connect timeout): only then is a non-idempotent request safe to send again. `writing` marks a
    request that changes data, whose outcome is then unknown.
    """

    code = "unavailable"

    def __init__(self, message: str, *, may_have_arrived: bool, writing: bool = False) -> None:
        super().__init__(message)
        self.may_have_arrived = may_have_arrived
        self.writing = writing


class UnexpectedResponse(LeonarError):
    """Leonar answered with something that is not the documented envelope."""

    code = "unexpected_response"


BY_CODE: dict[str, type[LeonarError]] = {
    cls.code: cls for cls in (InvalidApiKey, InsufficientScope, NotFound, ValidationFailed, ServerError)
}
