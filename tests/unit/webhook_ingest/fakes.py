"""Fakes for webhook-ingest unit tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ledgerbridge_common.canonical.models import BankAccount, ObjectType
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.prefs_client import (
    BillcomCredentials,
    ConnectionInfo,
    ConnectionPreferences,
    QboCredentials,
    WebhookSecret,
)
from webhook_ingest.adapters.publisher import PublishUnavailableError


class FakeSecretSource:
    def __init__(self, secrets: list[WebhookSecret]) -> None:
        self.secrets = secrets
        self.calls = 0
        self.down = False

    async def webhook_secrets(self, vendor: str) -> list[WebhookSecret]:
        self.calls += 1
        if self.down:
            raise RetryableError("prefs-api unreachable", vendor="prefs-api")
        return [s for s in self.secrets if s.vendor == vendor]


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope]] = []
        self.down = False

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        if self.down:
            raise PublishUnavailableError("broker down")
        self.published.extend(items)

    def on(self, topic: str) -> list[Envelope]:
        return [env for t, env in self.published if t == topic]


def connection(connection_id: str, *, realm: str = "9130", org: str = "00801ABC") -> ConnectionInfo:
    return ConnectionInfo(
        connection_id=connection_id,
        tenant_id="tenant-1",
        name="Acme",
        status="active",
        billcom_org_id=org,
        ledger_kind="quickbooks_online",
        ledger_company_id=realm,
        billcom=BillcomCredentials(username="u", password="p", organization_id=org, dev_key="k"),
        qbo=QboCredentials(client_id="c", client_secret="s"),
    )


class FakePrefs:
    def __init__(self, connections: list[ConnectionInfo]) -> None:
        self.connections = {c.connection_id: c for c in connections}
        self.bank_reports: list[tuple[str, list[BankAccount]]] = []
        self.values: dict[str, Any] = {}

    async def connection(self, connection_id: str) -> ConnectionInfo:
        return self.connections[connection_id]

    async def preferences(self, connection_id: str) -> ConnectionPreferences:
        conn = self.connections[connection_id]
        return ConnectionPreferences(
            connection_id=connection_id, version=1, ledger_kind=conn.ledger_kind, ready=True, **self.values
        )

    async def report_bank_accounts(self, connection_id: str, accounts: list[BankAccount]) -> None:
        self.bank_reports.append((connection_id, accounts))


class FakeBillcom:
    """``list_changed`` returns the objects whose time is at or after ``since``."""

    def __init__(self) -> None:
        self.objects: dict[ObjectType, list[ChangeRef]] = {}
        self.calls: list[tuple[ObjectType, dt.datetime]] = []
        self.banks: list[BankAccount] = []

    def add(self, object_type: ObjectType, object_id: str, at: dt.datetime) -> None:
        self.objects.setdefault(object_type, []).append(ChangeRef(object_type, object_id, "updated", at))

    async def list_changed(self, object_type: ObjectType, since: dt.datetime) -> ChangePage:
        self.calls.append((object_type, since))
        found = [c for c in self.objects.get(object_type, []) if c.source_time >= since]
        mark = max([c.source_time for c in found], default=since)
        return ChangePage(changes=found, next_watermark=mark)

    async def list_bank_accounts(self) -> list[BankAccount]:
        return self.banks


class FakeLedger:
    """CDC capped at ``cap`` objects per call (the connector's window split, simplified)."""

    ledger_kind = "quickbooks_online"
    capabilities = QBO_CAPABILITIES

    def __init__(self, cap: int = 1000) -> None:
        self.changes: list[ChangeRef] = []
        self.cap = cap
        self.cdc_calls: list[dt.datetime] = []
        self.query_calls: list[tuple[ObjectType, dt.datetime | None]] = []

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        self.cdc_calls.append(since)
        found = sorted(
            (c for c in self.changes if c.source_time > since and c.object_type in object_types),
            key=lambda c: c.source_time,
        )
        page = found[: self.cap]
        mark = page[-1].source_time if page else since
        return ChangePage(changes=page, next_watermark=mark, complete=len(found) <= self.cap)

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        self.query_calls.append((object_type, since))
        found = [c for c in self.changes if c.object_type == object_type and (since is None or c.source_time >= since)]
        mark = max([c.source_time for c in found], default=since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        return ChangePage(changes=found, next_watermark=mark)


class FakeConnectors:
    def __init__(self, billcom: FakeBillcom | None, ledger: FakeLedger | None) -> None:
        self._billcom = billcom
        self._ledger = ledger

    def billcom_for(self, connection: ConnectionInfo) -> FakeBillcom | None:
        return self._billcom

    def ledger_for(self, connection: ConnectionInfo) -> FakeLedger | None:
        return self._ledger
