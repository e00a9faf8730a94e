"""Typed Leonar API errors, one class per documented `error.code` plus transport failures.

The whole tree (`error_for` maps Leonar's answers onto it; the transport and the add raise the rest):

    LeonarError             an unknown `error.code` or status (`.code` is Leonar's, else "leonar_error")
    ├── ValidationFailed    400 validation_error ("<field>: <reason>" → `.field`)
    ├── InvalidApiKey       401 invalid_api_key
    ├── InsufficientScope   403 insufficient_scope (`.scope`: the one the refused call needs, when known)
    ├── NotFound            404 not_found
    ├── AlreadyInProject    a duplicate add, however Leonar reports it (see `entries.add`); `.entry`
    ├── CheckIncomplete     not added: too many entries to read to be sure the contact is not there yet
    ├── RateLimited         429 rate_limit_exceeded (`.reset_at`), or not sent while the key is blocked
    ├── UserRateLimited     a browsing read not sent: this user's share of the key's budget is used up, or
    │                       what is left of it is kept for adds (`.reserved`)
    ├── ServerError         internal_error, or any 5xx without a known code
    ├── Unavailable         no answer: `.may_have_arrived`, `.writing`
    └── UnexpectedResponse  an answer outside the documented envelope (not JSON, no `data`, malformed)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.leonar.models import RateLimit

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
    """403 insufficient_scope. `scope` is the scope the refused call needs, by our table of which call needs
    which (Leonar's message is not documented to name it); None when unknown."""

    code = "insufficient_scope"
    scope: str | None = None


class NotFound(LeonarError):
    code = "not_found"


class ValidationFailed(LeonarError):
    """400 `validation_error`. Leonar's messages read "<field>: <reason>"; `field` is that prefix."""

    code = "validation_error"

    @property
    def field(self) -> str | None:
        head, sep, _ = self.message.partition(":")
        return head.strip() if sep and " " not in head.strip() else None


CLOCKS_APART = 5.0  # seconds


class AlreadyInProject(LeonarError):
    """The contact is already in the project's pipeline (Leonar documents no code for this).

    `entry` is the existing entry when it could be read (it tells the stage the candidate is at).
    """

    code = "already_in_project"

    def __init__(self, message: str, *, status: int | None = None, entry: Entry | None = None) -> None:
        super().__init__(message, status=status)
        self.entry = entry

    def made_since(self, since: float | None) -> bool:
        """Whether the entry found was made at `since` (epoch seconds) or after: a resumed add's own, made before its
        instance died. Leonar's clock and ours may differ a little (CLOCKS_APART)."""
        made = self.entry.created_at if self.entry else None
        return since is not None and made is not None and made.timestamp() >= since - CLOCKS_APART


class CheckIncomplete(LeonarError):
    """The add was not sent: Leonar ignores the entries filter and the project has more entries than one check
    reads (`lookup.MAX_PAGES`), so a duplicate could not be ruled out. The next check reads on from there."""

    code = "check_incomplete"

    def __init__(self, message: str, *, read: int, total: int) -> None:
        super().__init__(message)
        self.read = read
        self.total = total


class RateLimited(LeonarError):
    code = "rate_limit_exceeded"

    def __init__(self, message: str, *, reset_at: int | None = None, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.reset_at = reset_at


class UserRateLimited(LeonarError):
    """Not sent to Leonar: a search or list for one Slack user would take more than their fair share of the key's
    hourly budget (`retry_in` seconds until their next one), or the key is down to the requests kept for adds
    (`reserved`; `reset_at` is when the key's window starts again). See `fair.py`."""

    code = "user_rate_limited"

    def __init__(self, message: str, *, retry_in: float, reserved: bool = False, reset_at: int | None = None
                 ) -> None:
        super().__init__(message)
        self.retry_in = retry_in
        self.reserved = reserved
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
# For answers without a known `error.code`.
BY_STATUS: dict[int, type[LeonarError]] = {
    400: ValidationFailed,
    401: InvalidApiKey,
    403: InsufficientScope,
    404: NotFound,
}


def error_for(status: int, body: Any, headers: Mapping[str, str]) -> LeonarError:
    """The error for a non-2xx answer: by Leonar's `error.code`, else by status."""
    code, message = None, f"Leonar answered HTTP {status}"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        message = str(body["error"].get("message") or message)
    if status == 429 or code == "rate_limit_exceeded":
        reset = RateLimit.from_headers(headers)
        return RateLimited(message, reset_at=reset.reset_at if reset else None, status=status)
    cls = BY_CODE.get(str(code))
    if cls is None:
        cls = BY_STATUS.get(status, ServerError if status >= 500 else LeonarError)
    return cls(message, status=status, code=code if cls is LeonarError else None)


def no_route(exc: LeonarError) -> bool:
    """Leonar's answer to a path it does not know (404, as for any unknown id) or a method the path does not take
    (405): how an inferred or undocumented route answers where Leonar has none."""
    return isinstance(exc, NotFound) or exc.status == 405


def retry_in(exc: LeonarError, *, repeatable: bool) -> float | None:
    """In how many seconds a call Leonar turned away for now may be made again; None when trying again would not
    help (a project gone, a scope missing, a value refused) or could do it twice. `repeatable`: the call may be made
    again even if Leonar may have received it (an add, whose duplicate check finds its own entry); a note may not."""
    if isinstance(exc, UserRateLimited):
        return max(1.0, exc.retry_in)
    if isinstance(exc, RateLimited):
        return max(1.0, exc.reset_at - time.time()) if exc.reset_at else 60.0
    if isinstance(exc, Unavailable) and not exc.may_have_arrived:
        return 30.0
    if repeatable and isinstance(exc, ServerError | Unavailable | CheckIncomplete):
        return 30.0
    return None
