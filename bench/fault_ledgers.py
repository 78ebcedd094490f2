"""The fault runs' ledgers: a run's companies are connected to QuickBooks Online, Sage Intacct or
NetSuite (``ledgerbridge_ops.ledgers``, as the e2e cycles and the demo connect them), and the
reconciliation reads each ledger the same way:

- **tags** — the source refs our objects carry, from the sandbox's control API (every stored
  object): QBO and Intacct keep the marker ``[lb-tag:LB:<source ref>]`` in a note field
  (``PrivateNote``/``Notes``; ``COMMENTS``/``DESCRIPTION``/``BATCH_TITLE``), NetSuite keeps
  ``LB:<source ref>`` as the record's external id (characters outside ``[A-Za-z0-9_-]`` as ``_``,
  ``connectors.netsuite.connector.external_id``);
- **documents** — (type, party, document number) of bills and invoices, for duplicates that carry
  no tag;
- **books** — QBO: the sandbox's double-entry view (``/_sandbox/realms/{id}/ledger``); Intacct and
  NetSuite: the balances the e2e cycles check (``ledgerbridge_ops.ledger_reader``: the ledger's
  objects read through the connector the services use), and whether every journal balances."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from bench.system import INTERNAL_TOKEN, BenchSystem
from ledgerbridge_common.canonical.models import JournalEntry, ObjectType
from ledgerbridge_common.connectors.netsuite.connector import external_id
from ledgerbridge_common.settings import ConnectedServiceSettings, DatabaseSettings
from ledgerbridge_ops.ledger_reader import balances, connected_reader
from ledgerbridge_ops.ledgers import IntacctSandbox, LedgerSandbox, NetSuiteSandbox, QboSandbox
from ledgerbridge_ops.scenario import Company, Scenario, Urls

T = ObjectType
BOOK_TYPES = (T.BILL, T.VENDOR_CREDIT, T.BILL_PAYMENT, T.INVOICE, T.RECEIVED_PAYMENT, T.JOURNAL_ENTRY)
"""What ``ledger_reader.balances`` derives the balances from (Intacct and NetSuite keep runs as journals)."""
TAG_RE = re.compile(r"\[lb-tag:LB:([^\]]+)\]")
Row = dict[str, Any]


@dataclass
class Books:
    """What the reconciliation needs of one company's ledger."""

    tags: Counter[str]
    """Tag key (``LedgerCase.tag_key`` of a source ref) → live objects carrying it."""
    documents: Counter[tuple[str, str, str]]
    """(object, party, document number) → live bills or invoices with it."""
    balanced: bool | None = None
    """Whether the ledger's postings sum to zero (None: not read)."""
    balances: dict[str, Decimal] | None = None
    """Ledger account id → balance, debit positive (None: not read)."""


def marker_tag(row: Row, fields: Iterable[str]) -> str | None:
    """The source ref in the first ``[lb-tag:LB:…]`` marker of ``fields``."""
    for key in fields:
        match = TAG_RE.search(str(row.get(key) or ""))
        if match:
            return match.group(1)
    return None


def ref_id(value: Any) -> str:
    """A NetSuite reference (``{"id": …}``) or a plain value, as text."""
    return str(value.get("id", "")) if isinstance(value, dict) else str(value or "")


def count_rows(
    rows_by_type: dict[str, list[Row]],
    tag_of: Callable[[Row], str | None],
    document_of: Callable[[str, Row], tuple[str, str, str] | None],
) -> tuple[Counter[str], Counter[tuple[str, str, str]]]:
    """Tags and document keys over every type's rows."""
    tags: Counter[str] = Counter()
    documents: Counter[tuple[str, str, str]] = Counter()
    for type_name, rows in rows_by_type.items():
        for row in rows:
            tag = tag_of(row)
            if tag:
                tags[tag] += 1
            document = document_of(type_name, row)
            if document is not None:
                documents[document] += 1
    return tags, documents


def duplicates(tags: Counter[str], documents: Counter[tuple[str, str, str]]) -> int:
    """Objects beyond the first per tag and per (type, party, number)."""
    return sum(n - 1 for n in tags.values() if n > 1) + sum(n - 1 for n in documents.values() if n > 1)


def journals_balance(journals: Iterable[JournalEntry]) -> bool:
    """Every journal entry's debits equal its credits."""
    for journal in journals:
        signed = (ln.amount if ln.posting_type == "Debit" else -ln.amount for ln in journal.lines)
        if sum(signed, Decimal(0)) != 0:
            return False
    return True


# --- QuickBooks Online ------------------------------------------------------------------------

QBO_ENTITIES = ("Vendor", "Customer", "Bill", "BillPayment", "Invoice", "Payment", "Transfer", "JournalEntry")


def _qbo_document(entity: str, obj: Row) -> tuple[str, str, str] | None:
    if entity not in ("Bill", "Invoice") or not obj.get("DocNumber"):
        return None
    party = (obj.get("VendorRef") or obj.get("CustomerRef") or {}).get("value", "")
    return entity, str(party), str(obj["DocNumber"])


async def qbo_books(scenario: Scenario, company: Company) -> Books:
    """Tags, documents and the sandbox's double-entry view (one request: always read)."""
    rows = {
        entity: [
            o for o in await scenario.qbo_objects(company, entity) if o.get("status") != "Deleted" and "MetaData" in o
        ]
        for entity in QBO_ENTITIES
    }
    tags, documents = count_rows(rows, lambda o: marker_tag(o, ("PrivateNote", "Notes")), _qbo_document)
    ledger = await scenario.qbo_ledger(company)
    balances = {a["Id"]: Decimal(a["balance"]) for a in ledger["accounts"]}
    return Books(tags, documents, bool(ledger.get("balanced")), balances)


