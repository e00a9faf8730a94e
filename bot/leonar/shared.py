"""The Leonar side of the process: one keep-alive connection pool, one read cache, and one request budget per API
key, from which each workspace's `LeonarClient` is made."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import ssl

import httpx
from cachetools import LRUCache
from httpx_aiohttp import AiohttpTransport

from bot.leonar.budget import Budget
from bot.leonar.cache import ReadCache
from bot.leonar.client import LeonarClient
from bot.leonar.fair import FairShare
from bot.leonar.lookup import SharedIndexes
from bot.leonar.transport import Transport
from bot.limits import Limits

# Connections are all kept alive; the semaphore keeps the requests handed to the pool within its size.
MAX_CONNECTIONS = 64


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process, as the pool is: loading the CA bundle takes ~70 ms (every app a test built)."""
    return httpx.create_ssl_context()


class Leonar:
    """Process-wide: one keep-alive connection pool, one read cache, and one request budget per API key shared
    fairly among the Slack users who browse with it."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 1.0,
        read_timeout: float = 2.0,
        entry_read_timeout: float = Limits().entry_read_seconds,
        transport: httpx.AsyncBaseTransport | None = None,
        indexes: SharedIndexes | None = None,
    ) -> None:
        """`entry_read_timeout`: how long an add waits for Leonar's answer to its POST (entries.add)."""
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS,
                              keepalive_expiry=30)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=limits,
            headers={"Accept": "application/json", "User-Agent": "leonar-slack-bot"},
            # aiohttp's pool, not httpcore's: far less CPU per request under bursts (bench/README.md).
            transport=transport or AiohttpTransport(verify=_tls(), limits=limits),
        )
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.cache = ReadCache()
        self._shares: LRUCache[str, FairShare] = LRUCache(maxsize=10_000)
        self._indexes = indexes  # the duplicate checks' indexes, shared with other instances (PostgreSQL)
        self._entry_read_timeout = entry_read_timeout

    def client(self, api_key: str, *, user_id: str | None = None) -> LeonarClient:
        """Calls with `api_key`; the searches and lists that miss the cache count against `user_id`'s share of
        the key's budget (None: a call no Slack user drives)."""
        key_id, share = self._share(api_key)
        transport = Transport(self._http, api_key, budget=share.budget, slots=self._slots)
        return LeonarClient(transport, cache=self.cache, key_id=key_id, share=share, user_id=user_id,
                            entry_read_timeout=self._entry_read_timeout, indexes=self._indexes)

    def budget(self, api_key: str) -> Budget:
        """The request budget of `api_key` (without making a client: read on every request for /metrics)."""
        return self._share(api_key)[1].budget

    def _share(self, api_key: str) -> tuple[str, FairShare]:
        # Cache and budget are keyed by a digest of the key: a rotated key starts afresh, and no map holds a key.
        key_id = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        share = self._shares.get(key_id)
        if share is None:
            # Spending is counted for other instances only when there are some to tell (they share the indexes).
            share = self._shares[key_id] = FairShare(Budget(), shared=self._indexes is not None)
        return key_id, share

    def shares(self) -> list[tuple[str, FairShare]]:
        """Each key's per-user buckets, by key digest (fair.Sync)."""
        return list(self._shares.items())

    async def aclose(self) -> None:
        await self._http.aclose()
