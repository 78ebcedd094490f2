"""The SQL dedupe store on the real PostgreSQL: array statements, duplicates inside one batch."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from webhook_ingest.adapters.deliveries import BatchedDeliveryStore, DeliveryRecord, SqlDeliveryStore

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def rec(connection_id: str, key: str) -> DeliveryRecord:
    return DeliveryRecord(connection_id, key, "billcom", f"ev-{key}", "produced")


async def test_records_and_lookups_in_one_statement_each(database_url, connection_id):
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        store = SqlDeliveryStore(engine)
        other = f"{connection_id}-other"
        assert await store.known([(connection_id, "billcom:1")]) == set()
        # the same key twice in one batch (two concurrent copies of a delivery): stored once, no error
        await store.record([rec(connection_id, "billcom:1"), rec(connection_id, "billcom:1"), rec(other, "billcom:1")])
        await store.record([rec(connection_id, "billcom:1"), rec(connection_id, "billcom:2")])  # already there
        asked = [(connection_id, "billcom:1"), (connection_id, "billcom:2"), (connection_id, "billcom:3")]
        assert await store.known(asked) == {(connection_id, "billcom:1"), (connection_id, "billcom:2")}
        assert await store.known([(other, "billcom:1"), (other, "billcom:2")]) == {(other, "billcom:1")}
        batched = BatchedDeliveryStore(store)
        assert await batched.known([(connection_id, "billcom:2"), (connection_id, "x")]) == {
            (connection_id, "billcom:2")
        }
    finally:
        await engine.dispose()
