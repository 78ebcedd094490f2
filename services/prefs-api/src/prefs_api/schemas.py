"""Public request and response bodies of connections, API keys and mappings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ledgerbridge_common.connectors.lists import ListKind
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import (
    NETSUITE_TBA_FIELDS,
    BillcomCredentials,
    IntacctCredentials,
    NetSuiteCredentials,
    QboTokens,
    netsuite_grant_problem,
    netsuite_method_problem,
)
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
    webhook_subscription_id: str | None = None

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


Credential = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
IntacctId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^ \x00](?:[^\x00]*[^ \x00])?$")]
"""An Intacct login value: no leading or trailing space (a trailing space is a documented cause of a
refused login, reference intacct-api.md §7, HB115005929663)."""
Token = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"^[^\x00\s]*$")]
NETSUITE_ACCOUNT = r"^[0-9A-Za-z]+(_[A-Za-z]+[0-9]*)?$"
"""A NetSuite account id as the account shows it: ``123456``, ``123456_SB1`` (sandbox), ``123456_RP``
(release preview), ``TSTDRV1234567`` (reference netsuite-api.md §1.1)."""


class IntacctCredentialsIn(_In):
    """Sage Intacct XML Web Services: the Web Services sender (partner) id and password authorised by
    the company, the company id, a Web Services user of that company and, in a multi-entity company,
    the entity the BILL organization syncs with (omitted: the top level)."""

    sender_id: IntacctId
    sender_password: Credential
    company_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
    user_id: IntacctId
    user_password: Credential
    entity_id: IntacctId | None = Field(default=None, description="Entity (location) id; omit for the top level.")

    def stored(self) -> IntacctCredentials:
        """The credentials as sealed at rest (the company id is the connection's ``ledger_company_id``)."""
        return IntacctCredentials.model_validate(self.model_dump(exclude={"company_id"}))


TBA_FIELDS = NETSUITE_TBA_FIELDS


def given(name: str) -> dict[str, Any]:
    """A JSON Schema that matches a body giving ``name`` (with any value)."""
    return {"required": [name]}


def given_as_null(name: str) -> dict[str, Any]:
    """A JSON Schema that matches a body giving ``name`` as ``null`` (which counts as not given)."""
    return {"required": [name], "properties": {name: {"type": "null"}}}


class NetSuiteOAuth2In(_In):
    """NetSuite OAuth 2.0 (reference netsuite-api.md §1.2) for the integration record's client id:
    either the client secret and the tokens its authorization-code grant gave (with the refresh
    token an expired access token is refreshed and stored without asking again), or, for client
    credentials (M2M), the id and PEM private key of the certificate registered for the client."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [  # the grant, as ``_one_grant`` checks it, stated in the document too
                {"required": list(pair), "not": {"anyOf": [given_as_null(name) for name in pair]}}
                for pair in (("client_secret", "access_token"), ("certificate_id", "private_key"))
            ]
        },
    )

    client_id: Credential
    client_secret: Credential | None = None
    access_token: Token | None = None
    refresh_token: Token | None = None
    certificate_id: Credential | None = None
    private_key: Annotated[str, StringConstraints(min_length=1, max_length=20000, pattern=r"^[^\x00]*$")] | None = (
        Field(default=None, description="PEM private key (RSA) of the certificate; signs PS256 assertions.")
    )

    @model_validator(mode="after")
    def _one_grant(self) -> NetSuiteOAuth2In:
        if (problem := netsuite_grant_problem(self)) is not None:
            raise ValueError(problem)
        return self


class NetSuiteCredentialsIn(_In):
    """Oracle NetSuite, for the account: Token-Based Authentication (the integration record's
    consumer key and secret and the access token's id and secret) or OAuth 2.0 (``oauth2``), and the
    subsidiary the BILL organization is linked to (OneWorld; ``1`` is the parent of a
    single-subsidiary account)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [  # TBA or OAuth 2.0, as ``_one_method`` checks it, stated in the document too
                {
                    "required": list(TBA_FIELDS),
                    "not": {"anyOf": [{"required": ["oauth2"]}, *(given_as_null(name) for name in TBA_FIELDS)]},
                },
                {
                    "required": ["oauth2"],
                    "not": {"anyOf": [*(given(name) for name in TBA_FIELDS), given_as_null("oauth2")]},
                },
            ]
        },
    )

    account_id: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NETSUITE_ACCOUNT)]
    consumer_key: Credential | None = None
    consumer_secret: Credential | None = None
    token_id: Credential | None = None
    token_secret: Credential | None = None
    oauth2: NetSuiteOAuth2In | None = Field(default=None, description="Instead of the four TBA values.")
    subsidiary_id: Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[0-9]+$")]

    @model_validator(mode="after")
    def _one_method(self) -> NetSuiteCredentialsIn:
        if (problem := netsuite_method_problem(self)) is not None:
            raise ValueError(problem)
        return self

    def stored(self) -> NetSuiteCredentials:
        return NetSuiteCredentials.model_validate(self.model_dump())


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
        default=None,
        description="QBO realm id (set by the OAuth callback if omitted); for Sage Intacct and NetSuite the "
        "company id or account id of the credentials (omit it, or give the same value).",
    )
    billcom: BillcomCredentialsIn | None = None
    qbo: QboCredentialsIn | None = Field(default=None, description="Only with `ledger_kind` quickbooks_online.")
    intacct: IntacctCredentialsIn | None = Field(
        default=None, description="Only with `ledger_kind` sage_intacct; checked against Intacct before saving."
    )
    netsuite: NetSuiteCredentialsIn | None = Field(
        default=None, description="Only with `ledger_kind` oracle_netsuite; checked against NetSuite before saving."
    )
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
                },
                {
                    "name": "Acme Inc. (BILL ↔ Sage Intacct)",
                    "billcom_org_id": "00801ABCDEFGHIJKLMNP",
                    "ledger_kind": "sage_intacct",
                    "intacct": {
                        "sender_id": "acme-partner",
                        "sender_password": "sender-password",
                        "company_id": "acme-inc",
                        "user_id": "ws_ledgerbridge",
                        "user_password": "user-password",
                        "entity_id": "E100",
                    },
                },
                {
                    "name": "Acme Inc. (BILL ↔ Oracle NetSuite)",
                    "billcom_org_id": "00801ABCDEFGHIJKLMNQ",
                    "ledger_kind": "oracle_netsuite",
                    "netsuite": {
                        "account_id": "123456_SB1",
                        "consumer_key": "ck-0123456789abcdef",
                        "consumer_secret": "cs-0123456789abcdef",
                        "token_id": "tk-0123456789abcdef",
                        "token_secret": "ts-0123456789abcdef",
                        "subsidiary_id": "2",
                    },
                },
            ]
        },
    )


