"""The three ledger sandboxes as a bookkeeper meets them: a fresh company, the credentials prefs-api
takes when the company is connected, the accounts the sync preferences point at, and what the
bookkeeper sets up in the ledger first (the clearing accounts, the funds-transfer journal).

Only the sandboxes' ``/_sandbox`` control APIs and the ledgers' own APIs (through the connectors)
are used. Each sandbox returns a :class:`LedgerCompany`; :class:`~ledgerbridge_ops.scenario.Scenario`
does the rest (BILL organization, connection, preferences) the same way for every ledger.

Account roles (keys of ``LedgerCompany.roles``) name what an account is for, so that callers never
use one ledger's account names: ``ap``, ``ar``, ``expenses``, ``income``, ``money_out_clearing``,
``money_in_clearing``, ``bank``, ``deposit_to`` and (where the company has one) ``fx``."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ledgerbridge_common.canonical.models import Account, AccountType, ObjectType
from ledgerbridge_common.connectors.netsuite.client import TbaCredentials
from ledgerbridge_common.connectors.netsuite.connector import NetSuiteConnector
from ledgerbridge_common.events.models import LedgerKind

QBO_CLIENT_ID = "ledgerbridge-sandbox"
QBO_CLIENT_SECRET = "sandbox-secret"
INTACCT_SENDER = ("ledgerbridge-sandbox", "sandbox-sender-password")
INTACCT_USER = ("ws_ledgerbridge", "sandbox-user-password")
"""The Web Services sender and user every Intacct sandbox company accepts (its defaults)."""
FUNDS_TRANSFER_JOURNAL = ("BILLFT", "BILL Funds Transfers")
"""The journal the bookkeeper adds in Intacct for BILL's disbursement and deposit runs."""


@dataclass
class LedgerCompany:
    """A fresh ledger company, ready to be connected."""

    company_id: str
    """QBO realm id, Intacct company id, NetSuite account id."""
    accounts: dict[str, str]
    """The ledger's account name → account id."""
    roles: dict[str, str]
    """Account role (``ap``, ``money_out_clearing``...) → account id."""
    credentials: dict[str, Any]
    """The ledger's credentials block of prefs-api's ``POST /v1/connections`` (``{"qbo": {...}}``...)."""
    preferences: dict[str, Any] = field(default_factory=dict)
    """Preferences only this ledger kind has (Funds Transfer Journal Symbol, Location...)."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Ids the ledger's payments name instead of a GL account → that GL account id (an Intacct
    payment names the checking account, the preferences its GL account)."""
    extra: dict[str, Any] = field(default_factory=dict)


class LedgerSandbox(Protocol):
    kind: LedgerKind
    label: str
    """The ledger's name as the walk-through prints it."""
    transfer_types: tuple[ObjectType, ...]
    """Where the ledger keeps BILL's runs (funds transfers) and journals."""

    async def create_company(self, http: httpx.AsyncClient, name: str, *, multi_currency: bool = False,
                             limits: bool = True) -> LedgerCompany: ...  # fmt: skip

    async def after_connect(self, http: httpx.AsyncClient, company: LedgerCompany, ingest_url: str) -> None:
        """What the ledger needs once the connection exists (QBO: its webhook subscription)."""
        ...


def _ok(resp: httpx.Response) -> Any:
    if resp.status_code >= 400:
        raise RuntimeError(f"{resp.request.method} {resp.request.url} → {resp.status_code}: {resp.text[:500]}")
    return resp.json() if resp.content else None


