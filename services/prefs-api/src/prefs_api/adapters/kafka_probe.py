"""Kafka readiness: a metadata request through a lazily started admin client."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient

from ledgerbridge_common.settings import KafkaSettings


class KafkaProbe:
    def __init__(self, settings: KafkaSettings, timeout: float = 3.0) -> None:
        self._settings = settings
        self._timeout = timeout
        self._admin: AIOKafkaAdminClient | None = None

    async def __call__(self) -> bool:
        try:
            if self._admin is None:
                admin = AIOKafkaAdminClient(
                    **self._settings.client_options(),
                    request_timeout_ms=int(self._timeout * 1000),
                )
                await asyncio.wait_for(admin.start(), self._timeout)
                self._admin = admin
            await asyncio.wait_for(self._admin.list_topics(), self._timeout)
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        return True

    async def close(self) -> None:
        if self._admin is not None:
            await self._admin.close()
            self._admin = None
