"""Credentials key rotation on a private PostgreSQL database: with the new key current and the old
one listed as previous, ``ledgerbridge credentials reseal`` re-seals every row with the new key,
after which the new key alone opens them all."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from ledgerbridge_common.db.migrate import upgrade_to_head
from ledgerbridge_common.prefs_client import BillcomCredentials, QboCredentials
from ledgerbridge_ops import cli
from prefs_api import MIGRATIONS_DIR
from prefs_api.adapters.crypto import CredentialCipher, CredentialsError
from prefs_api.adapters.orm import connections
from tests.conftest import PG_PORT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
OLD, NEW, UNKNOWN = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def private_database(stack: None) -> Iterator[str]:
    """Its own database: a re-seal touches every connection row, so no other test may share it."""
    name = f"lbtest_reseal_{uuid.uuid4().hex[:8]}"
    admin_dsn = f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}" OWNER ledgerbridge'))
    url = f"postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:{PG_PORT}/{name}"
    try:
        asyncio.run(upgrade_to_head(MIGRATIONS_DIR, url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def credentials(n: int) -> tuple[BillcomCredentials, QboCredentials]:
    return (
        BillcomCredentials(username=f"ap{n}@acme.example", password=f"pw-{n}", organization_id="00801", dev_key="dk"),
        QboCredentials(client_id=f"client-{n}", client_secret=f"secret-{n}"),
    )


async def seed(url: str, sealed_with: dict[str, str]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for n, (connection_id, key) in enumerate(sealed_with.items()):
                await conn.execute(
                    insert(connections).values(
                        id=connection_id,
                        tenant_id="t1",
                        name=connection_id,
                        billcom_org_id="00801",
                        ledger_kind="quickbooks_online",
                        ledger_company_id=str(n),
                        credentials=CredentialCipher(key).seal(*credentials(n)),
                    )
                )
    finally:
        await engine.dispose()


async def stored(url: str) -> dict[str, bytes]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(connections.c.id, connections.c.credentials))).all()
    finally:
        await engine.dispose()
    return {row[0]: row[1] for row in rows}


def reseal(url: str, monkeypatch: pytest.MonkeyPatch, *, previous: str) -> dict[str, object]:
    monkeypatch.setenv("LB_DATABASE__URL", url)
    monkeypatch.setenv("LB_PREFS_CREDENTIALS_KEY", NEW)
    monkeypatch.setenv("LB_PREFS_CREDENTIALS_PREVIOUS_KEYS", previous)
    result = CliRunner().invoke(cli.app, ["credentials", "reseal", "--json"])
    return {"exit_code": result.exit_code, **json.loads(result.stdout)}


def test_reseal_moves_every_row_to_the_new_key(private_database: str, monkeypatch: pytest.MonkeyPatch):
    asyncio.run(seed(private_database, {"c-old-1": OLD, "c-old-2": OLD, "c-new": NEW}))
    before = asyncio.run(stored(private_database))
    with pytest.raises(CredentialsError):
        CredentialCipher(NEW).open(before["c-old-1"])
    assert CredentialCipher(NEW, [OLD]).open(before["c-old-1"]) == credentials(0)  # old rows open meanwhile

    assert reseal(private_database, monkeypatch, previous=OLD) == {
        "exit_code": 0,
        "resealed": 2,
        "already_current": 1,
        "unreadable": [],
    }
    after = asyncio.run(stored(private_database))
    new_only = CredentialCipher(NEW)
    assert [new_only.open(after[c]) for c in ("c-old-1", "c-old-2", "c-new")] == [credentials(n) for n in range(3)]
    assert after["c-new"] == before["c-new"]  # already sealed with the new key: left alone


def test_credentials_no_configured_key_opens_are_reported_and_left(
    private_database: str, monkeypatch: pytest.MonkeyPatch
):
    asyncio.run(seed(private_database, {"c-lost": UNKNOWN, "c-old": OLD}))
    before = asyncio.run(stored(private_database))
    outcome = reseal(private_database, monkeypatch, previous=OLD)
    assert outcome == {"exit_code": 1, "resealed": 1, "already_current": 0, "unreadable": ["c-lost"]}
    assert asyncio.run(stored(private_database))["c-lost"] == before["c-lost"]