@dataclass
class QboSandbox:
    url: str
    kind: LedgerKind = LedgerKind.QUICKBOOKS_ONLINE
    label: str = "QuickBooks Online"
    transfer_types: tuple[ObjectType, ...] = (ObjectType.FUNDS_TRANSFER, ObjectType.JOURNAL_ENTRY)
    webhooks: bool = True
    verifier: str | None = None
    """The Intuit app's webhook verifier token; one app serves every company, so companies set up
    side by side pass the same one (default: a new one per company)."""
    ROLES = {
        "ap": "Accounts Payable (A/P)", "ar": "Accounts Receivable (A/R)", "expenses": "Unallocated Expenses",
        "income": "Unallocated Income", "money_out_clearing": "BILL Money Out Clearing",
        "money_in_clearing": "BILL Money In Clearing", "bank": "Checking", "deposit_to": "Undeposited Funds",
        "fx": "Exchange Gain or Loss",
    }  # fmt: skip

    async def create_company(
        self, http: httpx.AsyncClient, name: str, *, multi_currency: bool = False, limits: bool = True
    ) -> LedgerCompany:
        realm = _ok(
            await http.post(
                f"{self.url}/_sandbox/realms", json={"company_name": name, "multi_currency": multi_currency}
            )
        )
        realm_id = realm["realm_id"]
        if not limits:
            _ok(await http.put(f"{self.url}/_sandbox/realms/{realm_id}/limits", json={"enabled": False}))
        tokens = _ok(
            await http.post(f"{self.url}/_sandbox/realms/{realm_id}/tokens", json={"client_id": QBO_CLIENT_ID})
        )
        verifier = self.verifier or "vt-" + secrets.token_hex(16)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(tokens["expires_in"]))
        credentials = {
            "client_id": QBO_CLIENT_ID,
            "client_secret": QBO_CLIENT_SECRET,
            "webhook_verifier_token": verifier,
            "tokens": {
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "access_expires_at": expires.isoformat(),
            },
        }
        accounts = dict(realm["accounts"])
        roles = {role: accounts[name] for role, name in self.ROLES.items()}
        return LedgerCompany(realm_id, accounts, roles, {"qbo": credentials}, extra={"verifier": verifier})

    async def after_connect(self, http: httpx.AsyncClient, company: LedgerCompany, ingest_url: str) -> None:
        if not self.webhooks:
            return
        _ok(
            await http.put(
                f"{self.url}/_sandbox/apps/{QBO_CLIENT_ID}/webhooks",
                json={
                    "url": f"{ingest_url}/webhooks/qbo",
                    "verifier_token": company.extra["verifier"],
                    "format": "cloudevents",
                    "enabled": True,
                    "auto_deliver": True,
                },
            )
        )


@dataclass
class IntacctSandbox:
    """A company with the sandbox's seed chart; the bookkeeper adds the two clearing checking
    accounts (on the seed's clearing GL accounts) and the funds-transfer journal."""

    url: str
    kind: LedgerKind = LedgerKind.SAGE_INTACCT
    label: str = "Sage Intacct"
    transfer_types: tuple[ObjectType, ...] = (ObjectType.JOURNAL_ENTRY,)
    """Runs post as GLBATCH journal entries in the Funds Transfer Journal Symbol's journal (§7)."""
    ROLES = {
        "ap": "2000", "ar": "1200", "expenses": "6000", "income": "4000", "money_out_clearing": "1010",
        "money_in_clearing": "1020", "bank": "1000", "deposit_to": "1000",
    }  # fmt: skip
    CLEARING_CHECKING = (("BILL-OUT", "1010"), ("BILL-IN", "1020"))
    SEED_BANK = ("BOA-CHK", "1000")
    """The checking account the sandbox seeds, on GL 1000."""

    async def create_company(
        self, http: httpx.AsyncClient, name: str, *, multi_currency: bool = False, limits: bool = True
    ) -> LedgerCompany:
        company_id = f"lb-{uuid.uuid4().hex[:10]}"
        base = f"{self.url}/_sandbox/companies"
        company = _ok(await http.post(base, json={"company_id": company_id, "name": name}))
        if not limits:
            _ok(await http.put(f"{base}/{company_id}/limits", json={"enabled": False}))
        symbol, title = FUNDS_TRANSFER_JOURNAL
        _ok(await http.post(f"{base}/{company_id}/settings", json={"journals": {**company["journals"], symbol: title}}))
        for bank_id, gl in self.CLEARING_CHECKING:
            record = {"BANKACCOUNTID": bank_id, "BANKNAME": "BILL", "GLACCOUNTNO": gl, "CURRENCY": "USD"}
            _ok(await http.post(f"{base}/{company_id}/records/CHECKINGACCOUNT", json=record))
        rows = _ok(await http.get(f"{base}/{company_id}/objects/GLACCOUNT"))["GLACCOUNT"]
        accounts = {str(r["TITLE"]): str(r["ACCOUNTNO"]) for r in rows}
        credentials = {
            "sender_id": INTACCT_SENDER[0],
            "sender_password": INTACCT_SENDER[1],
            "company_id": company_id,
            "user_id": INTACCT_USER[0],
            "user_password": INTACCT_USER[1],
        }
        preferences = {
            "funds_transfer_journal_symbol": symbol,
            "funds_transfer_location": "100",
            "funds_transfer_department": "ADMIN",
            "transaction_currency": "USD",
            "base_currency": "USD",
        }
        aliases = dict((*self.CLEARING_CHECKING, self.SEED_BANK))
        return LedgerCompany(
            company_id, accounts, dict(self.ROLES), {"intacct": credentials}, preferences, aliases=aliases
        )

    async def after_connect(self, http: httpx.AsyncClient, company: LedgerCompany, ingest_url: str) -> None:
        return None  # Intacct sends no webhooks: the sweeper finds its changes

    async def objects(self, http: httpx.AsyncClient, company_id: str, obj: str) -> list[dict[str, Any]]:
        """Every stored record of an Intacct object (``APBILL``...), through the control API."""
        return list(_ok(await http.get(f"{self.url}/_sandbox/companies/{company_id}/objects/{obj}", timeout=60))[obj])


