"""Bodies of the preferences routes (public) and of the internal preferences read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.models import LedgerKind, Side
from ledgerbridge_common.events.preferences import PreferenceValues, SyncMode
from ledgerbridge_common.prefs_client import ConnectionPreferences
from ledgerbridge_common.what_syncs import SyncDirection
from prefs_api.problems import FieldError

AccountId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CronText = Annotated[str, StringConstraints(min_length=9, max_length=100, pattern=r"^[0-9A-Za-z*/,\- ]+$")]


class PreferencesPatch(BaseModel):
    """The preferences to change; others keep their value. ``null`` clears an account. Maps merge:
    ``{"master": {"vendor": "ledger"}}`` changes only the vendor master; a ``null`` entry removes it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"money_out_clearing_account": "91", "ap_account": "33", "master": {"vendor": "ledger"}},
                {"sync_only_approved": True},
                {"what_syncs": {"invoice": "off", "bill": "billcom_to_ledger"}, "sync_mode": "manual"},
                {"schedule_cron": "0 6 * * 1-5", "start_date": "2026-01-01"},
                {"bank_gl_accounts": {"bac01ABCDEFGHIJKLMNO": "35"}},
            ]
        },
    )

    sync_automatically: bool | None = None
    schedule_interval_minutes: Annotated[int, Field(ge=5, le=1440)] | None = None
    ledger_sweep_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    schedule_cron: CronText | None = Field(
        default=None, description="Five-field cron expression (UTC) for the scheduled sweeps; null: the interval"
    )
    sync_mode: SyncMode | None = Field(
        default=None,
        description="`manual`: changes are detected and shown as pending; nothing is written until Sync Now",
    )
    start_date: dt.date | None = Field(
        default=None, description="Nothing dated before it is created on either side; null: no limit"
    )
    what_syncs: dict[ObjectType, SyncDirection | None] | None = Field(
        default=None,
        description="Per object type: `off`, `billcom_to_ledger`, `ledger_to_billcom` or `both`, within the cells "
        "BILL offers for the ledger (GET .../what-syncs); null restores the default",
    )
    poll_interval_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    sync_only_approved: bool | None = None
    ap_account: AccountId | None = None
    ar_account: AccountId | None = None
    unallocated_expenses_account: AccountId | None = None
    unallocated_income_account: AccountId | None = None
    money_out_clearing_account: AccountId | None = None
    money_in_clearing_account: AccountId | None = None
    default_bank_account: AccountId | None = None
    deposit_to_account: AccountId | None = None
    fx_gain_loss_account: AccountId | None = None
    funds_transfer_location: ShortText | None = None
    funds_transfer_department: ShortText | None = None
    funds_transfer_journal_symbol: ShortText | None = None
    default_payables_department: ShortText | None = None
    default_payables_location: ShortText | None = None
    default_payables_class: ShortText | None = None
    default_receivables_department: ShortText | None = None
    default_receivables_location: ShortText | None = None
    default_receivables_class: ShortText | None = None
    transaction_currency: Currency | None = None
    base_currency: Currency | None = None
    bank_gl_accounts: dict[ShortText, AccountId | None] | None = None
    master: dict[ObjectType, Side | None] | None = None
    field_masters: dict[ObjectType, dict[ShortText, Side | None]] | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class BankAccountPref(BaseModel):
    bank_account_id: str
    label: str = Field(examples=["GL Account for Bank Account ****1234 (Operating)"])
    name: str
    last4: str
    archived: bool
    billcom_chart_of_account_id: str | None
    gl_account_id: str | None


class PreferencesView(BaseModel):
    connection_id: str
    version: int
    ledger_kind: LedgerKind
    ready: bool
    missing: list[str] = Field(examples=[["Choose a Bank account for Money Out Clearing"]])
    values: PreferenceValues
    bank_accounts: list[BankAccountPref]
    offered: list[str] = Field(description="Preferences this ledger kind offers.")
    changed_at: dt.datetime
    changed_by: str
    warnings: list[str] = Field(default_factory=list)


class ChangeOut(BaseModel):
    preference: str
    old: Any = None
    new: Any = None


class VersionOut(BaseModel):
    version: int
    changed_at: dt.datetime
    changed_by: str
    changes: list[ChangeOut]
    values: PreferenceValues


class VersionPage(BaseModel):
    total: int
    items: list[VersionOut]


class Readiness(BaseModel):
    connection_id: str
    version: int
    ready: bool
    missing: list[str]
    warnings: list[str] = Field(
        default_factory=list,
        description="What stops some objects only (a Transaction Currency other than USD stops payments).",
    )
    books_closed_through: dt.date | None = Field(
        default=None,
        description="The ledger's books-closed date: nothing dated on or before it syncs. Null when no period "
        "is closed, or when it could not be read (``books_closed`` says which).",
        examples=["2026-10-31"],
    )
    books_closed: str = Field(
        default="",
        description="The books-closed date in words, or why it is not known "
        "(LedgerBridge does not read Sage Intacct's; the ledger did not answer).",
        examples=["Oracle NetSuite's books are closed through 2026-10-31"],
    )


class AffectedObject(BaseModel):
    object_type: str
    source_ref: str
    target_id: str | None
    field: str
    account_id: str
    last_synced_at: dt.datetime


class PreviewOut(BaseModel):
    valid: bool
    problems: list[FieldError]
    changes: list[ChangeOut]
    ready_after: bool
    missing_after: list[str]
    affected: list[AffectedObject] = Field(
        description="Objects already synced that posted to an account this change replaces; "
        "their next posting moves to the new account."
    )


class AccountOut(BaseModel):
    id: str
    name: str
    account_type: str
    account_subtype: str | None = None
    active: bool


class InternalPreferences(ConnectionPreferences):
    """The preferences the services read (``ledgerbridge_common.prefs_client``), every value included."""
