"""A connection's sync preferences (PREFERENCES.md): the values prefs-api stores and serves, and
the services read through ``PrefsClient``: one model for both sides of the internal API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.models import Side
from ledgerbridge_common.what_syncs import SyncDirection

SyncMode = Literal["automatic", "manual"]


class PreferenceValues(BaseModel):
    """One version of a connection's preferences (stored as JSON). Account values are ledger
    account ids; ``bank_gl_accounts`` maps a BILL bank account id to a ledger account id."""

    model_config = ConfigDict(extra="ignore")

    sync_automatically: bool = True
    schedule_interval_minutes: int = 1440
    ledger_sweep_minutes: int = 5
    """How often a ledger that pushes no changes (no webhooks: Intacct, NetSuite) is swept."""
    schedule_cron: str | None = None
    """A cron expression (UTC) for the scheduled sweeps; replaces the interval when set."""
    sync_mode: SyncMode = "automatic"
    """``manual``: changes are detected and shown as pending; nothing is written until Sync Now."""
    start_date: dt.date | None = None
    """Nothing dated before it is created on either side (None: no limit)."""
    first_sync_started: bool = True
    """False from connecting until the bookkeeper starts the first sync from its preview; nothing
    is written meanwhile. Set only by ``POST .../first-sync`` (not a patchable preference)."""
    what_syncs: dict[ObjectType, SyncDirection] = Field(default_factory=dict)
    """object type → direction chosen (``ledgerbridge_common.what_syncs``); absent: the default."""
    poll_interval_minutes: int = 5
    """How often BILL objects without webhook events are polled (planned within the devKey's hour)."""
    sync_only_approved: bool = False
    ap_account: str | None = None
    ar_account: str | None = None
    unallocated_expenses_account: str | None = None
    unallocated_income_account: str | None = None
    money_out_clearing_account: str | None = None
    money_in_clearing_account: str | None = None
    default_bank_account: str | None = None
    deposit_to_account: str | None = None
    fx_gain_loss_account: str | None = None
    funds_transfer_location: str | None = None
    funds_transfer_department: str | None = None
    funds_transfer_journal_symbol: str | None = None
    default_payables_department: str | None = None
    default_payables_location: str | None = None
    default_payables_class: str | None = None
    """Default Payables classification: the header of bills, vendor credits and bill payments
    (BILL codes only lines; NetSuite's "Bill.com Preferences" record, HB:360015018792)."""
    default_receivables_department: str | None = None
    default_receivables_location: str | None = None
    default_receivables_class: str | None = None
    """Default Receivables classification: the header of invoices and received payments."""
    transaction_currency: str | None = None
    base_currency: str | None = None
    bank_gl_accounts: dict[str, str | None] = Field(default_factory=dict)
    """BILL bank account id → ledger GL account id ("GL Account for Bank Account ****XXXX")."""
    master: dict[ObjectType, Side] = Field(default_factory=dict)
    """object type → side whose edit wins when both changed (default: billcom)."""
    field_masters: dict[ObjectType, dict[str, Side]] = Field(default_factory=dict)
    """object type → field → side (per-field master overrides)."""

    def master_for(self, object_type: str, field: str | None = None) -> Side:
        if field is not None:
            side = self.field_masters.get(ObjectType(object_type), {}).get(field)
            if side is not None:
                return side
        return self.master.get(ObjectType(object_type), Side.BILLCOM)
