"""What a ledger connector declares about its vendor, so that nothing outside the connector needs
to know which ledger it talks to: how a write is made idempotent, how changes are found, how many
writes fit in one call, and the limits the shared budget enforces (:mod:`.budget`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.budget import LedgerLimits
from ledgerbridge_common.events.models import Side


class Idempotency(StrEnum):
    """How a write that may have been applied (timeout after commit) is made safe to repeat."""

    REQUEST_ID = "request_id"
    """The vendor answers a repeated request id with the first outcome (QBO ``requestid``)."""
    CONTROL_ID = "control_id"
    """The vendor refuses a repeated id instead of applying it twice (Intacct ``controlid`` with
    ``uniqueid="true"``); the connector then finds the first write by its tag."""
    EXTERNAL_ID_UPSERT = "external_id_upsert"
    """The write is an upsert by an external id we choose (NetSuite ``eid:``)."""
    TAG_LOOKUP = "tag_lookup"
    """No vendor mechanism: the connector looks the object up by our tag before writing again."""


class ChangeFeedKind(StrEnum):
    CDC = "cdc"
    """A change-data-capture call listing every changed object, deletions included (QBO)."""
    MODIFIED_SINCE = "modified_since"
    """A query on a last-modified field per object type (Intacct ``WHENMODIFIED``, NetSuite
    ``lastmodifieddate``); deletions come from a separate source."""


class DeletionsSource(StrEnum):
    IN_FEED = "in_feed"
    """The change feed itself reports deletions (QBO CDC ``status="Deleted"``)."""
    AUDIT_TRAIL = "audit_trail"
    """An audit object lists deletions (Intacct ``AUDITHISTORY``)."""
    DELETED_RECORDS = "deleted_records"
    """A deleted-records list (NetSuite ``DeletedRecord``)."""
    NONE = "none"


@dataclass(frozen=True)
class ChangeFeed:
    kind: ChangeFeedKind
    deletions: DeletionsSource
    max_lookback: dt.timedelta | None = None
    """How far back the feed reaches (QBO CDC: 30 days); older gaps need a full resync."""
    page_size: int | None = None
    """Objects per call, when the vendor caps it."""
    pushed: bool = False
    """The vendor also pushes changes (webhooks): sweeps are a backstop on the connection's
    schedule. Without pushes the ledger is swept every ``ledger_sweep_minutes`` (preferences)."""


class Flow(StrEnum):
    """Which way an object type flows between BILL and the ledger (billcom.md §3.1, "Sync Matrix")."""

    TWO_WAY = "two_way"
    FROM_BILLCOM = "from_billcom"
    FROM_BILLCOM_UNPAID_FROM_LEDGER = "from_billcom_unpaid_from_ledger"
    """From BILL always; from the ledger only new objects that are still unpaid."""
    FROM_LEDGER = "from_ledger"
    """From the ledger only, read-only in BILL (projects: BILL's jobs for Sage Intacct and NetSuite)."""
    TWO_WAY_WHILE_UNPAID = "two_way_while_unpaid"
    """New unpaid objects come from the ledger, and edits flow both ways while the object is unpaid
    (Intacct bills); once paid or partly paid, edits on either side are not copied. A closed period
    is refused by the ledger itself."""


@dataclass(frozen=True)
class ClearingSetup:
    """How a connection gets its Money Out / Money In clearing accounts in this ledger, so readiness
    can say exactly what to do."""

    created_on_connect: bool
    """LedgerBridge creates them when the ledger is connected (QBO); otherwise the bookkeeper does."""
    account_kind: str = "Bank"
    """What the bookkeeper creates (Intacct: a checking account)."""
    instructions: tuple[str, ...] = ()
    """One sentence per step, in the ledger's words, for readiness to show."""


@dataclass(frozen=True)
class PaymentCurrency:
    """Payments sync only when the connection's currency preferences are this currency (Intacct:
    Transaction and Base Currency must be USD)."""

    required: str = "USD"
    preferences: tuple[str, ...] = ("transaction_currency", "base_currency")


BANK_MOVEMENT_TYPES = (
    ObjectType.BILL_PAYMENT,
    ObjectType.RECEIVED_PAYMENT,
    ObjectType.FUNDS_TRANSFER,
    ObjectType.JOURNAL_ENTRY,
)
"""Every transaction type that moves money in or out of a bank or clearing account."""


@dataclass(frozen=True)
class LedgerCapabilities:
    idempotency: Idempotency
    change_feed: ChangeFeed
    limits: LedgerLimits
    """The vendor's per-company limits; the shared budget enforces them."""
    batch_size: int | None = None
    """Independent writes per ``batch`` call; ``None`` when the ledger has no batch call."""
    voids: frozenset[ObjectType] = frozenset()
    """Transaction types the ledger voids (kept, zeroed); other transactions are deleted."""
    concurrency_token: bool = False
    """Updates must carry the ``concurrency_token`` last read (QBO ``SyncToken``); a stale one is
    refused with ``StaleObjectError``. Without it the ledger applies the last write."""
    display_name: str = "the ledger"
    """The ledger's name in sync-log reasons ("QuickBooks Online", "Sage Intacct")."""
    swept_types: frozenset[ObjectType] | None = None
    """The types a sweep asks the change feed for (``None``: the sweeper's default list); a type
    the connector cannot read, or reads as another (Intacct's funds transfers are journal entries),
    is left out."""
    unpaid_deletes_from_ledger: frozenset[ObjectType] = frozenset()
    """Documents that come from the ledger only while unpaid, and whose deletion in the ledger BILL
    copies while the BILL document is still unpaid (NetSuite bills, HB:360021049331)."""
    clearing: ClearingSetup = ClearingSetup(created_on_connect=False)
    """Whether the product creates the clearing accounts on connect, once the bookkeeper confirms
    (seed ``004``: BILL does, except in Sage Intacct), or what the bookkeeper creates by hand."""
    payment_currency: PaymentCurrency | None = None
    lists_master: Side | None = None
    """The side that must win list conflicts whatever Master in Case of Conflict says (Intacct
    logged in to an entity: the lists are shared from the top level, so Intacct is master)."""
    flows: Mapping[ObjectType, Flow] | None = None
    """Which way each type flows with this ledger; a type without an entry does not sync. The one
    direction table per ledger: the engine's direction rule reads it, and What Syncs derives the
    cells a bookkeeper may choose and their defaults from it (``ledgerbridge_common.what_syncs``).
    ``None`` (a test's capabilities): the table the ledger kind's connector declares
    (:func:`ledgerbridge_common.connectors.declared.declared_flows`)."""
    optional_two_way: frozenset[ObjectType] = frozenset()
    """Types that flow from BILL only unless the bookkeeper chooses both ways in What Syncs (QBO's
    optional "2-Way AP Payment Sync" for bill payments, billcom.md §3.1)."""
    kept_fields: Mapping[ObjectType, frozenset[str]] | None = None
    """Per type, the synced fields the ledger stores and reads back (``None``, or a type without an
    entry: all of them). A difference in any other field changes nothing the ledger keeps, so the
    engine plans no update for it (Intacct keeps no BILL run id on a payment, and cannot update a
    posted payment at all)."""
    updatable_fields: Mapping[ObjectType, frozenset[str]] | None = None
    """Per type, the synced fields the ledger can change on an object it already holds (``None``, or a
    type without an entry: all of them; an empty set: none, the object is immutable once written, as
    Intacct's posted payments are). A change to other fields is not written: the sync log says so."""
    bank_movement_types: tuple[ObjectType, ...] = BANK_MOVEMENT_TYPES
    """The types to read for a bank or clearing account's balance where the chart of accounts
    reports none (``list_accounts`` without ``side_status["current_balance"]``): payments, BILL's
    runs and journals, as the ledger keeps them, each once. A type the connector reads as another
    is left out (Intacct and NetSuite keep funds transfers as journal entries, so a run would count
    twice); the balance itself is :func:`ledgerbridge_common.books.balances`."""
