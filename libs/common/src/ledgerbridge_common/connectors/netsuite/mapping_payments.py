"""Payments ↔ NetSuite: vendor payments and customer payments, applied to documents through the
keyed ``apply`` sublist (reference §1.7), a vendor payment's vendor credits through its ``credit``
sublist (the SOAP schema's ``VendorPayment.creditList``: doc, apply, amount; the payment's total is
the bills paid less the credits taken, so the credits count in the amount applied to the first bill, as BILL takes them
from the bill they pay); their header carries the Default Payables/Receivables
classification (``header_classifications``: BILL codes no classification on payments, SB:205021059)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge_common.canonical.models import AppliedTo, BillPayment, ReceivedPayment
from ledgerbridge_common.connectors.netsuite.mapping_common import (
    Rec,
    Setup,
    common,
    day,
    drop_none,
    items,
    money,
    ref,
    ref_id,
)
from ledgerbridge_common.connectors.netsuite.mapping_txns import header_dims, header_dims_from


def applied(values: tuple[AppliedTo, ...]) -> Rec:
    return {"items": [{"doc": ref(a.document_id), "apply": True, "amount": float(a.amount)} for a in values]}


def with_credits(bills: tuple[AppliedTo, ...], credits: tuple[AppliedTo, ...], sign: int) -> tuple[AppliedTo, ...]:
    """The bills as NetSuite applies them (``sign`` 1: the credits added to the first bill's amount)
    or as BILL pays them (``sign`` -1: the cash part only)."""
    if not bills or not credits:
        return bills
    taken = sum((c.amount for c in credits), Decimal(0))
    first = bills[0].model_copy(update={"amount": bills[0].amount + sign * taken})
    return (first, *bills[1:])


def applied_from(rec: Rec, sublist: str = "apply") -> tuple[AppliedTo, ...]:
    return tuple(
        AppliedTo(document_id=str(ref_id(x.get("doc"))), amount=money(x.get("amount")))
        for x in items(rec, sublist)
        if x.get("apply", True) is not False
    )


def _header(obj: BillPayment | ReceivedPayment, setup: Setup) -> Rec:
    """What both payments carry besides their party, account and amount."""
    return {
        **header_dims(obj.header_classifications),
        "subsidiary": ref(setup.subsidiary_id),
        "tranDate": obj.date.isoformat(),
        "tranId": obj.reference,
        "currency": setup.currency_id(obj.currency),
        "exchangeRate": float(obj.exchange_rate),
        "memo": obj.memo,
        "apply": applied(obj.applied_to),
    }


def _header_from(rec: Rec, setup: Setup) -> dict[str, Any]:
    return {
        "date": day(rec.get("tranDate")),
        "currency": setup.currency_code(rec.get("currency")) or "USD",
        "exchange_rate": Decimal(str(rec.get("exchangeRate") or 1)),
        "applied_to": applied_from(rec),
        "reference": rec.get("tranId"),
        "memo": rec.get("memo"),
        "header_classifications": header_dims_from(rec),
        **common(rec),
    }


def payment_to(obj: BillPayment, setup: Setup) -> Rec:
    return drop_none(
        {
            **_header(obj, setup),
            "entity": ref(obj.vendor_id),
            "account": ref(obj.bank_account_id),
            "apply": applied(with_credits(obj.applied_to, obj.vendor_credits, 1)),
            "credit": applied(obj.vendor_credits),
        }
    )


def payment_from(rec: Rec, setup: Setup) -> BillPayment:
    credits = applied_from(rec, "credit")
    return BillPayment(
        vendor_id=str(ref_id(rec.get("entity"))),
        amount=money(rec.get("total")),
        vendor_credits=credits,
        bank_account_id=ref_id(rec.get("account")),
        **{**_header_from(rec, setup), "applied_to": with_credits(applied_from(rec), credits, -1)},
    )


def received_to(obj: ReceivedPayment, setup: Setup) -> Rec:
    return drop_none(
        {
            **_header(obj, setup),
            "customer": ref(obj.customer_id),
            "account": ref(obj.deposit_to_account_id),
            "undepFunds": obj.deposit_to_account_id is None,
            "payment": float(obj.amount),
        }
    )


def received_from(rec: Rec, setup: Setup) -> ReceivedPayment:
    return ReceivedPayment(
        customer_id=str(ref_id(rec.get("customer"))),
        amount=money(rec.get("payment")),
        deposit_to_account_id=ref_id(rec.get("account")),
        **_header_from(rec, setup),
    )
