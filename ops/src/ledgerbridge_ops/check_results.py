"""One line of ``ledgerbridge check``: what was checked, on what, the result and, when it
failed, what to do."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "FAIL", "skip"]
GUIDE = "docs/going-live.md"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str
    fix: str = ""
    subject: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name:<22} {self.subject or '-':<24} {self.detail}"
        return f"{text} -> {self.fix}" if self.failed and self.fix else text

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def ok(name: str, detail: str, subject: str = "") -> CheckResult:
    return CheckResult(name, "ok", detail, subject=subject)


def fail(name: str, detail: str, fix: str, subject: str = "") -> CheckResult:
    return CheckResult(name, "FAIL", detail, fix, subject)


def skip(name: str, detail: str, subject: str = "") -> CheckResult:
    return CheckResult(name, "skip", detail, subject=subject)


async def bounded(
    name: str, seconds: float, check: Callable[[], Awaitable[list[CheckResult]]], subject: str = ""
) -> list[CheckResult]:
    """Run one check within ``seconds``; a timeout or an unexpected error is a failed line."""
    try:
        async with asyncio.timeout(seconds):
            return await check()
    except TimeoutError:
        return [fail(name, f"no answer within {seconds:.0f} s", "check the network path and the service", subject)]
    except Exception as exc:  # noqa: BLE001 - a check reports, it never crashes the command
        return [fail(name, f"{type(exc).__name__}: {exc}", f"see {GUIDE}", subject)]
