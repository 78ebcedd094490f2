"""Command line: serve (default), create-key, gen-key."""

from __future__ import annotations

import argparse
import asyncio

import uvicorn
from cryptography.fernet import Fernet

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.logging import configure_logging
from ledgerbridge_common.tracing import configure_tracing
from prefs_api import MIGRATIONS_DIR
from prefs_api.domain.access import Scope
from prefs_api.handlers.keys import create_key
from prefs_api.settings import Settings


def serve(settings: Settings) -> int:
    from prefs_api.bootstrap import create_app

    configure_logging(settings.service_name, settings.log_level)
    app = create_app(settings)
    configure_tracing(settings.service_name, settings.tracing, app)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None)
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
    return serve(settings)
