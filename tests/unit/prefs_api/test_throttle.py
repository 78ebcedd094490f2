"""The back-off on failed API keys and who counts as the client behind a proxy."""

from __future__ import annotations

from starlette.requests import Request

from prefs_api.throttle import FailureThrottle, Proxies


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_free_failures_then_doubling_waits_capped() -> None:
    clock = Clock()
    throttle = FailureThrottle(free=2, first_wait=1.0, max_wait=5.0, clock=clock)
    waits = []
    for _ in range(6):
        throttle.failed("a")
        waits.append(throttle.retry_after("a"))
        clock.now += 0.1
    assert waits == [None, None, 1, 2, 4, 5]
    assert throttle.retry_after("b") is None


def test_the_count_starts_afresh_after_a_quiet_max_wait() -> None:
    clock = Clock()
    throttle = FailureThrottle(free=1, first_wait=1.0, max_wait=10.0, clock=clock)
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.retry_after("a") == 1
    clock.now += 11
    assert throttle.retry_after("a") is None
    throttle.failed("a")
    assert throttle.retry_after("a") is None  # a first failure again


def test_memory_is_bounded() -> None:
    throttle = FailureThrottle(free=0, first_wait=60.0, max_wait=60.0, capacity=3, clock=Clock())
    for client in "abcd":
        throttle.failed(client)
    assert throttle.retry_after("a") is None and throttle.retry_after("d") == 60


def _request(peer: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "client": (peer, 5000), "scheme": "http"})


def test_forwarded_headers_count_only_from_trusted_proxies() -> None:
    proxies = Proxies(["10.0.0.0/8"])
    forwarded = {"X-Forwarded-For": "198.51.100.4, 10.0.0.7", "X-Forwarded-Proto": "https"}
    via_proxy = _request("10.0.0.9", forwarded)
    direct = _request("203.0.113.5", forwarded)
    assert proxies.client(via_proxy) == "198.51.100.4" and proxies.scheme(via_proxy) == "https"
    assert proxies.client(direct) == "203.0.113.5" and proxies.scheme(direct) == "http"
    assert Proxies([]).client(via_proxy) == "10.0.0.9"
