"""One readiness contract for every service: named checks, each bounded in time, some required.

A service lists the checks of what it needs to do its job (``required``); the others are
reported but do not make it unready (webhook-ingest accepts without PostgreSQL, prefs-api serves
reads without Kafka, sync-engine stays ready while a vendor is slow)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

Check = Callable[[], Awaitable[object]]
"""Raises (or returns ``False``) when what it checks is not usable."""


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}
    """Per check: ``ok``, ``failed: <why>``; a check marked ``(optional)`` does not gate readiness."""


@dataclass
class Readiness:
    timeout_seconds: float = 3.0
    required: dict[str, Check] = field(default_factory=dict)
    optional: dict[str, Check] = field(default_factory=dict)

    def add(self, name: str, check: Check, *, required: bool = True) -> None:
        (self.required if required else self.optional)[name] = check

    async def _run(self, check: Check) -> str:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                result = await check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable", reported by name
            return f"failed: {type(exc).__name__}: {exc}"[:300]
        return "failed" if result is False else "ok"

    async def report(self) -> tuple[bool, Health]:
        names = [*self.required, *self.optional]
        checks = [*self.required.values(), *self.optional.values()]
        results = dict(zip(names, await asyncio.gather(*(self._run(c) for c in checks)), strict=True))
        ready = all(results[name] == "ok" for name in self.required)
        shown = {name: value if name in self.required else f"{value} (optional)" for name, value in results.items()}
        return ready, Health(status="ready" if ready else "not ready", checks=shown)
