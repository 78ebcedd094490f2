"""AP transactions: Bill, VendorCredit, BillPayment. Memo and LedgerBridge's tag share PrivateNote."""

from __future__ import annotations

from decimal import Decimal

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    CanonicalObject,
    Classifications,
    TransactionLine,
    VendorCredit,
)
from ledgerbridge_common.connectors.qbo.mapping_common import (
    CompanySetup,
    Json,
    amount,
    currency_in,
    currency_out,
    dec,
    drop_none,
    identity,
    meta,
    note_with_tag,
    parse_date,
    ref,
    ref_id,
    split_note,
)
from ledgerbridge_common.errors import ValidationError


def _header_in(data: Json, setup: CompanySetup) -> tuple[Json, bool]:
    memo, tag, voided = split_note(data.get("PrivateNote"))
    status = drop_none(
        {
            "tag": tag,
            "total": data.get("TotalAmt"),
            "balance": data.get("Balance"),
            "home_total": data.get("HomeTotalAmt"),
            "linked": data.get("LinkedTxn") or None,
            "doc_number": data.get("DocNumber"),
        }
    )
    return {**meta(data), "memo": memo, "side_status": status}, voided


def _department(lines: tuple[TransactionLine, ...]) -> Json | None:
    for line in lines:
        dept = line.classifications.department_id or line.classifications.location_id
        if dept:
            return ref(dept)
    return None


def _expense_line_out(line: TransactionLine) -> Json:
    c = line.classifications
    if c.item_id and not c.account_id:
        kind = "ItemBasedExpenseLineDetail"
        detail = drop_none(
            {
                "ItemRef": ref(c.item_id),
                "ClassRef": ref(c.class_id),
                "CustomerRef": ref(c.customer_id),
                "Qty": float(line.quantity) if line.quantity is not None else None,
                "UnitPrice": float(line.unit_price) if line.unit_price is not None else None,
            }
        )
    else:
        if not c.account_id:
            raise ValidationError(
                "an expense line needs an account (map it, or use Unallocated Expenses)",
                vendor="qbo",
                code="line.account",
            )
        kind = "AccountBasedExpenseLineDetail"
        detail = drop_none(
            {"AccountRef": ref(c.account_id), "ClassRef": ref(c.class_id), "CustomerRef": ref(c.customer_id)}
        )
    return drop_none({"Amount": amount(line.amount), "Description": line.description, "DetailType": kind, kind: detail})


def _lines_in(data: Json) -> tuple[TransactionLine, ...]:
    dept = ref_id(data, "DepartmentRef")
    out = []
    for line in data.get("Line") or []:
        kind = line.get("DetailType")
        if kind not in ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail", "SalesItemLineDetail"):
            continue  # SubTotalLineDetail, DescriptionOnly...
        detail = line.get(kind) or {}
        qty, price = detail.get("Qty"), detail.get("UnitPrice")
        out.append(
            TransactionLine(
                amount=dec(line.get("Amount")),
                description=line.get("Description"),
                quantity=Decimal(str(qty)) if qty is not None else None,
                unit_price=Decimal(str(price)) if price is not None else None,
                classifications=Classifications(
                    account_id=ref_id(detail, "AccountRef"),
                    class_id=ref_id(detail, "ClassRef"),
                    item_id=ref_id(detail, "ItemRef"),
                    customer_id=ref_id(detail, "CustomerRef"),
                    department_id=dept,
                ),
            )
        )
    return tuple(out)


def bill_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, Bill | VendorCredit)
    out: Json = {
        **identity(obj.id, obj.concurrency_token),
        "VendorRef": ref(obj.vendor_id),
        "DocNumber": obj.number,
        "TxnDate": obj.date.isoformat(),
        "APAccountRef": ref(obj.ap_account_id),
        "Line": [_expense_line_out(ln) for ln in obj.lines],
        "DepartmentRef": _department(obj.lines),
        "PrivateNote": note_with_tag(obj.memo, tag),
        **currency_out(setup, obj.currency, obj.exchange_rate),
    }
    if isinstance(obj, Bill) and obj.due_date is not None:
        out["DueDate"] = obj.due_date.isoformat()
    return drop_none(out)


def _vendor_doc_in(data: Json, setup: CompanySetup) -> Json:
    header, _ = _header_in(data, setup)
    return {
        **header,
        **currency_in(data, setup),
        "vendor_id": ref_id(data, "VendorRef") or "",
        "number": data.get("DocNumber"),
        "date": parse_date(data.get("TxnDate")),
        "lines": _lines_in(data),
        "ap_account_id": ref_id(data, "APAccountRef"),
    }


def bill_in(data: Json, setup: CompanySetup) -> Bill:
    return Bill(**_vendor_doc_in(data, setup), due_date=parse_date(data.get("DueDate")))


def vendor_credit_in(data: Json, setup: CompanySetup) -> VendorCredit:
    return VendorCredit(**_vendor_doc_in(data, setup))


def _applied_out(applied: tuple[AppliedTo, ...], txn_type: str) -> list[Json]:
    return [{"Amount": amount(a.amount), "LinkedTxn": [{"TxnId": a.document_id, "TxnType": txn_type}]} for a in applied]


def _applied_in(data: Json, txn_type: str) -> tuple[AppliedTo, ...]:
    out = []
    for line in data.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == txn_type:
                out.append(AppliedTo(document_id=str(link["TxnId"]), amount=dec(line.get("Amount"))))
    return tuple(out)


def bill_payment_out(obj: CanonicalObject, setup: CompanySetup, tag: str | None) -> Json:
    assert isinstance(obj, BillPayment)
    if not obj.bank_account_id:
        raise ValidationError(
            "a bill payment needs bank_account_id (Money Out Clearing or the default bank)",
            vendor="qbo",
            code="bank_account_id",
        )
    return drop_none(
        {
            **identity(obj.id, obj.concurrency_token),
            "VendorRef": ref(obj.vendor_id),
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": ref(obj.bank_account_id), "PrintStatus": "NotSet"},
            "TotalAmt": amount(obj.amount),
            "TxnDate": obj.date.isoformat(),
            "DocNumber": obj.reference[:21] if obj.reference else None,
            "Line": _applied_out(obj.applied_to, "Bill") + _applied_out(obj.vendor_credits, "VendorCredit"),
            "PrivateNote": note_with_tag(obj.memo, tag),
            **currency_out(setup, obj.currency, obj.exchange_rate),
        }
    )


def bill_payment_in(data: Json, setup: CompanySetup) -> BillPayment:
    header, voided = _header_in(data, setup)
    bank = ref_id(data, "CheckPayment", "BankAccountRef") or ref_id(data, "CreditCardPayment", "CCAccountRef")
    return BillPayment(
        **header,
        **currency_in(data, setup),
        vendor_id=ref_id(data, "VendorRef") or "",
        date=parse_date(data.get("TxnDate")),
        amount=dec(data.get("TotalAmt")),
        applied_to=_applied_in(data, "Bill"),
        vendor_credits=_applied_in(data, "VendorCredit"),
        bank_account_id=bank,
        reference=data.get("DocNumber"),
        voided=voided,
    )
