"""Where every request to Leonar is sent, with one API key.

Everything that depends on how a request fared lives here: the key's request budget (nothing is sent while a
429 blocks it), the retries, what a failure to get an answer means (`Unavailable`), and the typed error for a
non-2xx answer (`errors.error_for`). Endpoints (`LeonarClient`) see only parsed bodies and typed errors.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx

from bot.leonar import errors
from bot.leonar.budget import Budget
from bot.leonar.models import RateLimit
from bot.observability import metrics

# Only idempotent reads are retried, and only once: a retry must still fit Slack's 3-second window.
GET_RETRIES = 1
RETRY_BACKOFF = 0.15


@dataclass(frozen=True)
class Reply:
    """A 2xx answer. The exactly-once add reads `status` (200 or 201) and `date` (Leonar's clock)."""

    body: Any
    status: int
    date: str | None


class Transport:
    """One API key's requests, over the process-wide pool and its connection slots."""

    def __init__(self, http: httpx.AsyncClient, api_key: str, *, budget: Budget, slots: asyncio.Semaphore) -> None:
        self._http = http
        self._auth = {"Authorization": f"Bearer {api_key}"}
        self.budget = budget
        self._slots = slots

    async def get(self, path: str, *, params: dict[str, Any] | None = None, scope: str | None = None) -> Any:
        return (await self.request("GET", path, params=params, retry_sent=True, scope=scope)).body

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        retry_sent: bool = False,
        retry_unsent: bool = False,
        read_timeout: float | None = None,
        writes: bool = False,
        scope: str | None = None,
    ) -> Reply:
        """Send once, and again (once) after a failure when `retry_sent` (the request is idempotent) or when
        `retry_unsent` and it certainly never reached Leonar. `writes` marks a request that changes data in
        Leonar (so an unanswered one may have done so); `scope` is the one it needs, named by a refusal."""
        attempt = 0
        while True:
            try:
                return await self._send_once(
                    method, path, params=params, json=json, read_timeout=read_timeout, writes=writes
                )
            except errors.InsufficientScope as exc:
                exc.scope = scope
                raise
            except (errors.Unavailable, errors.ServerError) as exc:
                safe = retry_sent or (
                    retry_unsent and isinstance(exc, errors.Unavailable) and not exc.may_have_arrived
                )
                if not safe or attempt >= GET_RETRIES:
                    raise
            attempt += 1
            await asyncio.sleep(RETRY_BACKOFF * attempt)

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        read_timeout: float | None,
        writes: bool,
    ) -> Reply:
        if self.budget.blocked():
            # After a 429 nothing is sent before the reset: Leonar would only refuse it again.
            raise errors.RateLimited("Leonar request budget used up", reset_at=self.budget.reset_at)
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if read_timeout is not None:
            timeout = httpx.Timeout(read_timeout, connect=self._http.timeout.connect)
        try:
            async with self._slots:
                response = await self._http.request(
                    method, path, params=params, json=json, headers=self._auth, timeout=timeout
                )
        except httpx.TransportError as exc:
            metrics.leonar_request(method, path, "error")
            if _never_sent(exc):
                raise errors.Unavailable(f"Leonar could not be reached ({type(exc).__name__})",
                                         may_have_arrived=False) from exc
            if isinstance(exc, httpx.TimeoutException):
                raise errors.Unavailable("Leonar did not answer in time", may_have_arrived=True,
                                         writing=writes) from exc
            raise errors.Unavailable(f"Leonar connection failed ({type(exc).__name__})",
                                     may_have_arrived=True, writing=writes) from exc
        metrics.leonar_request(method, path, response.status_code)
        rate_limit = RateLimit.from_headers(response.headers)
        self.budget.update(rate_limit)
        if response.status_code == 429:
            self.budget.exhausted(rate_limit.reset_at if rate_limit else None)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success:
            if body is None:
                raise errors.UnexpectedResponse(f"Leonar answered {response.status_code} without JSON",
                                                status=response.status_code)
            return Reply(body, response.status_code, response.headers.get("Date"))
        raise errors.error_for(response.status_code, body, response.headers)


def _never_sent(exc: httpx.TransportError) -> bool:
    """Whether a failed request certainly never reached Leonar (so resending a write is safe).

    httpx-aiohttp maps every aiohttp connection error, a server disconnecting after the request included, to
    httpx.ConnectTimeout; the aiohttp error it chains says what really happened: only a failure to connect
    (or to get a connection from the pool in time) means nothing was sent.
    """
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientError | TimeoutError):
        return isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
