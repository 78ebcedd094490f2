"""Test data for the engine: preferences, canonical objects, links, changes and inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from ledgerbridge_common.canonical import fingerprint, synced_view
from ledgerbridge_common.canonical.models import (
    AppliedTo,
    ApprovalStatus,
    Bill,
    BillPayment,
    CanonicalObject,
    Classifications,
    CompanyInfo,
    Customer,
    FundsTransfer,
    Invoice,
    ObjectType,
    ReceivedPayment,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.events import ChangeDetected, LedgerKind, Side
from ledgerbridge_common.prefs_client import ConnectionPreferences, Mappings
from sync_engine.domain.model import Inputs, Link, Match, RefKey, Resolution
from tests.support.builders import change as support_change

B, L = Side.BILLCOM, Side.LEDGER
T = ObjectType
CONN = "conn-scenarios"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 3, 1)


def prefs(**overrides: Any) -> ConnectionPreferences:
    base: dict[str, Any] = {
        "connection_id": CONN,
        "version": 3,
        "ledger_kind": LedgerKind.QUICKBOOKS_ONLINE,
        "ready": True,
        "ap_account": "33",
        "ar_account": "84",
        "unallocated_expenses_account": "90",
        "unallocated_income_account": "91",
        "money_out_clearing_account": "95",
        "money_in_clearing_account": "96",
        "default_bank_account": "35",
        "deposit_to_account": "4",
        "fx_gain_loss_account": "97",
        "bank_gl_accounts": {"bac01CHECKING": "35"},
    }
    base.update(overrides)
    return ConnectionPreferences(**base)


def company(multi_currency: bool = False) -> CompanyInfo:
    return CompanyInfo(company_id="9130", name="Craig's Design", multi_currency=multi_currency)


change = partial(support_change, source_time=NOW)


def vendor(vid: str, name: str = "Acme Paper", **kw: Any) -> Vendor:
    return Vendor(id=vid, name=name, **kw)


def customer(cid: str, name: str = "Bluebird Cafe", **kw: Any) -> Customer:
    return Customer(id=cid, name=name, **kw)


def line(amount: str, account: str | None = None, **cls: Any) -> TransactionLine:
    return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id=account, **cls))


def bill(bid: str = "00n01BILL", vendor_id: str = "00901ACME", **kw: Any) -> Bill:
    kw.setdefault("lines", (line("70.00", "0ca01SUPPLIES"), line("30.00")))
    return Bill(id=bid, vendor_id=vendor_id, number="INV-1001", date=DAY, **kw)


def credit(cid: str = "vcr01CREDIT", **kw: Any) -> VendorCredit:
    return VendorCredit(id=cid, vendor_id="00901ACME", date=DAY, lines=(line("10.00"),), **kw)


def payment(
    pid: str = "stp01PAY", bills: tuple[tuple[str, str], ...] = (("00n01BILL", "100.00"),), **kw: Any
) -> BillPayment:
    applied = tuple(AppliedTo(document_id=b, amount=Decimal(a)) for b, a in bills)
    total = sum((a.amount for a in applied), Decimal(0))
    kw.setdefault("funding_account_id", "bac01CHECKING")
    return BillPayment(id=pid, vendor_id="00901ACME", date=DAY, amount=total, applied_to=applied, **kw)


def received(rid: str = "0rp01RECV", method: str = "electronic", **kw: Any) -> ReceivedPayment:
    return ReceivedPayment(
        id=rid,
        customer_id="0cu01BLUE",
        date=DAY,
        amount=Decimal("50.00"),
        method=method,
        applied_to=(AppliedTo(document_id="00e01INV", amount=Decimal("50.00")),),
        **kw,
    )


def invoice(iid: str = "00e01INV", **kw: Any) -> Invoice:
    kw.setdefault("lines", (line("50.00", item_id="0ii01DESIGN"), line("20.00")))
    return Invoice(id=iid, customer_id="0cu01BLUE", date=DAY, number="1001", **kw)


def run(
    rid: str = "mmt01RUN",
    amount: str = "100.00",
    direction: str = "money_out",
    payments: tuple[str, ...] = ("stp01PAY",),
) -> FundsTransfer:
    bank = "bac01CHECKING"
    return FundsTransfer(
        id=rid,
        date=DAY,
        amount=Decimal(amount),
        run_id=rid,
        direction=direction,
        from_account_id=bank if direction == "money_out" else "MONEY_IN_CLEARING",
        to_account_id="MONEY_OUT_CLEARING" if direction == "money_out" else bank,
        side_status={"payment_ids": list(payments)},
    )


def link_of(billcom: CanonicalObject | None, ledger: CanonicalObject | None, **kw: Any) -> Link:
    obj = billcom or ledger
    assert obj is not None
    return Link(
        object_type=obj.object_type,
        billcom_id=billcom.id if billcom else kw.pop("billcom_id", None),
        ledger_id=ledger.id if ledger else kw.pop("ledger_id", None),
        billcom_fingerprint=fingerprint(billcom) if billcom else None,
        ledger_fingerprint=fingerprint(ledger) if ledger else None,
        billcom_view=synced_view(billcom) if billcom else None,
        ledger_view=synced_view(ledger) if ledger else None,
        **kw,
    )


def known(side: Side, object_type: ObjectType, source_id: str, target_id: str) -> dict[RefKey, Resolution]:
    return {(side, object_type, source_id): Resolution(target_id=target_id)}


def pending(side: Side, object_type: ObjectType, source_id: str) -> dict[RefKey, Resolution]:
    return {(side, object_type, source_id): Resolution(pending_ref=f"{side.value}:{object_type.value}:{source_id}")}


def inputs(
    ch: ChangeDetected,
    source: CanonicalObject | None,
    *,
    counterpart: CanonicalObject | None = None,
    link: Link | None = None,
    refs: dict[RefKey, Resolution] | None = None,
    match: Match | None = None,
    related: dict[str, CanonicalObject] | None = None,
    inflight: bool = False,
    mappings: Mappings | None = None,
    multi_currency: bool = False,
    **pref_overrides: Any,
) -> Inputs:
    return Inputs(
        connection_id=CONN,
        change=ch,
        source=source,
        counterpart=counterpart,
        link=link,
        prefs=prefs(**pref_overrides),
        mappings=mappings or Mappings(),
        company=company(multi_currency),
        refs=refs or {},
        match=match,
        related=related or {},
        inflight_creates=inflight,
    )


__all__ = ["ApprovalStatus", "B", "L", "T"]
