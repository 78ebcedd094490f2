"""Retention on the real PostgreSQL: the webhook dedupe table and every service's inbox lose rows
older than the configured age, in batches of the configured size, and keep the rest."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from ledgerbridge_common.db.retention import RetentionRule, RetentionTask, inbox_rule, purge_batch
from ledgerbridge_common.settings import RetentionSettings
from posting_service.adapters.orm import inbox as posting_inbox
from prefs_api.adapters.orm import inbox as prefs_inbox
from sync_engine.adapters.orm import inbox as engine_inbox
from webhook_ingest.adapters.orm import deliveries, processed_messages

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
INBOXES = [processed_messages, engine_inbox, posting_inbox, prefs_inbox]


def test_default_retention_outlives_kafka_topics_and_qbo_retries():
    kafka_topic_retention = dt.timedelta(hours=168)  # log.retention.hours in deploy/local/kafka.sh
    qbo_listed_retries = dt.timedelta(seconds=10 + 20 + 30) + dt.timedelta(minutes=25, hours=12)  # qbo-api.md §1.7
    default = dt.timedelta(days=RetentionSettings().days)
    assert default > kafka_topic_retention and default > qbo_listed_retries


async def test_rows_older_than_the_retention_go_in_small_batches_and_the_rest_stay(database_url):
    engine = create_async_engine(database_url)
    consumer = "retention-" + uuid.uuid4().hex[:8]
    old, recent = NOW - dt.timedelta(days=31), NOW - dt.timedelta(days=29)
    try:
        async with engine.begin() as conn:
            for table in INBOXES:
                rows = [
                    {"consumer": consumer, "message_id": f"{age}-{n}", "processed_at": at}
                    for age, at in (("old", old), ("recent", recent))
                    for n in range(7)
                ]
                await conn.execute(insert(table), rows)
            await conn.execute(
                insert(deliveries),
                [
                    {"connection_id": consumer, "dedupe_key": f"{age}-{n}", "vendor": "qbo", "status": "produced",
                     "received_at": at}
                    for age, at in (("old", old), ("recent", recent))
                    for n in range(7)
                ],
            )  # fmt: skip
        received = RetentionRule(deliveries, "received_at")
        before = NOW - dt.timedelta(days=30)
        assert await purge_batch(engine, received, before=before, batch_size=3) == 3  # one batch: 3 rows, no more

        task = RetentionTask(
            engine,
            [received, *(inbox_rule(t) for t in INBOXES)],
            RetentionSettings(days=30, batch_size=3, pause_seconds=0),
            clock=lambda: NOW,
        )
        deleted = await task.run_once()
        assert deleted == {deliveries.fullname: 4, **{t.fullname: 7 for t in INBOXES}}
        async with engine.connect() as conn:
            for table, column, key in [(deliveries, "received_at", "dedupe_key")] + [
                (t, "processed_at", "message_id") for t in INBOXES
            ]:
                owner = table.c.connection_id if table is deliveries else table.c.consumer
                left = (await conn.execute(select(table.c[key]).where(owner == consumer))).scalars().all()
                assert sorted(left) == [f"recent-{n}" for n in range(7)], table.fullname
                oldest = await conn.execute(select(func.min(table.c[column])).where(owner == consumer))
                assert oldest.scalar_one() == recent
        assert await task.run_once() == {deliveries.fullname: 0, **{t.fullname: 0 for t in INBOXES}}
    finally:
        await engine.dispose()
