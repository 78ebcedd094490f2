"""Public request and response bodies of connections, API keys and mappings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import BillcomCredentials, QboTokens
from prefs_api.domain.access import Scope

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BillcomCredentialsIn(_In):
    """``prefs_client.BillcomCredentials`` as the API accepts it (no unknown keys)."""

    username: str
    password: str
    organization_id: str
    dev_key: str
    webhook_security_key: str | None = None

    def stored(self) -> BillcomCredentials:
        return BillcomCredentials.model_validate(self.model_dump())


class QboTokensIn(_In):
    """``prefs_client.QboTokens`` as the API accepts it (no unknown keys, RFC 3339 times)."""

    access_token: str
    refresh_token: str
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime | None = None

    def stored(self) -> QboTokens:
        return QboTokens.model_validate(self.model_dump())


class QboCredentialsIn(_In):
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    client_secret: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    webhook_verifier_token: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    tokens: QboTokensIn | None = Field(
        default=None, description="Omit to keep the stored tokens (or to connect via OAuth)."
    )


class ConnectionCreate(_In):
    id: Annotated[str, StringConstraints(min_length=3, max_length=55, pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = Field(
        default=None,
        description="Optional id, unique within the tenant: the connection's id becomes `<id>-<8 hex chars "
        "of the tenant>` (read it from the answer). Generated (`conn-...`) when omitted.",
    )
    name: Name
    billcom_org_id: Ident
    ledger_kind: LedgerKind
    ledger_company_id: Ident | None = Field(
        default=None, description="QBO realm id; set by the OAuth callback if omitted."
    )
    billcom: BillcomCredentialsIn | None = None
    qbo: QboCredentialsIn | None = None
    start_date: dt.date | None = Field(
        default=None,
        description="Nothing dated before it is created on either side. Default: the first day of the "
        "current month (UTC).",
    )
    first_sync: Literal["after_preview", "immediately"] = Field(
        default="after_preview",
        description="`after_preview` (default): nothing is written until the first sync is started from its "
        "preview (`POST .../first-sync`); `immediately`: it starts now.",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme Inc. (BILL ↔ QuickBooks Online)",
                    "billcom_org_id": "00801ABCDEFGHIJKLMNO",
                    "ledger_kind": "quickbooks_online",
                    "ledger_company_id": "9130354876543210",
                    "billcom": {
                        "username": "ap@acme.example",
                        "password": "s3cret-password",
                        "organization_id": "00801ABCDEFGHIJKLMNO",
                        "dev_key": "01ABCDEFGHIJKLMNOPQR",
                        "webhook_security_key": "whsec-0123456789abcdef",
                    },
                    "qbo": {
                        "client_id": "ABcdEFgh0123",
                        "client_secret": "client-secret-value",
                        "webhook_verifier_token": "verifier-0123456789",
                    },
                }
            ]
        },
    )


class ConnectionUpdate(_In):
    name: Name | None = None
    billcom_org_id: Ident | None = None
    ledger_company_id: Ident | None = None
    billcom: BillcomCredentialsIn | None = None
    qbo: QboCredentialsIn | None = None


class CredentialsSummary(BaseModel):
    """Which credentials are stored; their values are never returned."""

    billcom_login: bool
    billcom_webhook_security_key: bool
    qbo_client: bool
    qbo_tokens: bool
    qbo_access_expires_at: dt.datetime | None = None
    qbo_webhook_verifier_token: bool


class ConnectionOut(BaseModel):
    id: str
    tenant_id: str
    name: str
    status: str = Field(examples=["active"])
    billcom_org_id: str
    ledger_kind: LedgerKind
    ledger_company_id: str | None
    credentials: CredentialsSummary
    created_at: dt.datetime
    updated_at: dt.datetime


class AuthorizeOut(BaseModel):
    authorize_url: str
    state: str


class OAuthResult(BaseModel):
    connection_id: str
    realm_id: str
    connected: bool = True
    access_expires_at: dt.datetime


class ApiKeyCreate(_In):
    name: Name
    scopes: list[Scope] = Field(min_length=1, examples=[["read", "write"]])
    connection_ids: list[Ident] | None = Field(
        default=None, description="Connections this key may see; omit for every connection of the tenant."
    )


class ApiKeyOut(BaseModel):
    id: str
    tenant_id: str
    name: str
    scopes: list[Scope]
    connection_ids: list[str] | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret key. Shown once; only its hash is stored.")


class AccountMappingIn(_In):
    ledger_id: Ident = Field(examples=["35"])


class FieldMappingIn(_In):
    ledger_field: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(examples=["PrimaryEmailAddr"])


class Accepted(BaseModel):
    accepted: bool = True
    event_id: str
    detail: str


class BankAccountIn(BaseModel):
    """A BILL bank account as the engine/sweeper reports it (``canonical.BankAccount`` JSON)."""

    model_config = ConfigDict(extra="ignore")
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(max_length=200)]
    last4: Annotated[str, StringConstraints(max_length=8)]
    chart_of_account_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    archived: bool = False
    updated_at: dt.datetime | None = None