@dataclass
class NetSuiteSandbox:
    """A OneWorld account linked through its US subsidiary; the bookkeeper adds the two clearing
    bank accounts through the REST record service (the sandbox seeds none)."""

    url: str
    kind: LedgerKind = LedgerKind.ORACLE_NETSUITE
    label: str = "Oracle NetSuite"
    transfer_types: tuple[ObjectType, ...] = (ObjectType.JOURNAL_ENTRY,)
    """Whether BILL posts runs as ``transfer`` or journal entries is unconfirmed (reference §8):
    journal entries, which REST certainly has."""
    SUBSIDIARY = "US Subsidiary"
    ROLES = {
        "ap": "Accounts Payable", "ar": "Accounts Receivable", "expenses": "Office Supplies", "income": "Sales",
        "money_out_clearing": "BILL Money Out Clearing", "money_in_clearing": "BILL Money In Clearing",
        "bank": "US Checking", "deposit_to": "Undeposited Funds",
    }  # fmt: skip

    async def records(self, http: httpx.AsyncClient, account_id: str, type_name: str) -> list[dict[str, Any]]:
        """Every stored record of a type (``vendorBill``...), through the control API."""
        url = f"{self.url}/_sandbox/accounts/{account_id}/records/{type_name}"
        return list(_ok(await http.get(url, timeout=60))["records"])

    async def _id_by_name(self, http: httpx.AsyncClient, account_id: str, type_name: str, name: str) -> str:
        rows = await self.records(http, account_id, type_name)
        return next(str(r["id"]) for r in rows if name in (r.get("name"), r.get("acctName")))

    async def create_company(
        self, http: httpx.AsyncClient, name: str, *, multi_currency: bool = False, limits: bool = True
    ) -> LedgerCompany:
        body: dict[str, Any] = {"account_id": f"{secrets.randbelow(10**7):07d}_SB1"}
        made = _ok(await http.post(f"{self.url}/_sandbox/accounts", json=body))
        account_id, tba = made["account_id"], made["tba"]
        if not limits:
            _ok(await http.put(f"{self.url}/_sandbox/accounts/{account_id}/limits", json={"enabled": False}))
        subsidiary = await self._id_by_name(http, account_id, "subsidiary", self.SUBSIDIARY)
        creds = TbaCredentials(
            account_id, tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
        )
        connector = NetSuiteConnector(http, creds, subsidiary_id=subsidiary, base_url=self.url)
        for clearing in ("BILL Money Out Clearing", "BILL Money In Clearing"):
            account = Account(name=clearing, account_type=AccountType.BANK)
            await connector.create(account, request_id=uuid.uuid4().hex)
        rows = await self.records(http, account_id, "account")
        accounts = {str(r["acctName"]): str(r["id"]) for r in rows}
        credentials = {"account_id": account_id, **tba, "subsidiary_id": subsidiary}
        preferences = {
            "funds_transfer_location": await self._id_by_name(http, account_id, "location", "New York"),
            "funds_transfer_department": await self._id_by_name(http, account_id, "department", "US Sales"),
        }
        roles = {role: accounts[name] for role, name in self.ROLES.items()}
        return LedgerCompany(account_id, accounts, roles, {"netsuite": credentials}, preferences)

    async def after_connect(self, http: httpx.AsyncClient, company: LedgerCompany, ingest_url: str) -> None:
        return None  # changes are found by lastModifiedDate sweeps


LEDGER_NAMES = ("qbo", "intacct", "netsuite")


def ledger_sandbox(name: str, urls: Any) -> LedgerSandbox:
    """``qbo``, ``intacct`` or ``netsuite``, at ``urls.qbo``/``urls.intacct``/``urls.netsuite``."""
    sandboxes: dict[str, LedgerSandbox] = {
        "qbo": QboSandbox(urls.qbo),
        "intacct": IntacctSandbox(urls.intacct),
        "netsuite": NetSuiteSandbox(urls.netsuite),
    }
    if name not in sandboxes:
        raise ValueError(f"unknown ledger {name!r}; choose one of {', '.join(LEDGER_NAMES)}")
    return sandboxes[name]
