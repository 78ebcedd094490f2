"""Ingest benchmark: signed BILL webhook deliveries per second that webhook-ingest accepts durably
(200 only after Kafka acks=all), p50/p99 time to answer, against a bare FastAPI handler measured
the same way. The generator runs in this process on loopback and competes for the same 2 cores."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import sys
import uuid
from typing import Any

import httpx

from bench.loadgen import Request, run_load
from bench.system import ADMIN_KEY, BenchProcess, BenchSystem
from ledgerbridge_common.connectors.billcom.webhooks import sign_billcom_payload
from ledgerbridge_ops.scenario import Scenario


def _deliveries(connection_id: str, org_id: str, key: str, count: int) -> list[Request]:
    path = f"/webhooks/billcom/{connection_id}"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    out: list[Request] = []
    for i in range(count):
        bill_id = f"00n01{i:015d}"
        body = json.dumps(
            {
                "metadata": {"eventId": str(uuid.uuid4()), "subscriptionId": "bench", "organizationId": org_id,
                             "eventType": "bill.updated", "version": "1"},
                "bill": {"id": bill_id, "updatedTime": now, "vendorId": "00901benchvendor0001", "amount": 10.5,
                         "invoice": {"invoiceNumber": f"B-{i}", "invoiceDate": now[:10]}},
            },
            separators=(",", ":"),
        ).encode()  # fmt: skip
        headers = {"content-type": "application/json", "x-bill-sha-signature": sign_billcom_payload(body, key)}
        out.append((path, headers, body))
    return out


async def run(system: BenchSystem, *, count: int = 20_000, concurrency: int = 64) -> dict[str, Any]:
    await system.start(["qbo", "billcom", "prefs", "ingest"])
    async with httpx.AsyncClient(timeout=60) as http:
        scenario = Scenario(system.urls, ADMIN_KEY, http)
        company = await scenario.setup("Ingest Bench Inc.", limits=False)
        key = secrets.token_urlsafe(24)
        login = company.bill_login
        body = {"billcom": {"username": login["username"], "password": login["password"],
                            "organization_id": company.org_id, "dev_key": login["devKey"],
                            "webhook_security_key": key}}  # fmt: skip
        resp = await http.patch(
            f"{system.urls.prefs}/v1/connections/{company.connection_id}", headers=scenario.keyed, json=body
        )
        resp.raise_for_status()
    ingest = system.processes["ingest"]
    warm = await run_load("127.0.0.1", ingest.port, _deliveries(company.connection_id, company.org_id, key, 500),
                          concurrency=concurrency)  # fmt: skip
    if warm.ok != 500:
        print(f"  warm-up answers: {warm.statuses} errors={warm.errors}; log: {ingest.tail(10)}", file=sys.stderr)
    requests = _deliveries(company.connection_id, company.org_id, key, count)
    changes_before = await system.topic_count(system.topics.changes)
    result = await run_load("127.0.0.1", ingest.port, requests, concurrency=concurrency, deadline_s=180)
    system.sample()
    produced = await system.topic_count(system.topics.changes) - changes_before
    for name in ("ingest", "prefs", "billcom", "qbo"):  # the baseline gets the machine to itself
        await system.stop_one(name)
    baseline = await _bare(system, count, concurrency)
    ratio = result.rate / baseline["per_second"] if baseline["per_second"] else float("nan")
    return {
        "ingest": {**result.summary(), "changes_in_topic": produced, "warmup_ok": warm.ok},
        "bare_fastapi": baseline,
        "ratio_ingest_to_bare": round(ratio, 3),
        "concurrency": concurrency,
        "workers": 1,
        "note": "webhook-ingest runs one uvicorn worker (python -m webhook_ingest); the generator shares the 2 cores",
    }


async def _bare(system: BenchSystem, count: int, concurrency: int) -> dict[str, Any]:
    argv = [sys.executable, "-m", "uvicorn", "bench.bare_app:create_app", "--factory", "--host", "127.0.0.1",
            "--port", "{port}", "--log-level", "warning", "--no-access-log"]  # fmt: skip
    bare = BenchProcess(name="bare-fastapi", argv=argv, env={})
    await asyncio.to_thread(bare.start)
    try:
        requests = [("/webhooks/billcom/conn-bench", h, b) for _, h, b in _deliveries("x", "y", "k", count)]
        await run_load("127.0.0.1", bare.port, requests[:500], concurrency=concurrency)
        result = await run_load("127.0.0.1", bare.port, requests, concurrency=concurrency, deadline_s=180)
        return result.summary()
    finally:
        await asyncio.to_thread(bare.stop)
