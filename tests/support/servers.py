"""Run an ASGI app on a real loopback socket in a background thread, for tests."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    return free_ports(1)[0]


_WORKER_PORTS = 1500
_FIRST_WORKER_PORT = 20_000
_next_port: dict[str, int] = {}


def _worker_range() -> range | None:
    """This pytest-xdist worker's own block of ports, below the kernel's ephemeral range, so two
    workers never hand out the same port and no outgoing connection's source port takes one; None
    when the tests run in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return None
    start = _FIRST_WORKER_PORT + int(worker[2:]) * _WORKER_PORTS
    return range(start, start + _WORKER_PORTS)


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (held open together while chosen, so two calls in a
    row cannot hand out the same port). Under pytest-xdist each worker takes them in turn from its
    own block, from a random start (another test run on the machine uses the same blocks), so a
    port one worker has chosen but not yet bound is never another worker's."""
    block = _worker_range()
    socks: list[socket.socket] = []
    try:
        if block is None:
            for _ in range(count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", 0))
        else:
            cursor = _next_port.get("port") or random.choice(block)
            for _ in range(len(block)):
                if len(socks) == count:
                    break
                port, cursor = cursor, block.start + (cursor + 1 - block.start) % len(block)
                sock = socket.socket()
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    sock.close()
                    continue
                socks.append(sock)
            _next_port["port"] = cursor
            if len(socks) < count:
                raise RuntimeError(f"no {count} free ports left in {block}")
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@contextmanager
def serve_in_thread(app: Any, *, port: int | None = None, timeout: float = 10.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 and yield its base URL; stop it on exit."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextmanager
def serve_together(*apps: Any, ports: list[int] | None = None, timeout: float = 10.0) -> Iterator[list[str]]:
    """Serve several ASGI apps in one thread and one event loop (apps that share async resources,
    e.g. a service's public and internal listeners); the first app's lifespan runs, the others'
    do not. Yields their base URLs in order."""
    ports = ports or free_ports(len(apps))
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="on" if i == 0 else "off",
                proxy_headers=False,  # as the services run: the app judges X-Forwarded-* itself
            )
        )
        for i, (app, port) in enumerate(zip(apps, ports, strict=True))
    ]

    async def run_all() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    thread = threading.Thread(target=asyncio.run, args=(run_all(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not all(s.started for s in servers):
        if time.monotonic() > deadline or not thread.is_alive():
            for s in servers:
                s.should_exit = True
            raise RuntimeError(f"servers on ports {ports} did not start")
        time.sleep(0.02)
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for s in reversed(servers):
            s.should_exit = True
        thread.join(timeout)
