"""Command line: serve (default), create-key, gen-key, reseal-credentials."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any, Literal

import uvicorn
from cryptography.fernet import Fernet

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.logging import configure_logging
from ledgerbridge_common.runtime import tune_gc
from prefs_api import MIGRATIONS_DIR
from prefs_api.adapters.crypto import CredentialCipher, key_text
from prefs_api.domain.access import Scope
from prefs_api.handlers.credentials import ResealReport, reseal_credentials
from prefs_api.handlers.keys import create_key
from prefs_api.settings import Settings


class _InnerServer(uvicorn.Server):
    """The internal listener: started and stopped by the public one, so it leaves signals to it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _PublicServer(uvicorn.Server):
    """Starts the internal listener once its own start-up (migrations, Kafka) is done, and stops
    it before its own shutdown closes what both share."""

    def __init__(self, config: uvicorn.Config, inner: _InnerServer) -> None:
        super().__init__(config)
        self._inner = inner
        self._inner_task: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self._inner_task = asyncio.create_task(self._inner.serve(), name="prefs-api-internal-listener")

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._inner_task is not None:
            self._inner.should_exit = True
            await asyncio.wait_for(self._inner_task, 30)
        await super().shutdown(sockets)


async def _serve_both(settings: Settings) -> None:
    from prefs_api.bootstrap import create_app

    app = create_app(settings)

    # X-Forwarded-* are judged by the app against LB_TRUSTED_PROXIES, not by uvicorn
    def config(asgi: Any, port: int, lifespan: Literal["on", "off"]) -> uvicorn.Config:
        return uvicorn.Config(
            asgi,
            host=settings.http_host,
            port=port,
            lifespan=lifespan,
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )

    internal = _InnerServer(config(app.state.internal_app, settings.internal_port, "off"))
    await _PublicServer(config(app, settings.http_port, "on"), internal).serve()


def serve(settings: Settings) -> int:
    """The public API on ``http_port`` and ``/internal/v1`` on ``internal_port``, one process."""
    configure_logging(settings.service_name, settings.log_level)
    tune_gc()
    asyncio.run(_serve_both(settings))
    return 0


async def _create_key(
    settings: Settings, tenant: str, scopes: list[Scope], name: str, connections: list[str] | None
) -> str:
    await upgrade_to_head(MIGRATIONS_DIR, settings.database.url)
    engine = make_engine(settings.database)
    try:
        created = await create_key(
            make_sessionmaker(engine), tenant_id=tenant, name=name, scopes=scopes, connection_ids=connections
        )
    finally:
        await engine.dispose()
    return created.key


async def reseal(settings: Settings) -> ResealReport:
    """Re-seal every stored credential with the current ``LB_PREFS_CREDENTIALS_KEY`` (the keys in
    ``LB_PREFS_CREDENTIALS_PREVIOUS_KEYS`` open the old ones)."""
    if not settings.prefs_credentials_key:
        raise SystemExit("set LB_PREFS_CREDENTIALS_KEY (the new key) first")
    cipher = CredentialCipher(key_text(settings.prefs_credentials_key), settings.previous_credentials_keys())
    engine = make_engine(settings.database)
    try:
        return await reseal_credentials(make_sessionmaker(engine), cipher)
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m prefs_api")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the API (default)")
    key = sub.add_parser("create-key", help="create an API key and print it (shown once)")
    key.add_argument("--tenant", required=True)
    key.add_argument("--scopes", default="admin", help="comma-separated: read,write,admin")
    key.add_argument("--name", default="cli")
    key.add_argument("--connections", default=None, help="comma-separated connection ids (default: all)")
    sub.add_parser("gen-key", help="print a new Fernet key for LB_PREFS_CREDENTIALS_KEY")
    sub.add_parser("reseal-credentials", help="re-seal all stored credentials with the current key")
    args = parser.parse_args(argv)
    if args.command == "gen-key":
        print(Fernet.generate_key().decode())
        return 0
    settings = Settings()
    if args.command == "create-key":
        scopes = [Scope(s.strip()) for s in args.scopes.split(",") if s.strip()]
        connections = [c.strip() for c in args.connections.split(",")] if args.connections else None
        print(asyncio.run(_create_key(settings, args.tenant, scopes, args.name, connections)))
        return 0
    if args.command == "reseal-credentials":
        report = asyncio.run(reseal(settings))
        print(f"resealed {report.resealed}, already current {report.already_current}, unreadable {report.unreadable}")
        return 1 if report.unreadable else 0
    return serve(settings)
