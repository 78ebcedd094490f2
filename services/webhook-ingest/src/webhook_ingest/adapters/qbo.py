"""The QBO side of a sweep: the connector built from a connection's credentials, its tokens kept
in prefs-api, and a full query resync for gaps older than CDC's 30 days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import httpx

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef
from ledgerbridge_common.connectors.qbo import QboConnector, QboOAuthClient, QboTokenProvider
from ledgerbridge_common.connectors.qbo import QboTokens as OAuthTokens
from ledgerbridge_common.connectors.qbo.limits import DEFAULT_BUDGETS, QboLimits, RealmBudgets
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient
from ledgerbridge_common.prefs_client import QboTokens as StoredTokens


class PrefsTokenStore:
    """A connection's QBO tokens: read from its credentials, rotated ones saved to prefs-api."""

    def __init__(self, connection: ConnectionInfo, prefs: PrefsClient) -> None:
        self.connection = connection
        self.prefs = prefs
        self._tokens: OAuthTokens | None = None
        stored = connection.qbo.tokens if connection.qbo else None
        if stored is not None:
            self._tokens = OAuthTokens(
                access_token=stored.access_token.get_secret_value(),
                refresh_token=stored.refresh_token.get_secret_value(),
                expires_at=stored.access_expires_at,
                refresh_expires_at=stored.refresh_expires_at,
                realm_id=connection.ledger_company_id,
            )

    async def load(self) -> OAuthTokens | None:
        return self._tokens

    async def save(self, tokens: OAuthTokens) -> None:
        self._tokens = tokens
        await self.prefs.save_qbo_tokens(
            self.connection.connection_id,
            StoredTokens(
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                access_expires_at=tokens.expires_at,
                refresh_expires_at=tokens.refresh_expires_at,
            ),
        )


class QboSweepSource:
    """``changes_since`` (CDC) plus ``query_changed`` (full resync by query)."""

    ledger_kind = "quickbooks_online"

    def __init__(self, connector: QboConnector) -> None:
        self.connector = connector

    async def changes_since(self, object_types: Sequence[ObjectType], since: dt.datetime) -> ChangePage:
        return await self.connector.changes_since(object_types, since)

    async def query_changed(self, object_type: ObjectType, since: dt.datetime | None) -> ChangePage:
        where = None
        if since is not None:
            stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
            where = f"Metadata.LastUpdatedTime >= '{stamp}'"
        objects = await self.connector.query_all(object_type, where=where)
        fallback = since or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        changes = [
            ChangeRef(
                object_type=object_type,
                object_id=str(obj.id),
                operation="updated" if obj.active else "archived",
                source_time=obj.updated_at or fallback,
            )
            for obj in objects
            if obj.id
        ]
        mark = max((c.source_time for c in changes), default=fallback)
        return ChangePage(changes=changes, next_watermark=mark)


def qbo_sweep_source(
    connection: ConnectionInfo,
    *,
    http: httpx.AsyncClient,
    base_url: str,
    oauth_url: str,
    prefs: PrefsClient,
    limits: QboLimits | None = None,
    budgets: RealmBudgets = DEFAULT_BUDGETS,
) -> QboSweepSource | None:
    creds = connection.qbo
    if creds is None:
        return None
    oauth = QboOAuthClient.for_base_url(
        http,
        oauth_url,
        client_id=creds.client_id,
        client_secret=creds.client_secret.get_secret_value(),
        redirect_uri="",
    )
    tokens = QboTokenProvider(PrefsTokenStore(connection, prefs), oauth)
    connector = QboConnector(
        http, connection.ledger_company_id, tokens, base_url=base_url, limits=limits, budgets=budgets
    )
    return QboSweepSource(connector)
