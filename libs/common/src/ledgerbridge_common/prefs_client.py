"""Client of prefs-api's internal API, used by webhook-ingest, sync-engine and posting.

Routes (all under ``/internal/v1``, header ``X-Internal-Token``):

- ``GET  /connections?status=active``            → ``list[ConnectionInfo]``
- ``GET  /connections/{id}``                     → ``ConnectionInfo`` (with decrypted credentials)
- ``GET  /connections/{id}/preferences``         → ``ConnectionPreferences`` (current version)
- ``GET  /connections/{id}/mappings``            → ``Mappings``
- ``PUT  /connections/{id}/qbo-tokens``          ← ``QboTokens`` (rotated tokens from a refresh)
- ``PUT  /connections/{id}/netsuite-oauth2``     ← ``NetSuiteOAuth2`` (a refreshed access token)
- ``PUT  /connections/{id}/bank-accounts``       ← ``list[BankAccount]`` (seen in BILL; creates the
  "GL Account for Bank Account ****XXXX" preference of a new one)
- ``GET  /webhook-secrets?vendor=qbo|billcom``   → ``list[WebhookSecret]``
- ``GET  /conflicts/{id}``                       → ``ConflictInfo`` (the versions a bookkeeper overrides)
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any, Literal, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, SecretStr, WithJsonSchema, model_validator

from ledgerbridge_common.canonical.models import BankAccount
from ledgerbridge_common.errors import NotFoundError, PermanentError, RetryableError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def _reveal(value: SecretStr) -> str:
    return value.get_secret_value()


Secret = Annotated[
    SecretStr,
    PlainSerializer(_reveal, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "password"}),  # not writeOnly: the internal API returns it
]
"""A credential: hidden from ``repr``/``str`` (logs, tracebacks), written out in JSON (the
internal API and the sealed credentials carry it); read it with ``.get_secret_value()``."""


class BillcomCredentials(_Model):
    username: str
    password: Secret
    organization_id: str
    dev_key: Secret
    webhook_security_key: Secret | None = None
    webhook_subscription_id: str | None = None
    """The BILL webhook subscription prefs-api created on connect (removed on disconnect)."""


class QboTokens(_Model):
    access_token: Secret
    refresh_token: Secret
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime | None = None


class QboCredentials(_Model):
    """QuickBooks Online: the app's OAuth client and the realm's tokens (rotated on refresh)."""

    kind: Literal["quickbooks_online"] = "quickbooks_online"
    client_id: str
    client_secret: Secret
    tokens: QboTokens | None = None
    webhook_verifier_token: Secret | None = None


class IntacctCredentials(_Model):
    """Sage Intacct XML Web Services: the sender (partner) id and password, the company's Web
    Services user, and the entity a multi-entity company is entered at (empty: top level)."""

    kind: Literal["sage_intacct"] = "sage_intacct"
    sender_id: str
    sender_password: Secret
    user_id: str
    user_password: Secret
    entity_id: str | None = None


NETSUITE_TBA_FIELDS = ("consumer_key", "consumer_secret", "token_id", "token_secret")


class _OAuth2Grant(Protocol):
    @property
    def client_secret(self) -> object: ...
    @property
    def access_token(self) -> object: ...
    @property
    def certificate_id(self) -> object: ...
    @property
    def private_key(self) -> object: ...


class _NetSuiteMethod(Protocol):
    @property
    def oauth2(self) -> object: ...


def netsuite_grant_problem(model: _OAuth2Grant) -> str | None:
    """Why a NetSuite OAuth 2.0 block names no single grant (``None``: it names one): the code grant's
    client secret and access token, or the client-credentials certificate id and private key."""
    code = model.client_secret is not None and model.access_token is not None
    m2m = model.certificate_id is not None and model.private_key is not None
    if code == m2m:
        return (
            "give either client_secret and access_token (authorization code) or certificate_id and "
            "private_key (client credentials)"
        )
    return None


def netsuite_method_problem(model: _NetSuiteMethod) -> str | None:
    """Why NetSuite credentials name no single method (``None``: they name one): all four TBA values,
    or ``oauth2``."""
    given = {name for name in NETSUITE_TBA_FIELDS if getattr(model, name) is not None}
    if given and len(given) != len(NETSUITE_TBA_FIELDS):
        missing = ", ".join(name for name in NETSUITE_TBA_FIELDS if name not in given)
        return f"TBA needs all of consumer_key, consumer_secret, token_id, token_secret; missing: {missing}"
    if bool(given) == (model.oauth2 is not None):
        return "give either the TBA consumer and token credentials or `oauth2`, not both"
    return None


class NetSuiteOAuth2(_Model):
    """Oracle NetSuite OAuth 2.0 (reference netsuite-api.md §1.2) for the integration record
    ``client_id``, one of two grants:

    - authorization code: ``client_secret`` and the grant's ``access_token`` (an hour) and
      ``refresh_token``; a refused access token is replaced by one ``refresh_token`` grant
      (O:section_160855594402) and the new one is stored in its place;
    - client credentials (M2M): ``certificate_id`` and the PEM ``private_key`` of the certificate
      registered for the client; each token is asked for with a signed JWT (O:section_162755359851).
    """

    client_id: str
    client_secret: Secret | None = None
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    certificate_id: str | None = None
    private_key: Secret | None = None

    @model_validator(mode="after")
    def _one_grant(self) -> NetSuiteOAuth2:
        if (problem := netsuite_grant_problem(self)) is not None:
            raise ValueError(problem)
        return self

    @property
    def m2m(self) -> bool:
        return self.private_key is not None


class NetSuiteCredentials(_Model):
    """Oracle NetSuite for the account (``123456_SB1`` form), signed in either with Token-Based
    Authentication (an integration record's consumer key and secret and an access token) or with
    OAuth 2.0 (``oauth2``), and the subsidiary the BILL organization is linked to (reference
    netsuite-api.md §1.2, §8)."""

    kind: Literal["oracle_netsuite"] = "oracle_netsuite"
    account_id: str
    consumer_key: str | None = None
    consumer_secret: Secret | None = None
    token_id: str | None = None
    token_secret: Secret | None = None
    oauth2: NetSuiteOAuth2 | None = None
    subsidiary_id: str

    @model_validator(mode="after")
    def _one_method(self) -> NetSuiteCredentials:
        if (problem := netsuite_method_problem(self)) is not None:
            raise ValueError(problem)
        return self

    @property
    def tba(self) -> bool:
        return self.token_secret is not None


LedgerCredentials = Annotated[QboCredentials | IntacctCredentials | NetSuiteCredentials, Field(discriminator="kind")]
"""A connection's ledger credentials, one model per ledger kind told apart by ``kind`` (a new
ledger adds its model to this union and its builder to ``connectors.factory.LEDGERS``)."""


class ConnectionInfo(_Model):
    connection_id: str
    tenant_id: str
    name: str
    status: str  # "active" | "disabled"
    billcom_org_id: str
    ledger_kind: LedgerKind
    ledger_company_id: str
    """The ledger's company id (QBO realm id, Intacct company id, NetSuite account id)."""
    billcom: BillcomCredentials | None = None
    ledger: LedgerCredentials | None = None

    @model_validator(mode="before")
    @classmethod
    def _ledger_kind(cls, data: Any) -> Any:
        """Credentials without ``kind`` are the connection's ledger kind's; the QBO-only ``qbo``
        key of older prefs-api answers is the ledger's."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "qbo" in data:
            legacy = data.pop("qbo")
            data.setdefault("ledger", legacy)
        ledger = data.get("ledger")
        if isinstance(ledger, dict) and "kind" not in ledger:
            data["ledger"] = {"kind": str(data.get("ledger_kind", "")), **ledger}
        return data

    @property
    def qbo(self) -> QboCredentials | None:
        """The QBO credentials, when the ledger is QuickBooks Online."""
        return self.ledger if isinstance(self.ledger, QboCredentials) else None


class ConnectionPreferences(PreferenceValues):
    """The current version of a connection's preferences, as the internal API serves it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    connection_id: str
    version: int
    ledger_kind: LedgerKind
    ready: bool
    missing: list[str] = Field(default_factory=list)


