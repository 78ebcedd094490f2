"""The status page's view of consumer lag: the ``ledgerbridge-*`` groups on this deployment's
topics, measured with one long-lived ``LagProbe`` and cached briefly."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka.errors import KafkaError

from ledgerbridge_common.kafka.lag import LagProbe, LagRow
from ledgerbridge_common.settings import KafkaSettings


@dataclass
class LagLook:
    rows: list[LagRow] = field(default_factory=list)
    error: str | None = None
    measured_at: dt.datetime | None = None


class LagView:
    """Consumer lag of the ``ledgerbridge-*`` groups on this deployment's topics, measured with
    one long-lived ``LagProbe`` (started on first use) and cached for ``ttl`` seconds."""

    def __init__(
        self, bootstrap: str | KafkaSettings, topics: Sequence[str], *, ttl: float = 5.0, timeout: float = 10.0
    ) -> None:
        self._bootstrap, self._topics = bootstrap, frozenset(topics)
        self._ttl, self._timeout = ttl, timeout
        self._probe: LagProbe | None = None
        self._lock = asyncio.Lock()
        self._last = LagLook()

    async def look(self) -> LagLook:
        async with self._lock:
            now = dt.datetime.now(dt.UTC)
            if self._last.measured_at and (now - self._last.measured_at).total_seconds() < self._ttl:
                return self._last
            try:
                rows = await asyncio.wait_for(self._measure(), self._timeout)
                self._last = LagLook(rows, None, now)
            except (TimeoutError, KafkaError, OSError) as exc:
                await self.close()  # a probe cut off mid-look is not reused
                reason = f"Kafka did not answer ({type(exc).__name__})"
                self._last = LagLook(self._last.rows, reason, now)
            return self._last

    async def _measure(self) -> list[LagRow]:
        if self._probe is None:
            probe = LagProbe(self._bootstrap, client_id="prefs-api-status", fetch_timeout=2.0)
            self._probe = probe
            await probe.start()
        groups = [g for g in await self._probe.groups() if g.startswith("ledgerbridge-")]
        rows = await self._probe.measure(groups)
        return sorted((r for r in rows if r.topic in self._topics), key=lambda r: (r.group, r.topic, r.partition))

    async def close(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            with contextlib.suppress(Exception):
                await probe.stop()
