"""Run an ASGI app on a real loopback socket in a background thread, for tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (held open together while chosen, so two calls in a
    row cannot hand out the same port)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
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