class Mappings(_Model):
    """Explicit mappings that override automatic name matching: BILL id → ledger id."""

    accounts: dict[str, str] = Field(default_factory=dict)
    vendors: dict[str, str] = Field(default_factory=dict)
    customers: dict[str, str] = Field(default_factory=dict)
    fields: dict[str, dict[str, str]] = Field(default_factory=dict)
    objects: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Per object type (``bill``, ``invoice``, ...): BILL id → ledger id the bookkeeper linked
    from the sync log; the engine updates that ledger object instead of creating one."""
    ignored: list[str] = Field(default_factory=list)
    """Source refs (``<side>:<object_type>:<id>``) the bookkeeper chose not to sync."""


class WebhookSecret(_Model):
    connection_id: str
    vendor: str  # "qbo" | "billcom"
    company_id: str
    """QBO realm id or BILL organization id."""
    secret: Secret


class ConflictInfo(_Model):
    """One entry of the conflicts inbox; ``losing_version`` = the winning write's
    ``decision.overridden``: the values the losing side had on the fields it lost."""

    id: int
    connection_id: str
    object_type: str
    source_ref: str
    winner: str | None = None
    changed_fields: list[str] = Field(default_factory=list)
    losing_version: dict[str, Any] = Field(default_factory=dict)
    status: str = "open"


class PrefsClient:
    """HTTP client with a small TTL cache for preferences (dropped on ``PreferencesChanged``)."""

    def __init__(self, http: httpx.AsyncClient, *, internal_token: str | SecretStr, cache_seconds: float = 300) -> None:
        self._http = http
        token = internal_token.get_secret_value() if isinstance(internal_token, SecretStr) else internal_token
        self._headers = {"X-Internal-Token": token}
        self._cache_seconds = cache_seconds
        self._prefs: dict[str, tuple[float, ConnectionPreferences]] = {}

    async def _get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, params=params or None)

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = await self._http.request(method, f"/internal/v1{path}", headers=self._headers, **kw)
        except httpx.HTTPError as exc:
            raise RetryableError(f"prefs-api unreachable: {exc}", vendor="prefs-api") from exc
        if resp.status_code == 404:
            raise NotFoundError(f"prefs-api: {path} not found", vendor="prefs-api", code="404")
        if resp.status_code >= 500:
            raise RetryableError(f"prefs-api {resp.status_code}", vendor="prefs-api", code=str(resp.status_code))
        if resp.status_code >= 400:
            raise PermanentError(
                f"prefs-api {resp.status_code}: {resp.text[:300]}",
                vendor="prefs-api",
                code=str(resp.status_code),
            )
        return resp.json() if resp.content else None

    async def list_connections(self, status: str = "active") -> list[ConnectionInfo]:
        return [ConnectionInfo.model_validate(c) for c in await self._get("/connections", status=status)]

    async def connection(self, connection_id: str) -> ConnectionInfo:
        return ConnectionInfo.model_validate(await self._get(f"/connections/{connection_id}"))

    async def preferences(self, connection_id: str) -> ConnectionPreferences:
        cached = self._prefs.get(connection_id)
        if cached and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        prefs = ConnectionPreferences.model_validate(await self._get(f"/connections/{connection_id}/preferences"))
        self._prefs[connection_id] = (time.monotonic(), prefs)
        return prefs

    def drop_cached(self, connection_id: str) -> None:
        self._prefs.pop(connection_id, None)

    async def mappings(self, connection_id: str) -> Mappings:
        return Mappings.model_validate(await self._get(f"/connections/{connection_id}/mappings"))

    async def save_qbo_tokens(self, connection_id: str, tokens: QboTokens) -> None:
        await self._call("PUT", f"/connections/{connection_id}/qbo-tokens", json=tokens.model_dump(mode="json"))

    async def save_ledger_credentials(self, connection_id: str, credentials: LedgerCredentials) -> None:
        """``CredentialsStore`` of the connector factory: rotated ledger credentials go back to
        prefs-api (QBO: its tokens, through ``PUT /qbo-tokens``; NetSuite OAuth 2.0: its tokens,
        through ``PUT /netsuite-oauth2``)."""
        if isinstance(credentials, QboCredentials) and credentials.tokens is not None:
            await self.save_qbo_tokens(connection_id, credentials.tokens)
            return
        if isinstance(credentials, NetSuiteCredentials) and credentials.oauth2 is not None:
            body = credentials.oauth2.model_dump(mode="json")
            await self._call("PUT", f"/connections/{connection_id}/netsuite-oauth2", json=body)
            return
        raise PermanentError(f"prefs-api keeps no rotated {credentials.kind} credentials", vendor="prefs-api")

    async def report_bank_accounts(self, connection_id: str, accounts: list[BankAccount]) -> None:
        await self._call(
            "PUT",
            f"/connections/{connection_id}/bank-accounts",
            json=[a.model_dump(mode="json") for a in accounts],
        )

    async def conflict(self, conflict_id: int) -> ConflictInfo:
        return ConflictInfo.model_validate(await self._get(f"/conflicts/{conflict_id}"))

    async def webhook_secrets(self, vendor: str) -> list[WebhookSecret]:
        return [WebhookSecret.model_validate(s) for s in await self._get("/webhook-secrets", vendor=vendor)]
