"""What a ledger connector declares about its vendor, so that nothing outside the connector needs
to know which ledger it talks to: how a write is made idempotent, how changes are found, how many
writes fit in one call, and the limits the shared budget enforces (:mod:`.budget`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.budget import LedgerLimits


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
    creates_clearing_accounts: bool = False
    """The product creates the BILL Money Out / Money In clearing accounts in this ledger when the
    bookkeeper confirms it on connect (seed ``004``: BILL does, except in Sage Intacct). False:
    the bookkeeper creates them by hand and readiness says what to create."""