class ConnectionUpdate(_In):
    name: Name | None = None
    billcom_org_id: Ident | None = None
    ledger_company_id: Ident | None = None
    billcom: BillcomCredentialsIn | None = None
    qbo: QboCredentialsIn | None = None
    intacct: IntacctCredentialsIn | None = Field(
        default=None, description="Replaces the stored Intacct credentials (checked against Intacct first)."
    )
    netsuite: NetSuiteCredentialsIn | None = Field(
        default=None, description="Replaces the stored NetSuite credentials (checked against NetSuite first)."
    )


class CredentialsSummary(BaseModel):
    """Which credentials are stored; their values are never returned."""

    billcom_login: bool
    billcom_webhook_security_key: bool
    billcom_webhook_subscription_id: str | None = Field(
        default=None, description="The BILL webhook subscription LedgerBridge made for this connection."
    )
    qbo_client: bool
    qbo_tokens: bool
    qbo_access_expires_at: dt.datetime | None = None
    qbo_webhook_verifier_token: bool
    intacct_login: bool = Field(default=False, description="Intacct sender and user credentials are stored.")
    intacct_entity_id: str | None = Field(default=None, description="The Intacct entity the login enters.")
    netsuite_tba: bool = Field(default=False, description="NetSuite TBA consumer and token credentials are stored.")
    netsuite_oauth2: bool = Field(default=False, description="NetSuite OAuth 2.0 client and tokens are stored.")
    netsuite_subsidiary_id: str | None = Field(default=None, description="The NetSuite subsidiary linked.")


class LedgerListsOut(BaseModel):
    ledger_kind: LedgerKind
    lists: list[ListKind] = Field(description="The lists this ledger offers for the preferences.")
    linked_entity: str | None = Field(
        default=None, description="The entity (Intacct) or subsidiary (NetSuite) the connection is linked to."
    )


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
    notes: list[str] = Field(
        default_factory=list, description="What saving could not do (BILL webhooks not subscribed), and what to do."
    )


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


class LifecycleOut(BaseModel):
    """What a lifecycle step did (connect BILL's webhooks, rotate its key, disconnect, reconnect)."""

    connection_id: str
    status: str = Field(examples=["disconnected"])
    subscription_id: str | None = Field(default=None, description="The BILL webhook subscription, if any.")
    webhook_removed: bool = False
    token_revoked: bool = False
    notes: list[str] = Field(default_factory=list, description="What could not be done, and what to do.")


class ClearingConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: Literal[True] = Field(description="The bookkeeper confirms LedgerBridge may create the accounts.")


class ClearingAccount(BaseModel):
    preference: str = Field(examples=["money_out_clearing_account"])
    id: str
    name: str = Field(examples=["BILL Money Out Clearing"])
    created: bool = Field(description="False: an existing bank account of that name is used.")


class ClearingOut(BaseModel):
    connection_id: str
    accounts: list[ClearingAccount]
    version: int = Field(description="The preferences version that names them.")


class ReconLine(BaseModel):
    kind: Literal["open_payables", "open_receivables", "clearing_balance", "only_in_billcom", "only_in_ledger"]
    key: str = Field(description="The vendor, customer, account or document the line is about.")
    billcom_amount: Decimal | None
    ledger_amount: Decimal | None
    difference: Decimal = Field(description="BILL minus the ledger.")
    billcom_ref: str | None = Field(description="The BILL object (<side>:<type>:<id>), where one side has it.")
    ledger_ref: str | None
    note: str | None


class ReconClearing(BaseModel):
    preference: str = Field(examples=["money_out_clearing_account"])
    account_id: str
    name: str
    balance: Decimal | None = Field(description="Debit positive; 0 once BILL's runs have settled.")
    source: str = Field(
        description="Where the figure comes from: the balance the ledger reports, or computed from the ledger's "
        "payments and journal entries (then partial when more exist than were read)."
    )


class Reconciliation(BaseModel):
    connection_id: str
    generated_at: dt.datetime
    truncated: bool = Field(description="More documents exist than were compared.")
    differences: int
    lines: list[ReconLine] = Field(description="Only the lines that differ; empty when the books agree.")
    clearing: list[ReconClearing] = Field(
        default_factory=list, description="Each clearing account the preferences name, 0 included."
    )
