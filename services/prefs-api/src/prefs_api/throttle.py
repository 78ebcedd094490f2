"""Back-off on failed API-key attempts (API and status-page login), per client address.

A client gets ``free`` failed attempts; after that each further failure doubles the wait
(``first_wait``, twice that, ... up to ``max_wait``) during which no key from it is even checked (answer 429 with
``Retry-After``). A success does not clear the count (a client holding one good key cannot
reset it between guesses); a client that has not failed for ``max_wait`` starts afresh. Counts
live in this process (each replica limits on its own) and at most ``capacity`` clients are
remembered (the oldest are forgotten).

The client address is the TCP peer, or, when the peer is one of ``trusted_proxies``, the nearest
``X-Forwarded-For`` entry that is not itself a trusted proxy."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class _Record:
    failures: int
    last_failure: float
    blocked_until: float


class Proxies:
    def __init__(self, trusted: Iterable[str]) -> None:
        self._networks: list[Network] = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def trusts(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self._networks)

    def client(self, request: Request) -> str:
        peer = request.client.host if request.client else ""
        if not self.trusts(peer):
            return peer
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return peer

    def scheme(self, request: Request) -> str:
        """``X-Forwarded-Proto`` from a trusted proxy, else the connection's own scheme (uvicorn's
        proxy-header handling is off, so the scope's scheme is the real one)."""
        peer = request.client.host if request.client else None
        forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if forwarded in ("http", "https") and self.trusts(peer):
            return forwarded
        return str(request.scope.get("scheme", "http"))


class FailureThrottle:
    def __init__(
        self,
        *,
        free: int,
        max_wait: float,
        first_wait: float = 1.0,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._free, self._max_wait, self._first_wait = free, max_wait, first_wait
        self._capacity, self._clock = capacity, clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def retry_after(self, client: str) -> int | None:
        """Seconds this client must wait before a key from it is checked, or None."""
        record = self._records.get(client)
        if record is None:
            return None
        left = record.blocked_until - self._clock()
        return max(1, math.ceil(left)) if left > 0 else None

    def failed(self, client: str) -> None:
        now = self._clock()
        record = self._records.pop(client, None)
        if record is None or now - record.last_failure > self._max_wait:
            record = _Record(0, now, 0.0)
        record.failures += 1
        record.last_failure = now
        over = record.failures - self._free
        if over > 0:
            record.blocked_until = now + min(self._max_wait, self._first_wait * 2.0 ** (over - 1))
        self._records[client] = record
        while len(self._records) > self._capacity:
            self._records.popitem(last=False)
