"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams (loopback only): a fixed
list of prepared requests, ``concurrency`` connections, each sending the next request as soon as
its previous answer is read. Bounded by the number of requests and a deadline."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

Request = tuple[str, dict[str, str], bytes]
"""(path, headers, body) of a POST."""


@dataclass
class LoadResult:
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=1000, method="inclusive")[int(p * 10) - 1]

    def summary(self) -> dict[str, object]:
        return {
            "requests": self.sent,
            "ok_200": self.ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
        }


def _encode(host: str, port: int, req: Request) -> bytes:
    path, headers, body = req
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def run_load(
    host: str,
    port: int,
    requests: list[Request],
    *,
    concurrency: int = 64,
    deadline_s: float = 120,
    rate: float | None = None,
    answer_timeout_s: float = 30,
) -> LoadResult:
    """Send every request (or until ``deadline_s``); with ``rate``, request ``i`` is not sent before
    ``i / rate`` seconds after the start (a paced load instead of as fast as answers come)."""
    payloads = [_encode(host, port, r) for r in requests]
    result = LoadResult()
    cursor = iter(range(len(payloads)))
    began_at = time.monotonic()
    stop_at = began_at + deadline_s

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in cursor:
                if rate:
                    await asyncio.sleep(max(0.0, began_at + i / rate - time.monotonic()))
                if time.monotonic() > stop_at:
                    return
                started = time.perf_counter()
                try:
                    writer.write(payloads[i])
                    status = await asyncio.wait_for(_read_response(reader), answer_timeout_s)
                except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
                    result.errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.sent += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - began
    return result