# --- Sage Intacct -----------------------------------------------------------------------------

INTACCT_OBJECTS = ("VENDOR", "CUSTOMER", "APBILL", "APPYMT", "ARINVOICE", "ARPYMT", "GLBATCH")
INTACCT_NOTES = ("COMMENTS", "DESCRIPTION", "BATCH_TITLE")
"""The note fields the connector's object maps write the marker to (``mapping_common.ObjectMap.note_field``)."""


def _intacct_document(obj: str, row: Row) -> tuple[str, str, str] | None:
    party = {"APBILL": "VENDORID", "ARINVOICE": "CUSTOMERID"}.get(obj)
    if party is None or not row.get("RECORDID"):
        return None
    return obj, str(row.get(party) or ""), str(row["RECORDID"])


async def intacct_rows(http: httpx.AsyncClient, urls: Urls, company: Company) -> dict[str, list[Row]]:
    sandbox = IntacctSandbox(urls.intacct)
    return {obj: await sandbox.objects(http, company.realm_id, obj) for obj in INTACCT_OBJECTS}


# --- NetSuite ---------------------------------------------------------------------------------

NETSUITE_RECORDS = (
    "vendor", "customer", "vendorBill", "vendorCredit", "vendorPayment", "invoice", "customerPayment", "journalEntry",
)  # fmt: skip


def _netsuite_document(record_type: str, row: Row) -> tuple[str, str, str] | None:
    if record_type not in ("vendorBill", "invoice") or not row.get("tranId"):
        return None
    return record_type, ref_id(row.get("entity")), str(row["tranId"])


async def netsuite_rows(http: httpx.AsyncClient, urls: Urls, company: Company) -> dict[str, list[Row]]:
    sandbox = NetSuiteSandbox(urls.netsuite)
    return {t: await sandbox.records(http, company.realm_id, t) for t in NETSUITE_RECORDS}


# --- the table --------------------------------------------------------------------------------

RowsReader = Callable[[httpx.AsyncClient, Urls, Company], Awaitable[dict[str, list[Row]]]]


@dataclass(frozen=True)
class LedgerCase:
    name: str
    sandbox: Callable[[Urls], LedgerSandbox]
    process: str
    """The sandbox's process in ``BenchSystem.processes``."""
    faults_path: str
    """The control API's per-company collection (``/_sandbox/<collection>/{id}/faults``)."""
    tag_key: Callable[[str], str]
    """Source ref → the key ``Books.tags`` counts it under."""
    rows: RowsReader | None = None
    tag_of: Callable[[Row], str | None] = lambda row: None
    document_of: Callable[[str, Row], tuple[str, str, str] | None] = lambda type_name, row: None

    def faults_url(self, urls: Urls, company: Company) -> str:
        return f"{getattr(urls, self.process)}/_sandbox/{self.faults_path}/{company.realm_id}/faults"


LEDGERS: dict[str, LedgerCase] = {
    "qbo": LedgerCase("qbo", lambda urls: QboSandbox(urls.qbo), "qbo", "realms", lambda ref: ref),
    "intacct": LedgerCase(
        "intacct",
        lambda urls: IntacctSandbox(urls.intacct),
        "intacct",
        "companies",
        lambda ref: ref,
        intacct_rows,
        lambda row: marker_tag(row, INTACCT_NOTES),
        _intacct_document,
    ),
    "netsuite": LedgerCase(
        "netsuite",
        lambda urls: NetSuiteSandbox(urls.netsuite),
        "netsuite",
        "accounts",
        lambda ref: external_id(f"LB:{ref}", ""),
        netsuite_rows,
        lambda row: str(row["externalId"]) if row.get("externalId") else None,
        _netsuite_document,
    ),
}


def _reader_settings(system: BenchSystem) -> ConnectedServiceSettings:
    env = system.processes["engine"].env
    return ConnectedServiceSettings(
        prefs_url=env["LB_PREFS_URL"],
        internal_token=INTERNAL_TOKEN,
        qbo_base_url=env["LB_QBO_BASE_URL"],
        qbo_oauth_url=env["LB_QBO_OAUTH_URL"],
        intacct_url=env["LB_INTACCT_URL"],
        netsuite_url=env["LB_NETSUITE_URL"],
        database=DatabaseSettings(url=system.database_url),
    )


async def read_books(
    case: LedgerCase, system: BenchSystem, scenario: Scenario, company: Company, *, full: bool
) -> Books:
    """One company's ledger; ``full`` adds the balances of Intacct and NetSuite (every transaction
    read through the connector, so only once the system is idle; QBO's always come with it)."""
    if case.rows is None:
        return await qbo_books(scenario, company)
    rows = await case.rows(scenario.http, scenario.urls, company)
    books = Books(*count_rows(rows, case.tag_of, case.document_of))
    if full:
        sandbox = case.sandbox(scenario.urls)
        async with connected_reader(
            company.connection_id, _reader_settings(system), sandbox.transfer_types, company.account_aliases
        ) as reader:
            objects = [obj for t in BOOK_TYPES for obj in await reader.objects(t)]
        ap, ar = company.roles["ap"], company.roles["ar"]
        books.balances = balances(objects, ap=ap, ar=ar, aliases=company.account_aliases)
        books.balanced = journals_balance(o for o in objects if isinstance(o, JournalEntry))
    return books
