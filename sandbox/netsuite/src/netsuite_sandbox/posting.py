"""Posting rules and computed amounts (reference §1.7, §8): balanced journals, payments and credits
applied to at most the amount due, closed periods, approval gating, and each document's total,
balance and status as derived from the transactions that apply to it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from netsuite_sandbox.account import Account
from netsuite_sandbox.errors import user_error, wrong_subsidiary
from netsuite_sandbox.fields import amount
from netsuite_sandbox.oneworld import missing, resolve

Rec = dict[str, Any]
CENT = Decimal("0.01")
# applying type -> (document type it applies to, entity field of the applying record)
APPLIES_TO = {"vendorPayment": "vendorBill", "vendorCredit": "vendorBill", "customerPayment": "invoice"}
APPROVED = "2"  # approvalStatus ids 1/2/3 (reference §1.7: meanings unconfirmed; 2 taken as Approved)


def line_amount(line: Rec, path: str) -> Decimal:
    if line.get("amount") is not None:
        return amount(line["amount"], "amount", f"{path}.amount")
    if line.get("quantity") is not None and line.get("rate") is not None:
        return amount(line["quantity"], "quantity", path) * amount(line["rate"], "rate", path)
    raise missing("amount")


def document_total(record_type: str, rec: Rec) -> Decimal:
    if record_type == "customerPayment":
        return amount(rec.get("payment", 0), "payment", "payment")
    if record_type == "vendorPayment":  # the bills paid less the vendor credits taken in the payment
        paid = sum((amount(a.get("amount", 0), "amount", "apply") for a in applied_lines(rec)), Decimal(0))
        return paid - sum((amount(c.get("amount", 0), "amount", "credit") for c in credit_lines(rec)), Decimal(0))
    total = Decimal(0)
    for sublist in ("expense", "item"):
        for i, line in enumerate(rec.get(sublist) or []):
            total += line_amount(line, f"{sublist}.items[{i}]")
    return total


def applied_lines(rec: Rec) -> list[Rec]:
    return [line for line in rec.get("apply") or [] if line.get("apply", True) is not False]


def credit_lines(rec: Rec) -> list[Rec]:
    """A vendor payment's ``credit`` sublist: vendor credits taken in the payment (SOAP
    ``VendorPayment.creditList`` of ``VendorPaymentCredit`` {apply, doc, amount}; the REST name
    ``credit`` is unconfirmed, README fidelity table)."""
    return [line for line in rec.get("credit") or [] if line.get("apply", True) is not False]


def applied_to(account: Account, doc_id: str, *, excluding: str | None = None) -> Decimal:
    return sum((amt for src, amt in account.applied.get(doc_id, {}).items() if src != excluding), Decimal(0))


def applied_by(account: Account, source_id: str) -> Decimal:
    return sum(account.applies.get(source_id, {}).values(), Decimal(0))


def derived(account: Account, record_type: str, rec: Rec) -> Rec:
    """The read-only amounts and status NetSuite computes for a transaction."""
    if record_type in ("vendorBill", "invoice"):
        total = document_total(record_type, rec)
        due = total - applied_to(account, rec["id"])
        paid = total > 0 and due == 0
        status = "B" if paid else "A"
        if record_type == "vendorBill" and (rec.get("approvalStatus") or {}).get("id", APPROVED) != APPROVED:
            status = "D"
        remaining = "balance" if record_type == "vendorBill" else "amountRemaining"
        return {"total": float(total), remaining: float(due), "status": {"id": status}}
    if record_type == "vendorCredit":
        total = document_total(record_type, rec)
        used = applied_by(account, rec["id"]) + applied_to(account, rec["id"])  # own apply + taken in payments
        return {"total": float(total), "applied": float(used), "unapplied": float(total - used)}
    if record_type == "vendorPayment":
        return {"total": float(document_total(record_type, rec)), "status": {"id": "A"}}
    if record_type == "customerPayment":
        total = document_total(record_type, rec)
        used = applied_by(account, rec["id"])
        return {"applied": float(used), "unapplied": float(total - used), "status": {"id": "A"}}
    return {}


def check_period(account: Account, tran_date: str | None) -> None:
    if tran_date and tran_date[:7] in account.closed_periods:
        raise user_error(f"The accounting period for {tran_date} is closed.", "tranDate")


def check_journal(rec: Rec) -> None:
    debit = credit = Decimal(0)
    lines = rec.get("line") or []
    if len(lines) < 2:
        raise user_error("A journal entry needs at least two lines.", "line")
    for i, line in enumerate(lines):
        path = f"line.items[{i}]"
        d = amount(line.get("debit") or 0, "debit", path)
        c = amount(line.get("credit") or 0, "credit", path)
        if (d > 0) == (c > 0) or d < 0 or c < 0:
            raise user_error("Each journal line needs either a debit or a credit amount.", path)
        debit, credit = debit + d, credit + c
    if debit.quantize(CENT) != credit.quantize(CENT):
        raise user_error("The transaction is out of balance: debits must equal credits.", "line")


def check_account_type(account: Account, rec: Rec, field: str, allowed: tuple[str, ...]) -> None:
    ref = rec.get(field)
    if ref is None:
        return
    found = account.get("account", ref["id"]) or {}
    if found.get("acctType") not in allowed:
        raise user_error(
            f"Invalid {field} reference key {ref['id']}: the account type must be {'/'.join(allowed)}.", field
        )


def applications(account: Account, record_type: str, rec: Rec, rec_id: str) -> list[tuple[str, Decimal]]:
    """Validate the ``apply`` sublist of a payment or credit; answer (document id, amount) pairs."""
    doc_type = APPLIES_TO[record_type]
    entity_field = "customer" if record_type == "customerPayment" else "entity"
    entity_id = rec[entity_field]["id"]
    pairs: list[tuple[str, Decimal]] = []
    for i, line in enumerate(applied_lines(rec)):
        path = f"apply.items[{i}]"
        if line.get("doc") is None:
            raise missing("doc")
        doc_id = line["doc"]["id"]
        doc = resolve(account, "transaction", doc_id)
        found = account.find_transaction(doc_id)
        if doc is None or found is None or found[0] != doc_type:
            raise user_error(f"Invalid doc reference key {doc_id}.", f"{path}.doc")
        if (doc.get("entity") or {}).get("id") != entity_id:
            raise wrong_subsidiary("entity", doc_id, rec["subsidiary"]["id"], f"{path}.doc")
        if doc["subsidiary"]["id"] != rec["subsidiary"]["id"]:
            raise wrong_subsidiary("doc", doc_id, rec["subsidiary"]["id"], f"{path}.doc")
        if record_type != "customerPayment" and (doc.get("approvalStatus") or {}).get("id", APPROVED) != APPROVED:
            raise user_error(f"Bill {doc_id} is not approved for payment.", f"{path}.doc")
        due = document_total(doc_type, doc) - applied_to(account, doc_id, excluding=rec_id)
        value = amount(line.get("amount", due), "amount", f"{path}.amount")
        if value <= 0 or value > due:
            raise user_error(
                f"The amount applied to {doc_id} ({value}) exceeds the amount due ({due}).", f"{path}.amount"
            )
        pairs.append((doc_id, value))
    if record_type in ("vendorCredit", "customerPayment"):
        limit = document_total(record_type, rec)
        if record_type == "vendorCredit":
            limit -= applied_to(account, rec_id)  # taken in vendor payments
        if sum((v for _, v in pairs), Decimal(0)) > limit:
            raise user_error(f"The total applied exceeds the available amount ({limit}).", "apply")
    if record_type == "vendorPayment":
        pairs += credits_taken(account, rec, rec_id, entity_id)
        if document_total(record_type, rec) < 0:
            raise user_error("The credits applied exceed the bills paid.", "credit")
    return pairs


def credits_taken(account: Account, rec: Rec, rec_id: str, entity_id: str) -> list[tuple[str, Decimal]]:
    """Validate a vendor payment's ``credit`` lines: the vendor's own credits in the payment's
    subsidiary, each taken up to what it has left unapplied."""
    pairs: list[tuple[str, Decimal]] = []
    for i, line in enumerate(credit_lines(rec)):
        path = f"credit.items[{i}]"
        if line.get("doc") is None:
            raise missing("doc")
        doc_id = line["doc"]["id"]
        found = account.find_transaction(doc_id)
        if found is None or found[0] != "vendorCredit":
            raise user_error(f"Invalid doc reference key {doc_id}.", f"{path}.doc")
        credit = found[1]
        if (credit.get("entity") or {}).get("id") != entity_id:
            raise wrong_subsidiary("entity", doc_id, rec["subsidiary"]["id"], f"{path}.doc")
        if credit["subsidiary"]["id"] != rec["subsidiary"]["id"]:
            raise wrong_subsidiary("doc", doc_id, rec["subsidiary"]["id"], f"{path}.doc")
        left = (
            document_total("vendorCredit", credit)
            - applied_by(account, doc_id)
            - applied_to(account, doc_id, excluding=rec_id)
        )
        value = amount(line.get("amount", left), "amount", f"{path}.amount")
        if value <= 0 or value > left:
            raise user_error(f"The credit taken from {doc_id} ({value}) exceeds what is unapplied ({left}).", path)
        pairs.append((doc_id, value))
    return pairs


def check_posting(account: Account, record_type: str, rec: Rec, rec_id: str) -> list[tuple[str, Decimal]]:
    """Raise on a posting-rule violation; answer the record's new applications."""
    check_period(account, rec.get("tranDate"))
    if record_type == "journalEntry":
        check_journal(rec)
    if record_type == "vendorPayment":
        check_account_type(account, rec, "account", ("Bank",))
        check_account_type(account, rec, "apAcct", ("AcctPay",))
    if record_type == "customerPayment":
        if rec.get("account") is None and not rec.get("undepFunds"):
            raise missing("account")
        check_account_type(account, rec, "account", ("Bank", "OthCurrAsset"))
        check_account_type(account, rec, "aracct", ("AcctRec",))
    for sublist in ("expense", "line"):
        for i, line in enumerate(rec.get(sublist) or []):
            ref = line.get("account")
            kind = (account.get("account", ref["id"]) or {}).get("acctType") if ref else None
            if sublist == "expense" and kind in ("AcctPay", "AcctRec"):
                raise user_error(
                    f"Invalid account reference key {ref['id'] if ref else ''}.", f"{sublist}.items[{i}].account"
                )
    if record_type in ("vendorBill", "invoice"):
        total = document_total(record_type, rec)
        if total < applied_to(account, rec_id):
            raise user_error("The total is less than the amount already paid or credited.", "total")
    if record_type in APPLIES_TO:
        return applications(account, record_type, rec, rec_id)
    return []


def record_applications(account: Account, source_id: str, pairs: list[tuple[str, Decimal]]) -> list[str]:
    """Replace the applications of ``source_id``; answer the documents whose balance changed."""
    touched = list(account.applies.pop(source_id, {}))
    for doc_id in touched:
        account.applied.get(doc_id, {}).pop(source_id, None)
    if pairs:
        account.applies[source_id] = dict(pairs)
    for doc_id, value in pairs:
        account.applied.setdefault(doc_id, {})[source_id] = value
        touched.append(doc_id)
    return touched
