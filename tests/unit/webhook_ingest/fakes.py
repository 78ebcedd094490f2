"""Fakes for webhook-ingest unit tests (the vendors' connectors are :mod:`tests.support`'s)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledgerbridge_common.canonical.models import BankAccount
from ledgerbridge_common.errors import RetryableError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.prefs_client import (
    BillcomCredentials,
    ConnectionInfo,
    ConnectionPreferences,
    QboCredentials,
    WebhookSecret,
)
from tests.support.fake_billcom import FakeBillcom
from tests.support.fake_ledger import FakeLedger
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


class FakeConnectors:
    def __init__(self, billcom: FakeBillcom | None, ledger: FakeLedger | None) -> None:
        self._billcom = billcom
        self._ledger = ledger

    def billcom_for(self, connection: ConnectionInfo) -> FakeBillcom | None:
        return self._billcom

    def ledger_for(self, connection: ConnectionInfo) -> FakeLedger | None:
        return self._ledger
