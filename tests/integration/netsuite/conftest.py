"""The NetSuite sandbox served over TLS on a loopback port, with a test certificate authority made
here (trustme) whose server certificate covers ``127.0.0.1`` and ``*.suitetalk.api.netsuite.com``,
plus a local CONNECT proxy that sends every ``*.suitetalk.api.netsuite.com:443`` tunnel to it."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
import uvicorn

from netsuite_sandbox.app import create_app
from netsuite_sandbox.settings import SandboxSettings
from tests.integration.netsuite.proxy import ConnectProxy
from tests.support.servers import free_port, serve_in_thread

SUITETALK = "*.suitetalk.api.netsuite.com"


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """The sandbox over plain HTTP on a loopback port, one per test module."""
    with serve_in_thread(create_app(SandboxSettings())) as url:
        yield url


@dataclass
class TlsSandbox:
    url: str  # https://127.0.0.1:<port>
    port: int
    ca_file: str


@pytest.fixture(scope="session")
def tls_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsSandbox]:
    folder: Path = tmp_path_factory.mktemp("netsuite-tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", SUITETALK)
    ca_file, chain_file, key_file = folder / "ca.pem", folder / "chain.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert.private_key_pem.write_to_path(str(key_file))
    chain_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    port = free_port()
    config = uvicorn.Config(
        create_app(SandboxSettings()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(chain_file),
        ssl_keyfile=str(key_file),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the TLS sandbox did not start")
        time.sleep(0.02)
    try:
        yield TlsSandbox(f"https://127.0.0.1:{port}", port, str(ca_file))
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def trust_test_ca(tls_sandbox: TlsSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx (trust_env) reads SSL_CERT_FILE; no proxy unless a test sets one."""
    monkeypatch.setenv("SSL_CERT_FILE", tls_sandbox.ca_file)
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def account(tls_sandbox: TlsSandbox) -> dict[str, Any]:
    async with httpx.AsyncClient(
        base_url=tls_sandbox.url, verify=ssl.create_default_context(cafile=tls_sandbox.ca_file), timeout=10
    ) as control:
        response = await control.post("/_sandbox/accounts", json={})
        response.raise_for_status()
        return dict(response.json())


@pytest.fixture
async def control(tls_sandbox: TlsSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=tls_sandbox.url, verify=ssl.create_default_context(cafile=tls_sandbox.ca_file), timeout=10
    ) as client:
        yield client


@pytest.fixture
def connect_proxy(tls_sandbox: TlsSandbox) -> Iterator[ConnectProxy]:
    proxy = ConnectProxy(target_port=tls_sandbox.port, allowed_suffix=SUITETALK[1:])
    with proxy.running():
        yield proxy
