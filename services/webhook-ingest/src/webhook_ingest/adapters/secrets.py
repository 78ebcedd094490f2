"""Webhook secrets from prefs-api, cached with a short TTL and refreshed on a miss, so a rotated
verifier token or security key works without a restart. While prefs-api cannot be reached, the
last secrets it gave stay in use (at most ``stale_seconds``), so its restart or outage does not
turn well-signed deliveries into 503s once the TTL runs out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.prefs_client import WebhookSecret


class SecretSource(Protocol):
    async def webhook_secrets(self, vendor: str) -> list[WebhookSecret]: ...


class WebhookSecretCache:
    def __init__(
        self,
        source: SecretSource,
        *,
        ttl_seconds: float = 30.0,
        min_refresh_seconds: float = 1.0,
        stale_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._stale = stale_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, list[WebhookSecret]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, vendor: str) -> list[WebhookSecret]:
        """Cached secrets; fetched when absent or older than the TTL. When prefs-api cannot be
        reached (a retryable error), secrets fetched less than ``stale_seconds`` ago are used;
        otherwise the error propagates."""
        cached = self._entries.get(vendor)
        if cached and self._clock() - cached[0] < self._ttl:
            return cached[1]
        try:
            return await self._refresh(vendor, cached)
        except RetryableError:
            if cached and self._clock() - cached[0] < self._stale:
                return cached[1]
            raise

    async def refresh_on_miss(self, vendor: str) -> list[WebhookSecret] | None:
        """Re-fetch after a signature matched nothing, at most once per ``min_refresh_seconds``
        (bad signatures must not hammer prefs-api). None when it was refreshed too recently."""
        cached = self._entries.get(vendor)
        if cached and self._clock() - cached[0] < self._min_refresh:
            return None
        return await self._refresh(vendor, cached)

    async def _refresh(self, vendor: str, seen: tuple[float, list[WebhookSecret]] | None) -> list[WebhookSecret]:
        lock = self._locks.setdefault(vendor, asyncio.Lock())
        async with lock:
            current = self._entries.get(vendor)
            if current is not None and current is not seen:
                return current[1]
            secrets = await self._source.webhook_secrets(vendor)
            self._entries[vendor] = (self._clock(), secrets)
            return secrets
